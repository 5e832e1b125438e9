"""等保 2.0 (issue 15): access violations are recorded. A request for a record that exists but lies
outside the caller's scope answers exactly like a missing one and leaves a failed ACCESS_DENIED
entry; reads of a petition's timeline and notices are audited like its detail; audit labels name
no person."""

import re

from django.urls import reverse

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.petitions.models import Petitioner

from .factories import register

MISSING = 99999999


def _page(response) -> bytes:
    """The page without its CSRF tokens, which are masked afresh on every response."""
    return re.sub(rb'("X-CSRFToken": |name="csrfmiddlewaretoken" value=)"[^"]*"', rb"\1", response.content)


def _denied(target_id):
    return AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED, target_id=str(target_id))


def test_api_detail_outside_scope_is_404_like_missing_and_audited(api_client, clerk, village_handler):
    # given: a township petition, invisible to the village's handler
    petition = register(clerk)
    api = api_client(village_handler)
    # when
    outside = api.get(f"/api/v1/petitions/{petition.pk}")
    missing = api.get(f"/api/v1/petitions/{MISSING}")
    # then
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    entry = _denied(petition.pk).get()
    assert entry.success is False
    assert entry.actor == village_handler
    assert entry.target_type == "petitions.petition"
    assert not _denied(MISSING).exists()


def test_view_detail_outside_scope_is_404_like_missing_and_audited(client, clerk, village_handler):
    # given
    petition = register(clerk)
    client.force_login(village_handler)
    # when
    outside = client.get(reverse("petitions:detail", args=[petition.pk]), REMOTE_ADDR="10.1.2.3")
    missing = client.get(reverse("petitions:detail", args=[MISSING]), REMOTE_ADDR="10.1.2.3")
    # then
    assert outside.status_code == missing.status_code == 404
    assert _page(outside) == _page(missing)
    entry = _denied(petition.pk).get()
    assert entry.success is False
    assert entry.actor == village_handler
    assert entry.ip == "10.1.2.3"
    assert not _denied(MISSING).exists()
    assert not AuditEntry.objects.filter(
        event=AuditEvent.PERSONAL_DATA_VIEWED, actor=village_handler
    ).exists()


def test_petitioner_outside_scope_is_404_like_missing_and_audited(api_client, clerk, village_handler):
    # given
    register(clerk)
    person = Petitioner.objects.get()
    api = api_client(village_handler)
    # when
    outside = api.get(f"/api/v1/petitioners/{person.pk}")
    missing = api.get(f"/api/v1/petitioners/{MISSING}")
    # then
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    entry = AuditEntry.objects.get(event=AuditEvent.ACCESS_DENIED, target_type="petitions.petitioner")
    assert entry.target_id == str(person.pk)
    assert person.name not in entry.target_label
    assert not _denied(MISSING).exists()


def test_hit_writes_no_denial(api_client, clerk):
    petition = register(clerk)
    assert api_client(clerk).get(f"/api/v1/petitions/{petition.pk}").status_code == 200
    assert not AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED).exists()


def test_timeline_read_is_audited(api_client, clerk):
    # given
    petition = register(clerk)
    before = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).count()
    # when
    response = api_client(clerk).get(f"/api/v1/petitions/{petition.pk}/timeline")
    # then
    assert response.status_code == 200
    viewed = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED)
    assert viewed.count() == before + 1
    entry = viewed.latest("id")
    assert (entry.target_id, entry.actor, entry.extra_data.get("part")) == (
        str(petition.pk),
        clerk,
        "timeline",
    )


def test_documents_read_is_audited(api_client, clerk):
    # given
    petition = register(clerk)
    before = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).count()
    # when
    response = api_client(clerk).get(f"/api/v1/petitions/{petition.pk}/documents")
    # then
    assert response.status_code == 200
    viewed = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED)
    assert viewed.count() == before + 1
    entry = viewed.latest("id")
    assert (entry.target_id, entry.actor, entry.extra_data.get("part")) == (
        str(petition.pk),
        clerk,
        "documents",
    )


