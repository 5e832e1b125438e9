"""等保 2.0 (issue 15): a notice or a supervision that exists but lies outside the caller's scope
answers exactly like a missing one, and a failed ACCESS_DENIED entry records the attempt."""

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.petitions.tests.factories import register

MISSING = 99999999


def test_document_download_outside_scope_is_404_like_missing_and_audited(api_client, clerk, village2_handler):
    from xinfang.documents.tests.helpers import generate

    # given
    document = generate(clerk, register(clerk))
    api = api_client(village2_handler)
    # when
    outside = api.get(f"/api/v1/documents/{document.pk}/download")
    missing = api.get(f"/api/v1/documents/{MISSING}/download")
    # then
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    entry = AuditEntry.objects.get(event=AuditEvent.ACCESS_DENIED)
    assert (entry.target_type, entry.target_id, entry.success) == (
        "documents.document",
        str(document.pk),
        False,
    )


def test_supervision_step_outside_scope_is_404_like_missing_and_audited(
    api_client, clerk, village_handler, village2_handler
):
    from xinfang.petitions.workflow import petition_transition
    from xinfang.supervision.models import Supervision

    # given: a supervision of a petition assigned to 东风村, asked for from another village
    petition = petition_transition(petition=register(clerk), action="accept", actor=clerk)
    petition = petition_transition(
        petition=petition,
        action="assign",
        actor=clerk,
        unit=village_handler.unit_id,
        handler=village_handler.pk,
    )
    supervisor = api_client(User.objects.get(username="supervisor"))
    opened = supervisor.post(
        f"/api/v1/petitions/{petition.pk}/supervisions", {"trigger": "other", "method": "phone"}
    )
    assert opened.status_code == 201, opened.content
    supervision = Supervision.objects.get()
    api = api_client(village2_handler)
    # when
    outside = api.post(
        f"/api/v1/supervisions/{supervision.pk}/actions/answer_supervision", {"report": "已办理"}
    )
    missing = api.post(f"/api/v1/supervisions/{MISSING}/actions/answer_supervision", {"report": "已办理"})
    # then
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content
    entry = AuditEntry.objects.get(event=AuditEvent.ACCESS_DENIED)
    assert (entry.target_type, entry.target_id) == ("supervision.supervision", str(supervision.pk))
