"""The acceptance decision through the one transition function: table, roles, scope, audit."""

import pytest

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.petitions.models import PetitionEvent
from xinfang.petitions.workflow import allowed_actions, petition_transition

from .factories import register


def _transitions(petition):
    return AuditEntry.objects.filter(event=AuditEvent.STATE_TRANSITION, target_id=str(petition.pk))


def test_acceptance_starts_the_sixty_day_handling_clock(clerk):
    # given
    petition = register(clerk)
    # when
    petition = petition_transition(petition=petition, action="accept", actor=clerk, note="当场受理")
    # then
    assert petition.status == "accepted"
    handling = Deadline.objects.get(owner_type="petitions.petition", owner_id=petition.pk, is_open=True)
    assert handling.rule == "handling"
    expected = compute_deadline(
        start=handling.start, amount=60, unit="calendar_days", calendar=calendar_load()
    )
    assert petition.current_deadline == handling.due_date == expected.due_date
    assert not Deadline.objects.get(
        owner_type="petitions.petition", owner_id=petition.pk, rule="acceptance"
    ).is_open
    event = PetitionEvent.objects.get(petition=petition)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "registered",
        "accepted",
        clerk,
        "当场受理",
    )
    assert _transitions(petition).count() == 1


def test_rejection_needs_a_legal_ground_and_stops_the_clock(clerk):
    petition = register(clerk)
    with pytest.raises(ValidationFailed) as error:
        petition_transition(petition=petition, action="reject", actor=clerk)
    assert "理由须为以下之一" in error.value.extra["ground"]
    petition.refresh_from_db()
    assert petition.status == "registered"
    assert _transitions(petition).count() == 0
    # when
    petition = petition_transition(petition=petition, action="reject", actor=clerk, ground="legal_channel")
    # then
    assert petition.status == "not_accepted"
    assert petition.current_deadline is None
    assert PetitionEvent.objects.get(petition=petition).data["ground_label"].startswith("应当通过诉讼")


def test_a_step_out_of_order_is_refused_and_changes_nothing(clerk):
    petition = petition_transition(petition=register(clerk), action="accept", actor=clerk)
    with pytest.raises(Conflict, match="当前为“已受理”，不能执行“不予受理”"):
        petition_transition(petition=petition, action="reject", actor=clerk, ground="wrong_level")
    petition.refresh_from_db()
    assert petition.status == "accepted"
    assert _transitions(petition).count() == 1


@pytest.mark.parametrize("username", ["handler", "village-handler", "auditor", "sysadmin"])
def test_roles_the_rules_do_not_name_cannot_decide_acceptance(demo, clerk, username):
    from xinfang.accounts.models import User

    petition = register(clerk)
    with pytest.raises(PermissionDenied):
        petition_transition(petition=petition, action="accept", actor=User.objects.get(username=username))
    petition.refresh_from_db()
    assert petition.status == "registered"
    assert _transitions(petition).count() == 0


def test_allowed_actions_follow_state_and_role(clerk, handler):
    petition = register(clerk)
    assert allowed_actions(petition, clerk) == ["accept", "reject", "decline_again", "transfer", "assign"]
    assert allowed_actions(petition, handler) == []
    petition = petition_transition(petition=petition, action="reject", actor=clerk, ground="legal_channel")
    assert allowed_actions(petition, clerk) == []


def test_api_action_answers_200_409_403_404(api_client, clerk, handler, village_handler_clerk):
    petition = register(clerk)
    url = f"/api/v1/petitions/{petition.pk}/actions/accept"
    assert api_client(handler).post(url, {}).status_code == 403
    assert api_client(village_handler_clerk).post(url, {}).status_code == 404
    accepted = api_client(clerk).post(url, {"note": "受理"})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["allowed_actions"] == ["transfer", "assign", "schedule_hearing"]
    again = api_client(clerk).post(url, {})
    assert again.status_code == 409
    assert "不能执行“受理”" in again.json()["message"]
    detail = api_client(clerk).get(f"/api/v1/petitions/{petition.pk}").json()
    assert detail["status"] == "accepted"
    timeline = api_client(clerk).get(f"/api/v1/petitions/{petition.pk}/timeline").json()
    assert [(e["action"], e["action_label"], e["actor"]) for e in timeline] == [("accept", "受理", "王接访")]


def test_detail_page_shows_buttons_only_to_roles_that_may_act_and_the_timeline(client, clerk, handler):
    petition = register(clerk)
    client.force_login(handler)
    assert "petition-actions" not in client.get(f"/petitions/{petition.pk}/").content.decode()
    assert client.post(f"/petitions/{petition.pk}/actions/accept/").status_code == 403
    client.force_login(clerk)
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "petition-actions" in page
    assert "属于人大、法院、检察院职权范围" in page
    response = client.post(f"/petitions/{petition.pk}/actions/reject/", {"ground": ""})
    assert response.status_code == 422  # the page again, the form open (issue 17)
    assert "请选择法定理由" in response.content.decode()
    petition.refresh_from_db()
    assert petition.status == "registered"
    client.post(
        f"/petitions/{petition.pk}/actions/reject/", {"ground": "other_authority", "note": "告知向法院反映"}
    )
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "不予受理" in page
    assert "告知向法院反映" in page
    assert "petition-actions" not in page