def test_documents_read_outside_scope_is_404_like_missing_and_audited(api_client, clerk, village_handler):
    petition = register(clerk)
    api = api_client(village_handler)
    outside = api.get(f"/api/v1/petitions/{petition.pk}/documents")
    missing = api.get(f"/api/v1/petitions/{MISSING}/documents")
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    assert _denied(petition.pk).count() == 1
    assert not _denied(MISSING).exists()


def test_petitioner_view_audit_label_names_nobody(client, clerk):
    # given
    register(clerk)
    person = Petitioner.objects.get()
    client.force_login(clerk)
    # when
    response = client.get(reverse("petitions:petitioner_detail", args=[person.pk]))
    # then
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).latest("id")
    assert entry.target_id == str(person.pk)
    assert person.name not in entry.target_label
    assert entry.target_label == f"信访人 #{person.pk}"


def test_registration_form_export_label_is_the_number_only(client, clerk):
    # given: a subject that names a person
    petition = register(clerk, subject="反映张大山拖欠工资问题")
    client.force_login(clerk)
    # when
    response = client.get(reverse("petitions:print_form", args=[petition.pk]))
    # then
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(event=AuditEvent.EXPORT).latest("id")
    assert entry.target_label == petition.number


def test_a_step_on_a_petition_outside_scope_is_404_like_missing_and_audited(
    api_client, clerk, village_handler_clerk
):
    # given: a township petition, invisible to the village's clerk
    petition = register(clerk)
    api = api_client(village_handler_clerk)
    # when
    outside = api.post(f"/api/v1/petitions/{petition.pk}/actions/accept", {})
    missing = api.post(f"/api/v1/petitions/{MISSING}/actions/accept", {})
    # then: the transition's rollback does not take the record of the violation with it
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    entry = _denied(petition.pk).get()
    assert (entry.success, entry.actor, entry.target_type) == (
        False,
        village_handler_clerk,
        "petitions.petition",
    )
    assert not _denied(MISSING).exists()


def test_a_supervision_step_outside_scope_is_audited_once(api_client, clerk, village_handler):
    # given: a supervisor of the village, which does not see the township's petition
    from xinfang.accounts.services import user_set_roles

    petition = register(clerk)
    user_set_roles(actor=None, user=village_handler, roles={"supervisor"})
    api = api_client(village_handler)
    # when: a step of the attached machine (its own transaction inside the petition's lock)
    response = api.post(f"/api/v1/petitions/{petition.pk}/actions/supervise", {})
    opened = api.post(f"/api/v1/petitions/{petition.pk}/supervisions", {})
    # then
    assert response.status_code == opened.status_code == 404
    assert _denied(petition.pk).count() == 2


def test_units_users_and_notifications_outside_scope_are_audited(village_handler, clerk, unit_by_code):
    """等保 (issue 15): every out-of-scope read is recorded, not only petitions and notices."""
    import pytest
    from django.utils import timezone

    from xinfang.accounts.selectors import access_user_by_id
    from xinfang.core.exceptions import NotFound
    from xinfang.notifications.models import Notification
    from xinfang.notifications.selectors import access_notification_by_id
    from xinfang.organisation.models import Unit
    from xinfang.organisation.selectors import access_unit_by_id

    # given: the township, its clerk and a notification of the clerk's, none the village's to see
    township = unit_by_code("341122101")
    notice = Notification.objects.create(
        recipient=clerk, kind="task", title="测试", created_at=timezone.now()
    )
    # when / then
    for access, target in (
        (access_unit_by_id, township),
        (access_user_by_id, clerk),
        (access_notification_by_id, notice),
    ):
        with pytest.raises(NotFound):
            access(village_handler, target.pk)
        with pytest.raises(NotFound):
            access(village_handler, MISSING)
        assert AuditEntry.objects.filter(
            event=AuditEvent.ACCESS_DENIED,
            target_id=str(target.pk),
            target_type=target._meta.label_lower,
            actor=village_handler,
        ).exists()
    assert not _denied(MISSING).exists()
    assert Unit.objects.filter(pk=township.pk).exists()
