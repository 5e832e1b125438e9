"""Incidents (突发事件): the clocks of the first report, the follow-ups and the principal leader's
arrival against the calendar engine, a unit type's shorter target, the sweep telling the heads and
the level above once, the order of the steps (409) and the buttons offered, and the board."""

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.exceptions import Conflict, ValidationFailed
from xinfang.deadlines.engine import LOCAL_TZ, compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.deadlines.services import rule_setting_save
from xinfang.deadlines.sweep import deadlines_sweep
from xinfang.demo.clock import simulated_now
from xinfang.incidents import clocks, selectors
from xinfang.incidents.choices import IncidentStatus
from xinfang.incidents.machine import allowed_actions, incident_transition
from xinfang.incidents.models import OWNER_TYPE, ContingencyPlan, Incident, IncidentReport, LevelRule
from xinfang.incidents.services import incident_register, plan_save
from xinfang.notifications.models import Notification
from xinfang.organisation.models import Unit

pytestmark = pytest.mark.usefixtures("demo")

TOWNSHIP, DONGFENG = "341122101", "341122101201"


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def register(
    actor: str = "clerk", *, learned_at: datetime | None = None, headcount: int = 12, **fields: Any
) -> Incident:
    learned = learned_at or timezone.now() - timedelta(minutes=5)
    values: dict[str, Any] = {
        "title": "村民聚集",
        "kind": "gathering",
        "learned_at": learned,
        "occurred_at": learned - timedelta(minutes=10),
        "place": "镇政府门口",
        "headcount": headcount,
        "demands": "征地补偿",
    }
    values.update(fields)
    return incident_register(actor=user(actor), **values)


def act(incident: Incident, action: str, actor: str = "leader", **fields: Any) -> Incident:
    incident_transition(incident=incident, action=action, actor=user(actor), **fields)
    return Incident.objects.select_related("unit", "gathered_unit").get(pk=incident.pk)


def report(incident: Incident, kind: str, actor: str = "clerk") -> Incident:
    return act(incident, "report", actor, kind=kind, situation="约40人聚集", measures="劝导", impact="平稳")


def clock(incident: Incident, rule: str, *, is_open: bool | None = True) -> Deadline:
    rows = Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=incident.pk, rule=rule).order_by("-pk")
    if is_open is not None:
        rows = rows.filter(is_open=is_open)
    return rows.get() if is_open else rows.first()  # type: ignore[return-value]


def minutes_after(start: datetime, minutes: int) -> datetime:
    due = compute_deadline(start=start, amount=minutes, unit="minutes", calendar=calendar_load()).due
    assert isinstance(due, datetime)
    return due


def a_past_day() -> date:
    return timezone.localdate() - timedelta(days=10)


def plan() -> ContingencyPlan:
    return plan_save(
        actor=user("leader"),
        unit=None,
        name="群体性事件处置预案",
        kinds=["gathering"],
        tasks=[{"title": "疏导劝返", "role": "leader"}, {"title": "信息报送", "role": "informant"}],
    )


# --- the clocks ---------------------------------------------------------------------------------------


def test_learned_at_2330_makes_the_first_report_due_at_0030_the_next_day() -> None:
    # given: a level Ⅳ incident learned at 23:30, registered at 23:35
    day = a_past_day()
    with simulated_now(at(day, 23, 35)):
        incident = register(learned_at=at(day, 23, 30))
    # then: the first report within 60 minutes, by the engine: 00:30 the next day
    assert incident.level == 4
    first = clock(incident, clocks.FIRST)
    assert (first.amount, first.unit) == (60, "minutes")
    assert first.due_at == at(day + timedelta(days=1), 0, 30)
    assert first.due_at == minutes_after(at(day, 23, 30), 60)
    assert incident.next_report_due == first.due_at
    assert incident.next_report_kind == "first"
    # and the principal leader on site 20 minutes after registration
    arrival = clock(incident, clocks.ARRIVAL)
    assert arrival.due_at == at(day, 23, 55) == incident.arrival_due
    assert arrival.start == at(day, 23, 35)


