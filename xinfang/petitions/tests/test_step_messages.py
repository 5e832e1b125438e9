"""Every step that hands a petition's work to someone tells them (消息通知, kind 待办): in the inbox
and through the outbound channel, each person once per step, never the actor, never someone who
cannot see the matter, never the person it complains about; by number only."""

import logging

import pytest
from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.notifications.models import Notification
from xinfang.organisation.models import Unit
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.petitions.workflow import messages

from .alert_helpers import (
    accepted,
    act,
    answered,
    answered_by_station,
    assigned,
    in_review,
    registered,
    staff,
    today,
    user,
)
from .factories import register

pytestmark = pytest.mark.usefixtures("demo")

TOWNSHIP, VILLAGE, COUNTY = "341122101", "341122101201", "341122"


def told(petition: Petition, title: str) -> set[str]:
    """Who got the step message titled `title` about `petition`."""
    rows = Notification.objects.filter(owner_type="petitions.petition", owner_id=petition.pk, title=title)
    return set(rows.values_list("recipient__username", flat=True))


CHECKS = ["facts", "characterisation", "disposal", "procedure"]


def _handler_of(unit_code: str, username: str) -> User:
    return staff(unit_code, username, "handler")


# --- 交办, 转送, 异议 ------------------------------------------------------------------------------


def test_assigning_tells_the_named_handler_with_the_number_and_deadline_only():
    # when
    petition = assigned()
    # then
    assert told(petition, f"交办：{petition.number}") == {"village-handler"}
    notice = Notification.objects.get(title=f"交办：{petition.number}")
    assert (notice.kind, notice.link) == ("task", reverse("petitions:detail", args=[petition.pk]))
    assert notice.dedupe_key == f"petitions.petition:{petition.events.latest('pk').pk}"
    assert f"{petition.current_deadline:%Y-%m-%d}" in notice.body
    for secret in ("拖欠", "张三", petition.subject):
        assert secret not in f"{notice.title}{notice.body}"


