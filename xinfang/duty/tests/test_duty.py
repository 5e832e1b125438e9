"""Duty (值班): a roster drawn up by rotation and published, coverage with its gaps, leave with a
substitute, swaps, sign-in, the duty log, and a handover that cannot close while an item is open."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.sweep import deadlines_sweep
from xinfang.duty import selectors, services
from xinfang.duty.choices import EntryStatus, ItemStatus, ShiftStatus
from xinfang.duty.machine import allowed_actions, shift_transition
from xinfang.duty.models import LogEntry, RosterMonth, Shift
from xinfang.notifications.models import Notification
from xinfang.organisation.models import Unit

from .helpers import next_month, running_shift, township, user

pytestmark = pytest.mark.usefixtures("demo")


def generate(month: date | None = None, **overrides):  # type: ignore[no-untyped-def]
    values = {
        "actor": user("clerk"),
        "unit_id": township().pk,
        "month": month or next_month(),
        "leaders": [user("leader").pk, user("principal").pk],
        "staff": [user("duty").pk, user("clerk").pk, user("handler").pk],
    }
    values.update(overrides)
    return services.roster_generate(**values)


def act(shift: Shift, action: str, username: str, **fields) -> Shift:  # type: ignore[no-untyped-def]
    shift_transition(shift=shift, action=action, actor=user(username), **fields)
    return selectors.access_shift_by_id(user(username), shift.pk)


# --- the roster ----------------------------------------------------------------------------------


def test_a_month_is_generated_by_rotating_the_named_lists():
    roster = generate()
    shifts = selectors.roster_shifts(roster)
    first = next_month()
    days = (selectors.next_month(first) - first).days
    assert len(shifts) == days  # one 24-hour shift a day from 08:30 by default
    assert timezone.localtime(shifts[0].starts_at).time() == time(8, 30)
    leaders = [next(m.user.username for m in s.members.all() if m.kind == "leader") for s in shifts[:4]]
    assert leaders == ["leader", "principal", "leader", "principal"]
    staff = [next(m.user.username for m in s.members.all() if m.kind == "staff") for s in shifts[:4]]
    assert staff == ["duty", "clerk", "handler", "duty"]
    assert roster.status == "draft"


def test_two_slots_a_day_and_their_24_hours():
    with pytest.raises(ValidationFailed, match="24 小时"):
        services.slots_save(
            actor=user("clerk"), unit=township(), slots=[services.SlotIn("白班", "08:30", 540)]
        )
    services.slots_save(
        actor=user("clerk"),
        unit=township(),
        slots=[services.SlotIn("白班", "08:30", 540), services.SlotIn("夜班", "17:30", 900)],
    )
    shifts = selectors.roster_shifts(generate())
    night = shifts[1]
    assert night.label == "夜班"
    assert timezone.localtime(night.ends_at).time() == time(8, 30)
    assert timezone.localtime(night.ends_at).date() == timezone.localtime(night.starts_at).date() + timedelta(
        days=1
    )


def test_a_leader_must_be_a_leader_and_a_published_month_is_not_regenerated():
    with pytest.raises(ValidationFailed, match="带班领导"):
        generate(leaders=[user("duty").pk])
    roster = generate()
    services.roster_publish(actor=user("clerk"), roster=roster)
    with pytest.raises(Conflict, match="已发布"):
        generate()


def test_coverage_lists_the_gap_a_hand_edit_left_and_publishing_counts():
    roster = generate()
    start, end = selectors.month_bounds(roster.month)
    # a draft is not counted: the whole month is a gap
    gaps = selectors.coverage_gaps(units=[township()], start=start, end=end)
    assert len(gaps) == 1
    assert gaps[0].missing == ("leader", "staff")
    services.roster_publish(actor=user("clerk"), roster=roster)
    # the month starts at 00:00 but the first shift at 08:30
    gaps = selectors.coverage_gaps(units=[township()], start=start, end=end)
    assert [(timezone.localtime(g.start).time(), timezone.localtime(g.end).time()) for g in gaps] == [
        (time(0, 0), time(8, 30))
    ]


def test_coverage_rises_in_a_sensitive_period(sysadmin):
    from xinfang.deadlines.sensitive import period_save

    roster = generate()
    services.roster_publish(actor=user("clerk"), roster=roster)
    first = roster.month
    period_save(
        actor=user("clerk"),
        unit=township(),
        name="元旦",
        starts_on=first + timedelta(days=2),
        ends_on=first + timedelta(days=3),
        level=1,
        reason="元旦假期",
    )
    start = selectors.day_start(first + timedelta(days=1))
    end = selectors.day_start(first + timedelta(days=5))
    gaps = selectors.coverage_gaps(units=[township()], start=start, end=end)
    # one staff a shift: short of the two a level-1 period needs, on its two days only
    assert len(gaps) == 1
    assert gaps[0].missing == ("staff",)
    assert gaps[0].needed_staff == 2
    assert timezone.localtime(gaps[0].start).date() == first + timedelta(days=2)
    assert timezone.localtime(gaps[0].end).date() == first + timedelta(days=4)
    assert gaps[0].periods == ("元旦",)


# --- leave, substitutes, swaps ---------------------------------------------------------------------


def test_leave_is_approved_with_a_substitute_who_is_free():
    roster = generate()
    services.roster_publish(actor=user("clerk"), roster=roster)
    shifts = selectors.roster_shifts(roster)
    first, second = shifts[0], shifts[1]  # duty serves the first, clerk the second
    first = act(first, "request_leave", "duty", reason="家中有事")
    assert "approve_leave" in allowed_actions(first, user("leader"))
    assert "approve_leave" not in allowed_actions(first, user("clerk"))
    # clerk serves the next day's shift: free on the first; handler is free too
    first = act(first, "approve_leave", "leader", user=user("duty").pk, substitute=user("handler").pk)
    serving = {m.user.username for m in first.members.all() if m.serving}
    assert serving == {"leader", "handler"}
    assert (first.leaders_serving, first.staff_serving) == (1, 1)
    replaced = next(m for m in first.members.all() if m.user.username == "duty")
    assert (replaced.serving, replaced.leave) == (False, "approved")
    assert Notification.objects.filter(recipient__username="handler", title__startswith="替班安排").exists()
    # a substitute already on duty then is refused
    second = act(second, "request_leave", "clerk", reason="出差")
    overlapping = services.shift_add(
        actor=user("clerk"),
        unit=township(),
        starts_at=second.starts_at,
        ends_at=second.ends_at,
        label="备勤",
        leader=user("leader").pk,
        staff=[user("supervisor").pk],
    )
    assert overlapping.published
    with pytest.raises(Conflict, match="已有值班"):
        act(second, "approve_leave", "leader", user=user("clerk").pk, substitute=user("supervisor").pk)


def test_a_swap_between_two_shifts_is_the_heads_and_same_kind_only():
    roster = generate()
    services.roster_publish(actor=user("clerk"), roster=roster)
    shifts = selectors.roster_shifts(roster)
    a, b = shifts[0], shifts[1]
    with pytest.raises(PermissionDenied):
        act(a, "swap", "clerk", user=user("duty").pk, other_shift=b.pk, other_user=user("clerk").pk)
    with pytest.raises(ValidationFailed, match="只能与"):
        act(a, "swap", "leader", user=user("duty").pk, other_shift=b.pk, other_user=user("principal").pk)
    a = act(a, "swap", "leader", user=user("duty").pk, other_shift=b.pk, other_user=user("clerk").pk)
    assert {m.user.username for m in a.members.all()} == {"leader", "clerk"}
    b = selectors.access_shift_by_id(user("leader"), b.pk)
    assert {m.user.username for m in b.members.all()} == {"principal", "duty"}
    assert b.events.filter(action="swap").exists()


# --- on duty ---------------------------------------------------------------------------------------


def test_sign_in_log_register_and_an_urgent_visit():
    shift = running_shift()
    with pytest.raises(PermissionDenied):
        act(shift, "check_in", "clerk")  # not on this shift
    shift = act(shift, "check_in", "duty")
    assert shift.status == ShiftStatus.ON_DUTY
    shift = act(
        shift,
        "log_entry",
        "duty",
        kind="call",
        name="孙来电",
        phone="13900001111",
        matter="反映村里路灯坏了三个月无人修",
    )
    entry = LogEntry.objects.get(shift=shift)
    petition = services.entry_register(actor=user("duty"), entry=entry, category="0902", not_repeat=True)
    entry.refresh_from_db()
    assert (entry.status, entry.petition_number) == (EntryStatus.REGISTERED, petition.number)
    assert petition.channel == "call"
    assert petition.registered_by == user("duty")
    shift = act(
        shift, "log_entry", "duty", kind="visit", name="周来访", matter="十余人聚集镇政府门口", urgent=True
    )
    urgent = LogEntry.objects.get(shift=shift, urgent=True)
    assert Notification.objects.filter(recipient__username="leader", kind="urgent").exists()
    assert Deadline.objects.filter(owner_type="duty.logentry", owner_id=urgent.pk, is_open=True).exists()
    shift = act(shift, "acknowledge", "leader", entry=urgent.pk)
    assert not Deadline.objects.filter(owner_type="duty.logentry", owner_id=urgent.pk, is_open=True).exists()


def test_a_missing_sign_in_tells_the_office_head_once():
    shift = running_shift()
    clock = Deadline.objects.get(owner_type="duty.shift", owner_id=shift.pk, rule="duty_check_in")
    Deadline.objects.filter(pk=clock.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    deadlines_sweep(scans=False)
    told = Notification.objects.filter(title__startswith="值班未到岗")
    assert set(told.values_list("recipient__username", flat=True)) == {"leader", "principal"}
    assert "吴值班" in told.first().body
    assert "尚未签到" in told.first().body
    deadlines_sweep(scans=False)
    assert Notification.objects.filter(title__startswith="值班未到岗").count() == 2


# --- handover ----------------------------------------------------------------------------------------


def test_the_shift_closes_only_when_every_item_is_accepted_and_the_leader_signed():
    shift = running_shift()
    shift = act(shift, "check_in", "duty")
    for name in ("甲", "乙"):
        shift = act(shift, "log_entry", "duty", kind="call", name=name, matter=f"{name}反映的事项")
    shift = act(shift, "hand_over", "duty", note="乙的事项需回电")
    assert shift.status == ShiftStatus.HANDED_OVER
    items = list(shift.handover.items.order_by("pk"))
    assert [i.kind for i in items] == ["entry", "entry", "note"]
    incoming = shift.handover.to_shift
    assert incoming.label == "夜班"
    # the outgoing cannot accept their own items; the incoming handler can
    with pytest.raises(PermissionDenied):
        act(shift, "accept_item", "duty", item=items[0].pk)
    shift = act(shift, "accept_item", "handler", item=items[0].pk)
    shift = act(shift, "accept_item", "handler", item=items[2].pk)
    shift = act(shift, "return_item", "handler", item=items[1].pk, reason="情况不清，请写明诉求")
    # open item: no signature, no close (409)
    with pytest.raises(Conflict, match="1 项"):
        act(shift, "sign", "leader")
    with pytest.raises(Conflict, match="1 项"):
        act(shift, "close", "duty")
    # the outgoing finishes it and hands over again: the item is settled
    shift = act(shift, "close_entry", "duty", entry=items[1].entry_id, action_taken="已回电说明政策")
    shift = act(shift, "hand_over", "duty")
    statuses = {i.pk: i.status for i in shift.handover.items.all()}
    assert statuses[items[1].pk] == ItemStatus.SETTLED
    with pytest.raises(Conflict, match="签字"):
        act(shift, "close", "duty")
    shift = act(shift, "sign", "leader")
    shift = act(shift, "close", "duty")
    assert shift.status == ShiftStatus.CLOSED
    # the accepted entry is now the night shift's to finish
    assert LogEntry.objects.get(pk=items[0].entry_id).current_shift_id == incoming.pk
    assert AuditEntry.objects.filter(event=AuditEvent.STATE_TRANSITION, target_id=str(shift.pk)).count() >= 9


def test_shifts_outside_scope_answer_404(api_client):
    shift = running_shift()
    other = user("village-handler")
    with pytest.raises(NotFound):
        selectors.access_shift_by_id(other, shift.pk)
    response = api_client(other).get(f"/api/v1/duty/shifts/{shift.pk}")
    assert response.status_code == 404
    assert AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED, target_id=str(shift.pk)).exists()
    assert api_client(user("leader")).get(f"/api/v1/duty/shifts/{shift.pk}").status_code == 200


def test_the_api_walks_a_shift(api_client):
    shift = running_shift()
    api = api_client(user("duty"))
    body = api.post(f"/api/v1/duty/shifts/{shift.pk}/actions/check_in", {}).json()
    assert body["status"] == "on_duty"
    response = api.post(f"/api/v1/duty/shifts/{shift.pk}/log", {"kind": "fax", "name": "", "matter": ""})
    assert response.status_code == 422
    assert "name" in response.json()["errors"]
    response = api.post(
        f"/api/v1/duty/shifts/{shift.pk}/log", {"kind": "call", "name": "钱某", "matter": "咨询低保政策"}
    )
    assert response.status_code == 200
    entry = response.json()["log"][0]["id"]
    created = api.post(f"/api/v1/duty/log/{entry}/register", {"category": "0701", "not_repeat": True})
    assert created.status_code == 201, created.content.decode()
    now = api.get("/api/v1/duty/now").json()
    assert now[0]["people"][0]["name"] in ("张分管", "吴值班")
    coverage = api_client(user("leader")).get(
        "/api/v1/duty/coverage",
        unit=township().pk,
        **{"from": timezone.localdate().isoformat(), "to": timezone.localdate().isoformat()},
    )
    assert coverage.status_code == 200, coverage.content.decode()
    assert all(set(g["missing"]) <= {"leader", "staff"} for g in coverage.json()["gaps"])
    assert (
        api_client(user("clerk")).post(f"/api/v1/duty/shifts/{shift.pk}/actions/close", {}).status_code == 409
    )


def test_the_roster_is_scoped(api_client):
    roster = generate()
    assert RosterMonth.objects.filter(pk=roster.pk).exists()
    with pytest.raises(NotFound):
        selectors.access_roster_by_id(user("village-handler"), roster.pk)
    listed = api_client(user("leader")).get("/api/v1/duty/shifts", unit=township().pk)
    assert listed.json()["count"] == len(selectors.roster_shifts(roster))


def test_coverage_of_many_units_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    from xinfang.deadlines.sensitive import cover_segments, cover_segments_many, period_save

    roster = generate()
    services.roster_publish(actor=user("clerk"), roster=roster)
    period_save(
        actor=user("clerk"),
        unit=township(),
        name="春节",
        starts_on=roster.month,
        ends_on=roster.month,
        level=2,
        reason="春节假期",
    )
    units = list(Unit.objects.filter(path__startswith=township().path))
    start, end = selectors.month_bounds(roster.month)
    # the batch reads the same requirement as one unit at a time
    many = cover_segments_many(units, start, end)
    assert all(many[u.pk] == cover_segments(u, start, end) for u in units)
    with django_assert_max_num_queries(3):
        gaps = selectors.coverage_gaps(units=units, start=start, end=end)
    # the villages keep no roster: all month uncovered; the township only before 08:30 of the 1st
    # and on the 春节 day, where two staff are needed
    township_gaps = [g for g in gaps if g.unit_id == township().pk]
    first = roster.month
    assert [
        (g.missing, g.needed_staff, timezone.localtime(g.start), timezone.localtime(g.end))
        for g in township_gaps
    ] == [
        (
            ("leader", "staff"),
            2,
            selectors.day_start(first),
            selectors.day_start(first) + timedelta(hours=8.5),
        ),
        (
            ("staff",),
            2,
            selectors.day_start(first) + timedelta(hours=8.5),
            selectors.day_start(first, after=True),
        ),
    ]
    assert {g.unit_id for g in gaps} == {u.pk for u in units}


def test_with_day_and_night_shifts_everyone_takes_both_in_turn():
    services.slots_save(
        actor=user("clerk"),
        unit=township(),
        slots=[services.SlotIn("白班", "08:30", 540), services.SlotIn("夜班", "17:30", 900)],
    )
    shifts = selectors.roster_shifts(
        generate(staff=[user(n).pk for n in ("duty", "clerk", "handler", "supervisor")])
    )

    def served(kind: str, label: str) -> set[str]:
        return {
            m.user.username for s in shifts if s.label == label for m in s.members.all() if m.kind == kind
        }

    for label in ("白班", "夜班"):
        assert served("leader", label) == {"leader", "principal"}
        assert served("staff", label) == {"duty", "clerk", "handler", "supervisor"}


def test_only_the_office_acts_for_someone_else_on_a_shift():
    roster = generate()
    services.roster_publish(actor=user("clerk"), roster=roster)
    shift = selectors.roster_shifts(roster)[0]  # leader and duty serve
    # a handler of the township who is not on this shift may not file leave for someone on it
    with pytest.raises(PermissionDenied):
        act(shift, "request_leave", "supervisor", user=user("duty").pk, reason="代请假")
    act(shift, "request_leave", "clerk", user=user("duty").pk, reason="代请假（办公室）")


def test_a_shift_is_added_for_a_time_still_to_come_or_running_not_for_one_past():
    now = timezone.now()
    with pytest.raises(ValidationFailed, match="已结束"):
        services.shift_add(
            actor=user("clerk"),
            unit=township(),
            starts_at=now - timedelta(hours=10),
            ends_at=now - timedelta(hours=2),
            label="补录",
            leader=user("leader").pk,
            staff=[user("duty").pk],
        )
    # a shift still running counts, whenever it began (a night shift from last month's last day)
    running = services.shift_add(
        actor=user("clerk"),
        unit=township(),
        starts_at=now - timedelta(hours=23),
        ends_at=now + timedelta(hours=1),
        label="长班",
        leader=user("leader").pk,
        staff=[user("duty").pk],
    )
    assert running.roster.month == timezone.localtime(running.starts_at).date().replace(day=1)


# --- what a review found ---------------------------------------------------------------------------


def test_the_api_answers_odd_bodies_in_chinese_never_500(api_client):
    shift = running_shift()
    api = api_client(user("duty"))
    # names the transition function takes itself are not input
    body = api.post(
        f"/api/v1/duty/shifts/{shift.pk}/actions/check_in", {"actor": 1, "shift": 2, "request_meta": 3}
    )
    assert body.status_code == 200, body.content.decode()
    # a time without its zone is local time
    logged = api.post(
        f"/api/v1/duty/shifts/{shift.pk}/log",
        {"kind": "call", "name": "某", "matter": "事", "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    assert logged.status_code == 200, logged.content.decode()
    bad = api.post(
        f"/api/v1/duty/shifts/{shift.pk}/log", {"kind": "call", "name": "某", "matter": "事", "phone": "abc"}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"]["phone"] == "联系电话格式有误。"


def test_leave_and_swap_rules_the_review_asked_for():
    roster = generate()
    services.roster_publish(actor=user("clerk"), roster=roster)
    first, second = selectors.roster_shifts(roster)[:2]
    first = act(first, "request_leave", "duty", reason="病假")
    # the person on leave may not come back as their own substitute, nor a leader take a staff post
    with pytest.raises(Conflict, match="本班次"):
        act(first, "approve_leave", "leader", user=user("duty").pk, substitute=user("duty").pk)
    with pytest.raises(ValidationFailed, match="领导"):
        act(first, "approve_leave", "leader", user=user("duty").pk, substitute=user("principal").pk)
    # a swap while a leave waits is refused
    with pytest.raises(Conflict, match="请假"):
        act(first, "swap", "leader", user=user("duty").pk, other_shift=second.pk, other_user=user("clerk").pk)
    first = act(first, "approve_leave", "leader", user=user("duty").pk, substitute=user("handler").pk)
    # the office may still change the people of the shift after a leave (was a 500)
    first = act(first, "staff_shift", "clerk", leader=user("leader").pk, staff=[user("supervisor").pk])
    assert {m.user.username for m in first.members.all() if m.serving} == {"leader", "supervisor"}
    # a leader does not approve their own leave
    first = act(first, "request_leave", "leader", reason="出差")
    with pytest.raises(PermissionDenied, match="本人"):
        act(first, "approve_leave", "leader", user=user("leader").pk, substitute=user("principal").pk)
    # and a request tells the office heads
    assert Notification.objects.filter(
        recipient__username="principal", title__startswith="请假待批准"
    ).exists()


def test_one_person_is_not_both_leader_and_staff_of_a_roster():
    with pytest.raises(ValidationFailed, match="同时"):
        generate(leaders=[user("leader").pk], staff=[user("leader").pk, user("duty").pk])


def test_a_leave_request_is_refused_by_the_head_or_withdrawn_and_may_be_asked_again():
    roster = generate()
    services.roster_publish(actor=user("clerk"), roster=roster)
    shift = selectors.roster_shifts(roster)[0]  # leader and duty serve
    shift = act(shift, "request_leave", "duty", reason="家中有事")
    with pytest.raises(Conflict, match="已申请"):
        act(shift, "request_leave", "duty", reason="再次申请")
    # the leader on the same shift is a member, but not the person: only as office head
    shift = act(shift, "reject_leave", "principal", user=user("duty").pk, note="人手紧张")
    member = next(m for m in shift.members.all() if m.user.username == "duty")
    assert (member.leave, member.serving) == ("", True)
    assert Notification.objects.filter(recipient__username="duty", title__startswith="请假未获批准").exists()
    shift = act(shift, "request_leave", "duty", reason="改日再请")
    shift = act(shift, "reject_leave", "duty", user=user("duty").pk)  # withdrawn
    assert shift.events.filter(action="reject_leave", data__withdrawn=True).exists()
    # a staff member of the office who is not the person and not a head may not
    shift = act(shift, "request_leave", "duty", reason="第三次")
    with pytest.raises(PermissionDenied):
        act(shift, "reject_leave", "supervisor", user=user("duty").pk)


def test_who_is_on_duty_in_the_unit_above_is_answered_to_a_village(api_client):
    running_shift()
    village = user("village-handler")
    answer = api_client(village).get("/api/v1/duty/now", unit=township().pk)
    assert answer.status_code == 200, answer.content.decode()
    assert answer.json()[0]["unit_name"] == "城关镇"
    assert answer.json()[0]["people"]
    # another township stays out of scope
    other = Unit.objects.get(code="341122102")
    assert api_client(village).get("/api/v1/duty/now", unit=other.pk).status_code == 404


def test_missing_sign_ins_of_many_shifts_read_the_office_heads_once():
    shifts = [running_shift()]
    start = shifts[0].starts_at
    for hours in (1, 2, 3):
        shifts.append(
            services.shift_add(
                actor=user("clerk"),
                unit=township(),
                starts_at=start + timedelta(hours=hours - 1),
                ends_at=start + timedelta(hours=hours),
                label=f"备勤{hours}",
                leader=user("principal").pk,
                staff=[user("supervisor").pk],
            )
        )
    Deadline.objects.filter(owner_type="duty.shift", rule="duty_check_in").update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    from xinfang.duty.clocks import ShiftClocks

    rows = list(Deadline.objects.filter(owner_type="duty.shift", rule="duty_check_in"))
    assert len(rows) >= 2
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        ShiftClocks().overdue(rows, now=timezone.now())
    # one lookup of the township's heads for all its shifts, not one per shift
    assert sum("accounts_roleassignment" in q["sql"] for q in queries.captured_queries) == 1
    assert Notification.objects.filter(title__startswith="值班未到岗").count() == 2 * len(rows)


def test_an_open_incident_of_the_unit_is_handed_over_once_and_follows_each_handover():
    from xinfang.incidents.services import incident_register

    shift = running_shift()
    shift = act(shift, "check_in", "duty")
    incident = incident_register(
        actor=user("clerk"),
        title="村民聚集反映征地补偿",
        kind="gathering",
        learned_at=timezone.now() - timedelta(minutes=5),
        occurred_at=timezone.now() - timedelta(minutes=20),
        place="镇政府门口",
        headcount=12,
        demands="补偿款发放",
    )
    shift = act(shift, "hand_over", "duty")
    items = [i for i in shift.handover.items.all() if i.kind == "incident"]
    assert len(items) == 1
    assert incident.number in items[0].text
    assert "下次首报" in items[0].text
    # returned and handed over again while the incident is still open: pending again, not doubled
    shift = act(shift, "return_item", "handler", item=items[0].pk, reason="请写明续报要求")
    shift = act(shift, "hand_over", "duty")
    again = [i for i in shift.handover.items.all() if i.kind == "incident"]
    assert [(i.pk, i.status) for i in again] == [(items[0].pk, ItemStatus.PENDING)]