def test_a_follow_up_is_due_its_interval_after_each_report_and_none_after_the_final() -> None:
    day = a_past_day()
    with simulated_now(at(day, 9, 0)):
        incident = register(learned_at=at(day, 8, 50))  # Ⅳ: follow-ups every 240 minutes
    with simulated_now(at(day, 9, 20)):
        incident = report(incident, "first")
    follow = clock(incident, clocks.FOLLOW_UP)
    assert follow.due_at == at(day, 13, 20) == minutes_after(at(day, 9, 20), 240)
    assert (incident.next_report_kind, incident.next_report_due) == ("follow_up", follow.due_at)
    assert not clock(incident, clocks.FIRST, is_open=None).is_open
    with simulated_now(at(day, 10, 5)):
        incident = report(incident, "follow_up")
    assert clock(incident, clocks.FOLLOW_UP).due_at == at(day, 14, 5)
    assert incident.next_report_due == at(day, 14, 5)
    # the final report once the incident is in 善后 (a plan activated without a plan, the
    # measures written in the note)
    with simulated_now(at(day, 10, 30)):
        incident = act(incident, "activate_plan", note="无适用预案：工作组到场疏导")
        incident = act(incident, "on_site", note="现场处置")
        incident = act(incident, "aftermath", note="人员已劝返")
    assert clock(incident, clocks.FOLLOW_UP).due_at == at(day, 14, 5)  # the phases move no clock
    with simulated_now(at(day, 11, 0)):
        incident = report(incident, "final")
    assert not Deadline.objects.filter(
        owner_type=OWNER_TYPE, owner_id=incident.pk, rule__in=clocks.REPORT_RULES, is_open=True
    ).exists()
    assert (incident.next_report_kind, incident.next_report_due) == ("", None)
    rows = list(
        IncidentReport.objects.filter(incident=incident).values_list("kind", "seq", "due_at", "on_time")
    )
    assert rows == [
        ("first", 1, at(day, 9, 50), True),
        ("follow_up", 2, at(day, 13, 20), True),
        ("final", 3, at(day, 14, 5), True),
    ]


def test_a_late_first_report_is_recorded_late() -> None:
    day = a_past_day()
    with simulated_now(at(day, 9, 0)):
        incident = register(learned_at=at(day, 8, 0))
    with simulated_now(at(day, 9, 1)):
        incident = report(incident, "first")
    assert list(IncidentReport.objects.filter(incident=incident).values_list("on_time", flat=True)) == [False]


def test_level_one_300_people_have_30_minutes() -> None:
    day = a_past_day()
    with simulated_now(at(day, 10, 0)):
        incident = register(learned_at=at(day, 9, 50), headcount=300)
    assert incident.level == 1
    assert clock(incident, clocks.FIRST).due_at == at(day, 10, 20) == minutes_after(at(day, 9, 50), 30)
    with simulated_now(at(day, 10, 10)):
        incident = report(incident, "first")
    assert clock(incident, clocks.FOLLOW_UP).due_at == at(day, 11, 10)  # Ⅰ: every 60 minutes
    # 299 people are level Ⅱ (100+), a blocked road Ⅲ
    assert register(headcount=299).level == 2
    assert register(headcount=5, kind="blocking").level == 3


def test_a_unit_types_shorter_target_wins_over_the_levels_limit() -> None:
    # given: townships report first within 45 minutes (an internal target)
    rule_setting_save(
        actor=user("sysadmin"), unit_type="township", rule=clocks.FIRST, amount=45, unit="minutes"
    )
    day = a_past_day()
    with simulated_now(at(day, 10, 0)):
        township = register(learned_at=at(day, 9, 50))
        village = register("village-informant", learned_at=at(day, 9, 50))
        grave = register(learned_at=at(day, 9, 50), headcount=300)
    # then: a township's level Ⅳ incident is due in 45 minutes, a village's keeps the level's 60,
    # and a level Ⅰ keeps its shorter 30
    assert clock(township, clocks.FIRST).due_at == at(day, 10, 35)
    assert clock(village, clocks.FIRST).due_at == at(day, 10, 50)
    assert clock(grave, clocks.FIRST).due_at == at(day, 10, 20)