def test_a_step_message_goes_out_through_the_channel_naming_no_one(
    caplog, django_capture_on_commit_callbacks
):
    # when: the step commits (the channel is the log by default)
    with (
        caplog.at_level(logging.INFO, logger="xinfang.notifications.channels"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        petition = assigned()
    # then
    lines = [r.getMessage() for r in caplog.records if r.name == "xinfang.notifications.channels"]
    assert lines == [f"消息通知 → village-handler：交办：{petition.number}"]
    assert Notification.objects.get(title=f"交办：{petition.number}").delivered_at is not None
    for personal in ("张三", "13812345678", petition.subject):
        assert personal not in caplog.text


def test_assigning_without_a_handler_tells_every_handler_of_the_unit():
    # given: a second handler in 东风村
    _handler_of(VILLAGE, "village-handler-b")
    # when
    petition = act(accepted(), "assign", "clerk", unit=Unit.objects.get(code=VILLAGE).pk)
    # then
    assert told(petition, f"交办：{petition.number}") == {"village-handler", "village-handler-b"}
    assert "尚未指定承办人" in Notification.objects.filter(recipient__username="village-handler").get().body


def test_transferring_tells_the_receiving_units_front_desk():
    # given: a matter registered by the county
    petition = register(user("county-clerk"), problem_unit=Unit.objects.get(code=TOWNSHIP))
    # when
    petition = act(petition, "transfer", "county-clerk", unit=Unit.objects.get(code=TOWNSHIP).pk)
    # then: the township's 接访员 decides on acceptance (not its leaders, who could too)
    assert told(petition, f"转送：{petition.number}") == {"clerk"}


def test_an_objection_tells_the_office_it_returns_to():
    # when
    petition = act(assigned(), "object", "village-handler", reason="应由县生态环境分局办理")
    # then
    assert told(petition, f"异议退回：{petition.number}") == {"clerk"}
    body = Notification.objects.get(title=f"异议退回：{petition.number}").body
    assert "生态环境" not in body  # the reason stays on the timeline: free text may name people


# --- 办结报告, 退回重办, 审核通过 ------------------------------------------------------------------


def test_a_report_tells_the_leaders_who_approve_it_and_a_return_tells_the_handler():
    # when
    petition = act(assigned(), "submit_report", "village-handler", report="经核查，已协调解决。")
    # then: the township's leaders, the nearest unit above the village that has any
    assert told(petition, f"办结报告待审核：{petition.number}") == {"leader", "principal"}
    # when
    petition = act(petition, "return_report", "leader", reason="事实不清，补充调查")
    # then
    assert told(petition, f"退回重办：{petition.number}") == {"village-handler"}
    # when
    petition = act(petition, "submit_report", "village-handler", report="已补充调查。")
    petition = act(petition, "approve_report", "principal", checks=CHECKS)
    # then: the second report was a new event, told anew; the approval sends the township's front
    # desk to answer in the township's name (the village investigated; it does not answer)
    assert Notification.objects.filter(title=f"办结报告待审核：{petition.number}").count() == 4
    assert told(petition, f"办结报告已审核通过：{petition.number}") == {"clerk"}
    assert "以城关镇名义" in Notification.objects.get(title=f"办结报告已审核通过：{petition.number}").body


def test_the_leader_who_took_the_matter_is_told_of_its_report_too():
    # given: the county's leader takes the township's matter (包案)
    petition = act(assigned(), "take_ownership", "county-leader")
    # when
    petition = act(petition, "submit_report", "village-handler", report="已解决。")
    # then
    assert told(petition, f"办结报告待审核：{petition.number}") == {"leader", "principal", "county-leader"}


# --- 延期 ---------------------------------------------------------------------------------------


def test_an_extension_request_tells_the_leaders_and_its_approval_the_handler():
    # when
    petition = act(assigned(), "request_extension", "village-handler", days=15, reason="情况复杂")
    # then
    assert told(petition, f"延期申请待批准：{petition.number}") == {"leader", "principal"}
    assert "15 日" in Notification.objects.filter(title=f"延期申请待批准：{petition.number}").first().body
    # when
    petition = act(petition, "approve_extension", "leader")
    # then
    assert told(petition, f"延期已批准：{petition.number}") == {"village-handler"}
    body = Notification.objects.get(title=f"延期已批准：{petition.number}").body
    assert f"{petition.current_deadline:%Y-%m-%d}" in body


# --- 复查, 复核 -----------------------------------------------------------------------------------


def test_a_review_request_tells_whoever_decides_it():
    # when: the village investigated and the township answered, so the county reviews
    petition = in_review()
    # then
    assert told(petition, f"复查申请待处理：{petition.number}") == {"county-leader"}
    # when: 城关派出所 answered in its own name, so the township reviews; then the county re-reviews
    petition = act(answered_by_station(), "request_review", "clerk", requested_on=today(), reason="不服")
    # then
    assert told(petition, f"复查申请待处理：{petition.number}") == {"leader", "principal"}
    # when
    petition = act(
        petition, "decide_review", "principal", outcome="explain", text="维持。", delivered_on=today()
    )
    petition = act(petition, "request_rereview", "county-clerk", requested_on=today(), reason="不服")
    # then: the county decides
    assert told(petition, f"复核申请待处理：{petition.number}") == {"county-leader"}


# --- who is never told ---------------------------------------------------------------------------


def test_the_actor_is_not_told_of_their_own_step():
    # when: a leader who may approve submits nothing, but assigns to themselves as office
    petition = act(accepted(), "assign", "leader", unit=Unit.objects.get(code=TOWNSHIP).pk)
    # then: the township's handler is told; the leader who assigned is not
    assert told(petition, f"交办：{petition.number}") == {"handler"}


def test_the_person_a_matter_complains_about_is_never_told():
    # given: the township's matter about its leader 张分管, handled by the township itself
    petition = register(user("clerk"), complained_user=user("leader").pk)
    petition = act(petition, "accept", "clerk")
    petition = act(
        petition, "assign", "clerk", unit=Unit.objects.get(code=TOWNSHIP).pk, handler=user("handler").pk
    )
    # when
    petition = act(petition, "submit_report", "handler", report="已核查。")
    # then: the principal approves it; 张分管 hears nothing
    assert told(petition, f"办结报告待审核：{petition.number}") == {"principal"}
    assert not Notification.objects.filter(recipient__username="leader", owner_id=petition.pk).exists()


def test_a_handler_the_matter_complains_about_is_not_told_of_an_unnamed_assignment():
    # given: the township's matter about its handler 李承办, and a second township handler
    _handler_of(TOWNSHIP, "handler-b")
    petition = act(register(user("clerk"), complained_user=user("handler").pk), "accept", "clerk")
    # when
    petition = act(petition, "assign", "clerk", unit=Unit.objects.get(code=TOWNSHIP).pk)
    # then
    assert told(petition, f"交办：{petition.number}") == {"handler-b"}


@pytest.mark.parametrize("make", [registered, accepted, assigned, answered, in_review])
def test_the_audience_is_exactly_who_sees_the_petition(make):
    # given: a matter at some step, one about a township leader, and every demo account
    petition = Petition.objects.get(pk=make().pk)
    about_leader = Petition.objects.get(pk=register(user("clerk"), complained_user=user("leader").pk).pk)
    people = list(User.objects.all())
    for case in (petition, about_leader):
        # when
        allowed = messages.audience(case, {u.pk for u in people})
        # then
        seeing = {
            u.pk for u in people if u.role_codes and petitions_visible_to(u).filter(pk=case.pk).exists()
        }
        assert allowed == seeing
