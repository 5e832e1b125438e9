"""A likely repeat (同一信访人 12 个月内同类信访件) must be decided before saving: linked as a repeat
(关联为重复件) or stated to be another matter (不是同一事项), on the page, in the API and in the
service; the choice "not the same matter" is kept in the audit entry."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.audit.details import readable_entries
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import ValidationFailed
from xinfang.organisation.models import Unit
from xinfang.petitions.models import Petition
from xinfang.petitions.services import petition_register

from .factories import VALID_IDS, petition_input, register

TOWNSHIP = "341122101"


def _created_entry(petition: Petition) -> AuditEntry:
    return AuditEntry.objects.get(event=AuditEvent.RECORD_CREATED, target_id=str(petition.pk))


def test_a_registration_with_a_likely_repeat_and_no_choice_is_refused_naming_it(clerk):
    # given
    earlier = register(clerk)
    petitions, entries = Petition.objects.count(), AuditEntry.objects.count()
    # when
    data = petition_input(problem_unit=clerk.unit, not_repeat=False)
    with pytest.raises(ValidationFailed, match=earlier.number) as raised:
        petition_register(actor=clerk, data=data)
    # then
    refused = raised.value
    assert "关联为重复件" in refused.message
    assert "不是同一事项" in refused.message
    assert refused.extra["repeat_candidates"] == str(earlier.pk)
    assert Petition.objects.count() == petitions
    assert AuditEntry.objects.count() == entries


def test_not_the_same_matter_is_registered_unlinked_and_audited_with_the_checked_petitions(clerk):
    # given
    earlier = register(clerk)
    # when
    petition = petition_register(actor=clerk, data=petition_input(problem_unit=clerk.unit, not_repeat=True))
    # then
    assert petition.repeat_of is None
    entry = _created_entry(petition)
    assert entry.extra_data["not_repeat_of"] == [earlier.pk]
    assert f"查重核对：不是同一事项：{earlier.number}" in readable_entries([entry])[0].text


def test_a_registration_cannot_both_link_a_repeat_and_deny_it(clerk):
    # given
    earlier = register(clerk)
    petitions = Petition.objects.count()
    # when
    data = petition_input(problem_unit=clerk.unit, repeat_of=earlier.pk, not_repeat=True)
    with pytest.raises(ValidationFailed) as raised:
        petition_register(actor=clerk, data=data)
    # then
    assert raised.value.extra["not_repeat"] == "已关联为重复件，不能同时选择“不是同一事项”。"
    assert Petition.objects.count() == petitions


# --- the API -------------------------------------------------------------------------------------


def _payload(**overrides):
    payload = {
        "channel": "letter",
        "received_at": timezone.localtime().isoformat(timespec="seconds"),
        "subject": "反映拖欠工资问题",
        "content": "某建筑公司拖欠工资，要求支付。",
        "category": "0201",
        "problem_unit": Unit.objects.get(code=TOWNSHIP).pk,
        "petitioners": [{"name": "张三", "id_number": VALID_IDS[0], "phone": "13812345678"}],
    }
    payload.update(overrides)
    return payload


def test_the_api_answers_422_naming_the_likely_repeats_until_the_clerk_chooses(api_client, clerk):
    # given
    earlier = register(clerk, received_at=timezone.now() - timedelta(days=1))
    client = api_client(clerk)
    # when
    refused = client.post("/api/v1/petitions", _payload())
    unlinked = client.post("/api/v1/petitions", _payload(not_repeat=True))
    linked = client.post("/api/v1/petitions", _payload(repeat_of=earlier.pk))
    # then
    assert refused.status_code == 422
    body = refused.json()
    assert earlier.number in body["message"]
    assert body["errors"]["repeat_candidates"] == str(earlier.pk)
    assert unlinked.status_code == 201
    assert unlinked.json()["repeat_of"] is None
    assert linked.status_code == 201
    assert linked.json()["repeat_of"] == earlier.pk


def test_the_api_documents_the_not_repeat_choice(client, clerk):
    client.force_login(clerk)
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["PetitionIn"]
    assert schema["properties"]["not_repeat"]["title"] == "不是同一事项"


# --- the page ------------------------------------------------------------------------------------


def _registration(**overrides):
    data = {
        "channel": "letter",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "visit_kind": "individual",
        "petitioner_name": "张三",
        "petitioner_gender": "male",
        "petitioner_id_number": VALID_IDS[0],
        "petitioner_phone": "13812345678",
        "category": "0201",
        "problem_unit": str(Unit.objects.get(code=TOWNSHIP).pk),
        "subject": "再次反映拖欠工资",
        "content": "某建筑公司仍未支付工资。",
    }
    data.update(overrides)
    return data


def test_the_repeat_check_offers_no_default_choice(client, clerk):
    # given
    earlier = register(clerk)
    client.force_login(clerk)
    # when
    html = client.get(
        reverse("petitions:repeat_check"), {"petitioner_id_number": VALID_IDS[0], "category": "0201"}
    ).content.decode()
    # then
    assert f'value="{earlier.pk}"' in html
    assert 'value="not_repeat"' in html
    assert "不是同一事项" in html
    assert "checked" not in html


def test_saving_without_a_repeat_choice_keeps_the_form_and_asks_for_one(client, clerk):
    # given
    earlier = register(clerk, received_at=timezone.now() - timedelta(days=1))
    client.force_login(clerk)
    petitions = Petition.objects.count()
    # when
    response = client.post(reverse("petitions:create"), _registration())
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert Petition.objects.count() == petitions
    assert 'data-testid="repeat-error"' in html
    assert f'value="{earlier.pk}"' in html
    assert "再次反映拖欠工资" in html  # what the clerk typed is kept


def test_saving_as_not_the_same_matter_registers_and_records_the_choice(client, clerk):
    # given
    earlier = register(clerk, received_at=timezone.now() - timedelta(days=1))
    client.force_login(clerk)
    # when
    response = client.post(reverse("petitions:create"), _registration(repeat_of="not_repeat"))
    # then
    assert response.status_code == 302
    newest = Petition.objects.latest("id")
    assert newest.repeat_of is None
    assert _created_entry(newest).extra_data["not_repeat_of"] == [earlier.pk]