def test_a_target_in_hours_is_compared_in_minutes_and_never_lengthens_the_levels_limit() -> None:
    # a target of 1 hour, compared with the level's minutes in minutes: level Ⅰ keeps its 30
    # (an earlier version took min(30, 1) in hours: 1 hour) and level Ⅳ its 60
    rule_setting_save(actor=user("sysadmin"), unit_type="township", rule=clocks.FIRST, amount=1, unit="hours")
    day = a_past_day()
    with simulated_now(at(day, 10, 0)):
        grave = register(learned_at=at(day, 9, 50), headcount=300)
        minor = register(learned_at=at(day, 9, 50))
    assert clock(grave, clocks.FIRST).due_at == at(day, 10, 20)
    assert clock(minor, clocks.FIRST).due_at == at(day, 10, 50)
    assert (clock(grave, clocks.FIRST).amount, clock(grave, clocks.FIRST).unit) == (30, "minutes")


def test_closing_closes_every_open_clock() -> None:
    # given: level Ⅳ asks for a phone report within 30 minutes (a saved level rule), and an
    # incident with no phone report whose principal leader never registered arriving
    LevelRule.objects.create(
        level=4,
        min_headcount=0,
        first_report_minutes=60,
        phone_report_minutes=30,
        follow_up_minutes=240,
        updated_by=user("sysadmin"),
        updated_at=timezone.now(),
    )
    incident = _to_accountability(report_final=True)
    open_rules = Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=incident.pk, is_open=True)
    assert set(open_rules.values_list("rule", flat=True)) == {clocks.ARRIVAL, clocks.PHONE}
    # when
    incident = act(incident, "close")
    # then
    assert incident.status == IncidentStatus.CLOSED
    assert not Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=incident.pk, is_open=True).exists()
    assert Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=incident.pk).count() == 4
    assert (incident.next_report_due, incident.closed_at is not None) == (None, True)


def test_a_level_that_asks_for_a_phone_report_runs_its_clock_until_it_is_made() -> None:
    LevelRule.objects.create(
        level=4,
        min_headcount=0,
        first_report_minutes=60,
        phone_report_minutes=30,
        follow_up_minutes=240,
        updated_by=user("sysadmin"),
        updated_at=timezone.now(),
    )
    day = a_past_day()
    with simulated_now(at(day, 10, 0)):
        incident = register(learned_at=at(day, 9, 50))
    assert clock(incident, clocks.PHONE).due_at == at(day, 10, 20)
    with simulated_now(at(day, 10, 5)):
        incident = act(incident, "phone_report", "clerk", note="已电话报告县信访局值班室")
    phone = clock(incident, clocks.PHONE, is_open=False)
    assert (phone.is_open, phone.closed_at) == (False, at(day, 10, 5))
    assert clock(incident, clocks.FIRST).is_open  # the written report is still owed


# --- the sweep -------------------------------------------------------------------------------------------


def test_a_first_report_70_minutes_overdue_is_told_at_once_to_the_heads_and_the_county_once() -> None:
    # given: an incident of 城关镇 learned 70 minutes ago, no report
    incident = register(learned_at=timezone.now() - timedelta(minutes=70))
    first = clock(incident, clocks.FIRST)
    key = f"incidents:overdue:{first.pk}"
    # when: two sweeps
    deadlines_sweep(now=timezone.now())
    told = list(Notification.objects.filter(dedupe_key=key).values_list("recipient__username", flat=True))
    deadlines_sweep(now=timezone.now() + timedelta(minutes=1))
    # then: the township's leaders and the county's office, each once
    assert sorted(told) == ["county-clerk", "county-leader", "leader", "principal"]
    assert Notification.objects.filter(dedupe_key=key).count() == 4
    assert set(Notification.objects.filter(dedupe_key=key).values_list("title", flat=True)) == {
        "突发事件首报逾期：村民聚集"
    }
    assert Notification.objects.filter(dedupe_key=key, owner_id=incident.pk, kind="urgent").count() == 4


