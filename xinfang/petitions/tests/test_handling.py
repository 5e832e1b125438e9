"""The whole procedure through the one transition function: who acts at each step, the clocks,
the windows and the notices."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.documents.models import Document
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.petitions.workflow import allowed_actions, petition_transition
from xinfang.petitions.workflow.schemas import REPORT_CHECKS

from .factories import register

ALL_CHECKS = list(REPORT_CHECKS)  # the leader confirms each of the four


def _user(username):
    return User.objects.select_related("unit").get(username=username)


def _act(petition, action, username, **fields):
    return petition_transition(petition=petition, action=action, actor=_user(username), **fields)


@pytest.fixture
def assigned(demo, clerk, unit_by_code):
    village = unit_by_code("341122101201")
    petition = register(clerk)
    petition = _act(petition, "accept", "clerk")
    handler = _user("village-handler")
    return _act(petition, "assign", "clerk", unit=village.pk, handler=handler.pk, note="请按期办结")


def test_assignment_to_a_village_lets_its_handler_see_and_handle_it(assigned, unit_by_code):
    village_handler = _user("village-handler")
    other_village = _user("village2-handler")
    assert petitions_visible_to(village_handler).filter(pk=assigned.pk).exists()
    assert not petitions_visible_to(other_village).filter(pk=assigned.pk).exists()
    assert assigned.status == "assigned"
    assert assigned.handling_unit == unit_by_code("341122101201")
    assert "submit_report" in allowed_actions(assigned, village_handler)
    kinds = list(
        Document.objects.filter(owner_type="petitions.petition", owner_id=assigned.pk).values_list(
            "kind", flat=True
        )
    )
    assert kinds == ["acceptance_notice", "assignment_notice"]


def test_a_handler_outside_scope_gets_404(assigned):
    with pytest.raises(NotFound):
        _act(assigned, "submit_report", "village2-handler", report="已办理")


def test_the_town_handler_may_not_report_on_a_matter_assigned_to_a_village(assigned):
    with pytest.raises(PermissionDenied, match="承办单位"):
        _act(assigned, "submit_report", "handler", report="已办理")


def test_the_full_walk_from_report_to_closure(assigned):
    petition = _act(assigned, "submit_report", "village-handler", report="经核查，已协调解决。")
    with pytest.raises(PermissionDenied):
        _act(petition, "approve_report", "clerk")
    petition = _act(petition, "return_report", "leader", reason="事实不清，补充调查笔录")
    assert petition.status == "handling"
    petition = _act(petition, "submit_report", "village-handler", report="补充调查笔录后，已协调解决。")
    petition = _act(petition, "approve_report", "leader", checks=ALL_CHECKS)
    assert petition.status == "approved"
    today = timezone.localdate()
    # the village investigated; the township, which accepted the matter, answers
    with pytest.raises(PermissionDenied, match="受理本件的机关"):
        _act(petition, "answer", "village-handler", outcome="support", text="支持。", delivered_on=today)
    petition = _act(petition, "answer", "clerk", outcome="support", text="支持您的诉求。", delivered_on=today)
    assert petition.status == "answered"
    assert petition.answered_unit.code == "341122101"
    assert petition.current_deadline is None
    window = compute_deadline(start=today, amount=30, unit="calendar_days", calendar=calendar_load())
    assert petition.window_ends == window.due_date
    # the review goes one level up from the township: the county
    petition = _act(petition, "request_review", "county-clerk", requested_on=today, reason="不服处理意见")
    assert petition.status == "review"
    assert petition.review_unit.code == "341122"
    petition = _act(
        petition, "decide_review", "county-leader", outcome="explain", text="维持。", delivered_on=today
    )
    assert (petition.status, petition.review_stage) == ("answered", 1)
    petition = _act(petition, "record_visit", "clerk", satisfaction="basically_satisfied", note="电话回访")
    petition = _act(petition, "close", "clerk")
    assert petition.status == "closed"
    kinds = list(
        Document.objects.filter(owner_type="petitions.petition", owner_id=petition.pk).values_list(
            "kind", flat=True
        )
    )
    assert kinds == [
        "acceptance_notice",
        "assignment_notice",
        "closure_report",
        "closure_report",
        "handling_opinion",
        "review_opinion",
    ]
    transitions = AuditEntry.objects.filter(event=AuditEvent.STATE_TRANSITION, target_id=str(petition.pk))
    assert transitions.count() == petition.events.count() == 11


def test_a_review_request_after_the_window_is_refused(assigned):
    petition = _act(assigned, "submit_report", "village-handler", report="已办结")
    petition = _act(petition, "approve_report", "leader", checks=ALL_CHECKS)
    long_ago = timezone.localdate() - timedelta(days=60)
    petition.accepted_at = timezone.now() - timedelta(days=90)
    petition.save(update_fields=["accepted_at"])
    petition = _act(petition, "answer", "clerk", outcome="explain", text="解释", delivered_on=long_ago)
    assert "request_review" not in allowed_actions(petition, _user("county-clerk"))
    with pytest.raises(Conflict, match="期限已过"):
        _act(petition, "request_review", "county-clerk", requested_on=timezone.localdate(), reason="不服")


def test_an_extension_beyond_thirty_days_is_refused(assigned):
    with pytest.raises(ValidationFailed, match="最多 30 日"):
        _act(assigned, "request_extension", "village-handler", days=31, reason="情况复杂")
    petition = _act(assigned, "request_extension", "village-handler", days=20, reason="情况复杂")
    before = Deadline.objects.get(owner_id=petition.pk, is_open=True).due_date
    petition = _act(petition, "approve_extension", "leader")
    clock = Deadline.objects.get(owner_id=petition.pk, is_open=True)
    assert clock.extension_days == 20
    assert clock.due_date > before
    with pytest.raises(ValidationFailed, match="最多还可申请 10 日"):
        _act(petition, "request_extension", "village-handler", days=11, reason="仍需时间")
    assert (
        Document.objects.filter(
            owner_type="petitions.petition", owner_id=petition.pk, kind="extension_notice"
        ).count()
        == 1
    )


def test_a_hearing_pauses_the_handling_clock(assigned):
    petition = _act(
        assigned,
        "schedule_hearing",
        "clerk",
        held_at=(timezone.now() + timedelta(days=3)).isoformat(),
        place="镇政府三楼会议室",
        participants="镇司法所、村委会、法律顾问",
    )
    assert petition.hearing_pending
    assert petition.current_deadline is None
    with pytest.raises(Conflict, match="听证"):
        _act(petition, "submit_report", "village-handler", report="已办结")
    # issue 17: not finished before it is held
    with pytest.raises(Conflict, match="尚未举行"):
        _act(petition, "finish_hearing", "clerk", record="听证各方意见已记录")
    assert Petition.objects.get(pk=petition.pk).hearing_pending
    # three days later, it has been held
    event = petition.events.get(action="schedule_hearing")
    event.data["held_at"] = (timezone.now() - timedelta(hours=1)).isoformat()
    event.save(update_fields=["data"])
    petition = _act(petition, "finish_hearing", "clerk", record="听证各方意见已记录")
    assert not petition.hearing_pending
    assert petition.current_deadline is not None


def test_objection_returns_a_transferred_matter_to_the_office(demo, clerk, unit_by_code):
    village = unit_by_code("341122101201")
    petition = _act(register(clerk), "transfer", "clerk", unit=village.pk)
    assert petition.status == "transferred"
    petition = _act(petition, "object", "village-handler", reason="不属于本村职权")
    assert petition.status == "registered"
    assert petition.handling_unit is None
    assert not petitions_visible_to(_user("village-handler")).filter(pk=petition.pk).exists()


def test_leader_ownership_and_instruction_are_recorded(assigned):
    petition = _act(assigned, "take_ownership", "leader")
    petition = _act(petition, "instruct", "leader", text="务必在月底前化解")
    assert petition.owner_leader.username == "leader"
    assert petition.events.filter(action="instruct").get().data["text"] == "务必在月底前化解"


def test_the_traffic_light_turns_yellow_three_working_days_before_the_deadline(demo, clerk):
    from xinfang.petitions.selectors import RegisterFilter, deadline_light, petition_list, warning_boundary

    today = timezone.localdate()
    boundary = warning_boundary(today)
    expected = compute_deadline(start=today, amount=3, unit="working_days", calendar=calendar_load())
    assert boundary == expected.due_date
    red, yellow, green = register(clerk), register(clerk), register(clerk)
    for petition, due in (
        (red, today - timedelta(days=1)),
        (yellow, boundary),
        (green, boundary + timedelta(days=1)),
    ):
        type(petition).objects.filter(pk=petition.pk).update(current_deadline=due)
        petition.refresh_from_db()
    assert [deadline_light(p) for p in (red, yellow, green)] == ["red", "yellow", "green"]
    for light, petition in (("red", red), ("yellow", yellow), ("green", green)):
        ids = set(
            petition_list(actor=clerk, filters=RegisterFilter(light=light)).values_list("pk", flat=True)
        )
        assert petition.pk in ids
        assert not ids & ({red.pk, yellow.pk, green.pk} - {petition.pk})


def test_a_leader_between_the_registering_and_the_handling_unit_sees_the_matter(assigned, unit_by_code):
    from xinfang.accounts.services import user_create, user_set_roles
    from xinfang.petitions.models import shared_depth

    village = unit_by_code("341122101201")
    village_leader = user_create(
        actor=None, username="village-leader", full_name="村支书", unit=village, password="Xf#2026abcd"
    )
    user_set_roles(actor=None, user=village_leader, roles={"leader"})
    assert shared_depth(assigned.unit_path, assigned.handling_path) == assigned.handling_shared_depth == 1
    assert petitions_visible_to(village_leader).filter(pk=assigned.pk).exists()
    for username in ("leader", "county-leader", "village-handler"):
        assert petitions_visible_to(_user(username)).filter(pk=assigned.pk).exists()
    assert not petitions_visible_to(_user("village2-handler")).filter(pk=assigned.pk).exists()


def test_an_anonymous_letter_gets_no_notice_addressed_to_nobody(clerk, client):
    """Issue 17: an anonymous letter got a 受理告知单 addressed to 匿名信访人."""
    from django.urls import reverse

    # given
    petition = register(clerk, anonymous=True, petitioners=[])
    # when
    petition = _act(petition, "accept", "clerk")
    # then: accepted, no notice, and the timeline says why
    assert petition.status == "accepted"
    assert not Document.objects.filter(owner_id=petition.pk, kind="acceptance_notice").exists()
    event = petition.events.get(action="accept")
    assert event.data["untold"] == "匿名信访，信访人身份不明，无法告知"
    client.force_login(clerk)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    assert "无法告知" in page


def test_a_letter_without_address_or_phone_gets_no_notice_but_a_visit_does(clerk):
    from xinfang.petitions.services import PetitionerInput

    nobody = [PetitionerInput(name="赵六")]
    letter = _act(register(clerk, petitioners=nobody), "accept", "clerk")
    visit = _act(register(clerk, channel="visit", petitioners=nobody), "accept", "clerk")
    assert not Document.objects.filter(owner_id=letter.pk, kind="acceptance_notice").exists()
    assert letter.events.get(action="accept").data["untold"] == "信访人未留住址和联系电话，无法告知"
    assert Document.objects.filter(owner_id=visit.pk, kind="acceptance_notice").exists()


def test_an_accepted_matter_can_still_be_transferred_to_a_county_department(assigned, unit_by_code):
    """Issue 17: after 受理 the 转送 button was gone, and a village's objection ("应转交县生态环境分局")
    had nowhere to go."""
    # given: the village objects; the matter is back with the township, accepted
    petition = _act(assigned, "object", "village-handler", reason="应转交县自然资源局")
    assert petition.status == "accepted"
    assert "transfer" in allowed_actions(petition, _user("clerk"))
    department = unit_by_code("341122Z01")  # 青山县自然资源局
    # when: without a reason, then with one
    with pytest.raises(ValidationFailed, match="须说明理由"):
        _act(petition, "transfer", "clerk", unit=department.pk)
    petition = _act(petition, "transfer", "clerk", unit=department.pk, note="属县自然资源局职权，依法转送")
    # then: the department has it, with its own 15 days to accept
    assert petition.status == "transferred"
    assert petition.handling_unit_id == department.pk
    assert Deadline.objects.get(owner_id=petition.pk, is_open=True).rule == "acceptance"
    assert Document.objects.filter(owner_id=petition.pk, kind="transfer_notice").exists()


def test_a_matter_assigned_to_a_unit_without_a_handler_is_claimed_by_one_of_its_handlers(
    demo, clerk, unit_by_code
):
    """Issue 17: a matter assigned to a village with no named handler was nobody's."""
    # given
    village = unit_by_code("341122101201")
    petition = _act(_act(register(clerk), "accept", "clerk"), "assign", "clerk", unit=village.pk)
    assert petition.handler_id is None
    handler = _user("village-handler")
    assert "claim" in allowed_actions(petition, handler)
    assert "claim" not in allowed_actions(petition, _user("village2-handler"))
    # when
    petition = _act(petition, "claim", "village-handler")
    # then
    assert petition.handler_id == handler.pk
    assert petition.status == "assigned"
    assert "claim" not in allowed_actions(petition, handler)
    with pytest.raises(Conflict, match="已有承办人"):
        _act(petition, "claim", "village-handler")