def test_a_late_arrival_is_told_to_the_level_above() -> None:
    # given: an incident of 东风村 registered by its information officer
    incident = register("village-informant")
    arrival = clock(incident, clocks.ARRIVAL)
    key = f"incidents:overdue:{arrival.pk}"
    # when: the sweep 19 and 21 minutes later
    deadlines_sweep(now=timezone.now() + timedelta(minutes=19))
    assert not Notification.objects.filter(dedupe_key=key).exists()
    deadlines_sweep(now=timezone.now() + timedelta(minutes=21))
    # then: the township's office and leaders are told (and the village's head)
    told = set(Notification.objects.filter(dedupe_key=key).values_list("recipient__username", flat=True))
    assert {"clerk", "leader", "principal", "duty"} <= told
    assert told <= {"clerk", "leader", "principal", "duty", "village-principal"}
    assert set(Notification.objects.filter(dedupe_key=key).values_list("title", flat=True)) == {
        "主要领导未按时到场：村民聚集"
    }


def test_an_arrival_in_time_is_not_told() -> None:
    incident = register("village-informant")
    incident = act(incident, "arrive", "village-principal")
    assert incident.arrived_by == user("village-principal")
    deadlines_sweep(now=timezone.now() + timedelta(minutes=21))
    assert not Notification.objects.filter(title__startswith="主要领导未按时到场").exists()


# --- the order of the steps ----------------------------------------------------------------------------------


def _to_aftermath(*, tasks_done: bool = True) -> Incident:
    incident = register()
    incident = report(incident, "first")
    incident = act(incident, "activate_plan", plan=plan().pk)
    if tasks_done:
        for task in incident.tasks.all():
            incident = act(incident, "complete_task", task=task.pk, result="已完成")
    incident = act(incident, "on_site", note="现场处置")
    return act(incident, "aftermath", note="善后")


def _to_accountability(*, report_final: bool, tasks_done: bool = True) -> Incident:
    incident = _to_aftermath(tasks_done=tasks_done)
    if report_final:
        incident = report(incident, "final")
    return act(incident, "account", sanction="none", finding="处置及时，无需追究")


def test_reports_go_first_then_follow_ups_then_the_final() -> None:
    incident = register()
    with pytest.raises(Conflict, match="尚未首报"):
        report(incident, "follow_up")
    with pytest.raises(Conflict, match="尚未首报"):
        report(incident, "final")
    incident = report(incident, "first")
    with pytest.raises(Conflict, match="首报已报送"):
        report(incident, "first")
    # the final report only in 善后 or 责任追究: during the response a follow-up
    with pytest.raises(Conflict, match="终报须在善后或责任追究阶段报送"):
        report(incident, "final")
    incident = report(incident, "follow_up")
    incident = act(incident, "activate_plan", note="无适用预案：工作组到场疏导")
    incident = act(incident, "on_site", note="现场处置")
    with pytest.raises(Conflict, match="终报须在善后或责任追究阶段报送"):
        report(incident, "final")
    incident = act(incident, "aftermath", note="善后")
    incident = report(incident, "final")
    with pytest.raises(Conflict, match="终报已报送"):
        report(incident, "follow_up")
    assert list(incident.reports.values_list("kind", flat=True)) == ["first", "follow_up", "final"]


def test_close_is_refused_before_the_final_report_and_not_offered() -> None:
    incident = _to_accountability(report_final=False)
    assert incident.status == IncidentStatus.ACCOUNTABILITY
    assert "close" not in allowed_actions(incident, user("leader"))
    with pytest.raises(Conflict, match="尚未报送终报"):
        act(incident, "close")
    incident = report(incident, "final")
    assert "close" in allowed_actions(incident, user("leader"))
    assert act(incident, "close").status == IncidentStatus.CLOSED


def test_close_is_refused_while_a_plan_task_is_open() -> None:
    incident = _to_accountability(report_final=True, tasks_done=False)
    assert "close" not in allowed_actions(incident, user("leader"))
    with pytest.raises(Conflict, match="2 项任务未完成"):
        act(incident, "close")
    for task in incident.tasks.all():
        incident = act(incident, "complete_task", task=task.pk, result="已完成")
    assert "close" in allowed_actions(incident, user("leader"))


def test_close_is_refused_without_an_accountability_record() -> None:
    incident = report(_to_aftermath(), "final")
    assert "close" not in allowed_actions(incident, user("leader"))
    with pytest.raises(Conflict):
        act(incident, "close")
    incident = act(incident, "account", sanction="none", finding="处置及时，无需追究")
    assert incident.accountability.count() == 1
    assert "close" in allowed_actions(incident, user("leader"))


def test_a_plan_is_activated_once() -> None:
    incident = register()
    assert "activate_plan" in allowed_actions(incident, user("leader"))
    incident = act(incident, "activate_plan", plan=plan().pk)
    assert incident.status == IncidentStatus.ACTIVATED
    assert [(t.title, t.owner.username) for t in incident.tasks.all()] == [
        ("疏导劝返", "leader"),
        ("信息报送", "informant"),
    ]
    assert "activate_plan" not in allowed_actions(incident, user("leader"))
    with pytest.raises(Conflict):
        act(incident, "activate_plan", plan=plan().pk)
    assert incident.tasks.count() == 2


# --- the board ---------------------------------------------------------------------------------------------------


def test_the_board_is_one_query_with_the_next_report_due_first(django_assert_num_queries: Any) -> None:
    now = timezone.now()
    later = register(learned_at=now - timedelta(minutes=5))
    sooner = register(learned_at=now - timedelta(minutes=50))
    reported = report(register(learned_at=now - timedelta(minutes=20)), "first")
    closed = _to_accountability(report_final=True)
    act(closed, "close")
    clerk = user("clerk")
    assert clerk.role_codes
    with django_assert_num_queries(1):
        board = selectors.board(clerk)
        names = [(i.pk, i.unit.name, i.gathered_unit.name) for i in board]
    assert [pk for pk, *_ in names] == [sooner.pk, later.pk, reported.pk]
    assert names[0][1:] == ("城关镇", "城关镇")


def test_revising_the_headcount_raises_the_level_restarts_the_running_clock_and_tells_the_level_above():
    # given: 40 people at 09:00 (Ⅲ, first report within 60 minutes of 获知时间), nothing reported
    from xinfang.incidents.choices import Level

    learned = timezone.now() - timedelta(minutes=10)
    incident = incident_register(
        actor=user("clerk"),
        title="村民聚集",
        kind="gathering",
        learned_at=learned,
        occurred_at=learned - timedelta(minutes=5),
        place="镇政府门口",
        headcount=40,
        demands="补偿款",
    )
    assert incident.level == Level.III
    # when: verified at 320 people (Ⅰ: the first report within 30 minutes)
    incident = incident_transition(
        incident=incident, action="revise", actor=user("leader"), headcount=320, note="现场核实人数"
    )
    # then
    assert incident.level == Level.I
    first = Deadline.objects.get(owner_type=OWNER_TYPE, owner_id=incident.pk, rule=clocks.FIRST, is_open=True)
    assert first.due_at == learned + timedelta(minutes=30)
    incident.refresh_from_db()
    assert incident.next_report_due == first.due_at
    told = set(
        Notification.objects.filter(title__startswith="突发事件升级").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"county-clerk", "county-leader"} <= told
    # nothing to revise answers 422
    with pytest.raises(ValidationFailed):
        incident_transition(incident=incident, action="revise", actor=user("leader"), note="无变化")
