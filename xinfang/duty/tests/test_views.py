"""The duty pages (值班): who sees what, the office's forms, the roster as printed, a shift's
steps with a refused one shown again, the duty log to a petition, the duty-room display, and the
pages' pinned query counts."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.exceptions import Conflict, PermissionDenied
from xinfang.duty import selectors, services
from xinfang.duty.choices import RosterStatus, ShiftStatus
from xinfang.duty.machine import shift_transition
from xinfang.duty.models import DutySlot, LogEntry, RosterMonth, Shift
from xinfang.organisation.models import Unit
from xinfang.petitions.models import Petition

from .helpers import next_month, running_shift, township, user

pytestmark = pytest.mark.usefixtures("demo")

TWO_SLOTS = [services.SlotIn("白班", "08:30", 540), services.SlotIn("夜班", "17:30", 900)]


def generate(month: date | None = None, *, publish: bool = False) -> RosterMonth:
    roster = services.roster_generate(
        actor=user("clerk"),
        unit_id=township().pk,
        month=month or next_month(),
        leaders=[user("leader").pk, user("principal").pk],
        staff=[user("duty").pk, user("clerk").pk, user("handler").pk],
    )
    if publish:
        roster = services.roster_publish(actor=user("clerk"), roster=roster)
    return roster


def act(shift: Shift, action: str, username: str, **fields) -> None:  # type: ignore[no-untyped-def]
    shift_transition(shift=shift, action=action, actor=user(username), **fields)


def page(client, username: str, url: str):  # type: ignore[no-untyped-def]
    client.force_login(user(username))
    return client.get(url)


# --- 值班 (the office's page) ----------------------------------------------------------------------


def test_the_office_sees_its_forms_and_a_handler_only_the_duty(client):
    # given / when
    office = page(client, "clerk", "/duty/").content.decode()
    client.logout()
    handler = page(client, "handler", "/duty/").content.decode()
    # then
    for text in ("今日值班", "值班表", "班次设置", "生成值班表", "值班覆盖检查", "敏感时期"):
        assert text in office
    assert 'data-testid="generate-form"' in office
    assert 'data-testid="slots-form"' in office
    assert 'data-testid="generate-form"' not in handler
    assert "今日值班" in handler


def test_the_duty_pages_refuse_a_role_without_duty(client):
    client.force_login(user("sysadmin"))
    assert client.get("/duty/").status_code == 403
    assert client.get("/duty/display/").status_code == 403


def test_the_office_sets_two_shifts_a_day_and_generates_a_draft_month(client):
    # given
    client.force_login(user("clerk"))
    unit = township()
    # when: 白班 08:30–17:30 and 夜班 17:30–08:30 (the next day)
    response = client.post(
        "/duty/slots/",
        {
            "unit": unit.pk,
            "label_0": "白班",
            "starts_0": "08:30",
            "ends_0": "17:30",
            "label_1": "夜班",
            "starts_1": "17:30",
            "ends_1": "08:30",
        },
    )
    # then
    assert response.status_code == 302
    assert [(s.label, s.minutes) for s in DutySlot.objects.filter(unit=unit)] == [
        ("白班", 540),
        ("夜班", 900),
    ]
    # when: the month, leaders in the order named, staff too
    people = selectors.unit_people(unit)
    form = {"unit": unit.pk, "month": next_month().isoformat(), "staff_per_shift": 1}
    form |= {f"leader_{user('principal').pk}": 1, f"leader_{user('leader').pk}": 2}
    form |= {f"staff_{user('duty').pk}": 1, f"staff_{user('handler').pk}": 2}
    assert {p.user.username for p in people if p.is_leader} == {"leader", "principal"}
    response = client.post("/duty/rosters/generate/", form)
    # then: a draft of two shifts a day, the principal leading the first
    roster = RosterMonth.objects.get(unit=unit, month=next_month())
    assert response.status_code == 302
    assert response["Location"] == f"/duty/rosters/{roster.pk}/"
    shifts = selectors.roster_shifts(roster)
    days = (selectors.next_month(next_month()) - next_month()).days
    assert len(shifts) == 2 * days
    assert [m.user.username for m in shifts[0].members.all()] == ["principal", "duty"]
    body = client.get(response["Location"]).content.decode()
    assert "草稿，发布后生效" in body
    assert body.count('data-testid="roster-row"') == 2 * days
    assert "次日08:30" in body


def test_slots_that_do_not_make_a_day_are_refused_with_the_input_kept(client):
    # given
    client.force_login(user("clerk"))
    # when: 白班 only, nine hours
    response = client.post(
        "/duty/slots/",
        {"unit": township().pk, "label_0": "白班", "starts_0": "08:30", "ends_0": "17:30"},
    )
    # then
    body = response.content.decode()
    assert response.status_code == 422
    assert "各班次合计须为 24 小时" in body
    assert 'value="白班"' in body
    assert not DutySlot.objects.exists()


def test_a_generation_without_a_leader_is_refused_with_the_input_kept(client):
    # given
    client.force_login(user("clerk"))
    # when: nobody to lead the shifts
    form = {"unit": township().pk, "month": next_month().isoformat(), "staff_per_shift": 1}
    form |= {f"staff_{user('duty').pk}": 3}
    response = client.post("/duty/rosters/generate/", form)
    # then
    body = response.content.decode()
    assert response.status_code == 422
    assert "请选择带班领导。" in body
    assert re.search(
        rf'name="staff_{user("duty").pk}"[^>]*value="3"|value="3"[^>]*name="staff_{user("duty").pk}"', body
    )
    assert not RosterMonth.objects.exists()


def test_the_coverage_check_lists_the_hours_before_the_first_shift(client):
    # given: next month published, this month not drawn up
    roster = generate(publish=True)
    first = roster.month
    last = selectors.next_month(first) - timedelta(days=1)
    # when
    body = page(
        client,
        "clerk",
        f"/duty/?cover_unit={township().pk}&cover_from={first}&cover_to={last}&cover_below=on",
    ).content.decode()
    # then: the township's one gap, 00:00–08:30 of the 1st, leader and staff missing; the units
    # below it (no roster) the whole month
    rows = [
        [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][:4]
        for row in re.findall(r'data-testid="gap-row">(.*?)</tr>', body, re.S)
    ]
    below = Unit.objects.filter(path__startswith=township().path).exclude(pk=township().pk)
    assert len(rows) == 1 + below.count()
    assert rows[0] == [
        "城关镇",
        f"{first:%Y-%m-%d} 00:00",
        f"{first:%Y-%m-%d} 08:30",
        "带班领导、值班员（需 1 人）",
    ]
    end = f"{selectors.next_month(first):%Y-%m-%d} 00:00"
    assert {(row[1], row[2]) for row in rows[1:]} == {(f"{first:%Y-%m-%d} 00:00", end)}


def test_the_coverage_check_refuses_a_period_over_three_months(client):
    start = timezone.localdate()
    response = page(
        client,
        "clerk",
        f"/duty/?cover_unit={township().pk}&cover_from={start}&cover_to={start + timedelta(days=100)}",
    )
    assert response.status_code == 200
    assert "检查时段须在 1 至 93 天之间" in response.content.decode()


# --- 值班表 ---------------------------------------------------------------------------------------


def test_the_roster_prints_leave_struck_through_with_the_substitute(client):
    # given: duty on leave from the first shift, the supervisor in their place
    roster = generate(publish=True)
    first = selectors.roster_shifts(roster)[0]
    act(first, "request_leave", "duty", reason="家中有事")
    act(first, "approve_leave", "leader", user=user("duty").pk, substitute=user("supervisor").pk)
    # when
    body = page(client, "leader", f"/duty/rosters/{roster.pk}/").content.decode()
    # then
    assert f"城关镇{roster.month:%Y年%-m月}值班表" in body
    assert '<span class="duty-leave" data-testid="on-leave">吴值班</span>' in body
    assert '<span data-testid="substitute">钱督办（替班）</span>' in body
    assert "草稿，发布后生效" not in body
    assert 'data-testid="roster-gaps"' in body  # 00:00–08:30 of the 1st: this month is not drawn up
    assert 'data-testid="publish"' not in body


def test_the_office_publishes_a_draft(client):
    # given
    roster = generate()
    client.force_login(user("clerk"))
    assert 'data-testid="publish"' in client.get(f"/duty/rosters/{roster.pk}/").content.decode()
    # when
    response = client.post(f"/duty/rosters/{roster.pk}/publish/")
    # then
    roster.refresh_from_db()
    assert response.status_code == 302
    assert roster.status == RosterStatus.PUBLISHED
    assert Shift.objects.filter(roster=roster, published=False).count() == 0


def test_a_handler_cannot_publish_and_a_village_cannot_see_the_township_roster(client):
    roster = generate()
    client.force_login(user("handler"))
    assert client.post(f"/duty/rosters/{roster.pk}/publish/").status_code == 403
    client.force_login(user("village-handler"))
    assert client.get(f"/duty/rosters/{roster.pk}/").status_code == 404
    assert client.get(f"/duty/shifts/{roster.shifts.first().pk}/").status_code == 404


def test_a_shift_added_by_hand_closes_the_gap(client):
    # given: the gap before the first day shift
    roster = generate(publish=True)
    first = roster.month
    client.force_login(user("clerk"))
    # when
    response = client.post(
        f"/duty/rosters/{roster.pk}/shifts/",
        {
            "label": "加班",
            "starts_at": f"{first}T00:00",
            "ends_at": f"{first}T08:30",
            "leader": user("principal").pk,
            "staff": [user("handler").pk],
        },
    )
    # then
    assert response.status_code == 302
    body = client.get(f"/duty/rosters/{roster.pk}/").content.decode()
    assert 'data-testid="roster-covered"' in body


@pytest.mark.parametrize("slots", [None, TWO_SLOTS])
def test_the_roster_page_takes_the_same_queries_for_one_or_two_shifts_a_day(
    client, django_assert_num_queries, slots
):
    # given: a published month of 30 or 60 shifts, one on leave
    if slots:
        services.slots_save(actor=user("clerk"), unit=township(), slots=slots)
    roster = generate(publish=True)
    shift = selectors.roster_shifts(roster)[0]
    act(shift, "request_leave", "duty", reason="出差")
    act(shift, "approve_leave", "leader", user=user("duty").pk, substitute=user("supervisor").pk)
    client.force_login(user("clerk"))
    client.get(f"/duty/rosters/{roster.pk}/")
    # when / then: session (read, and its idle clock written: 3), user, roles, unit, roster,
    # shifts, members, coverage (shifts, periods), the unit's people for 新增班次, the inbox count
    with django_assert_num_queries(ROSTER_QUERIES):
        assert client.get(f"/duty/rosters/{roster.pk}/").status_code == 200


ROSTER_QUERIES = 14


# --- a shift ------------------------------------------------------------------------------------


def test_a_member_signs_in_and_logs_a_call_through_the_page(client):
    # given
    shift = running_shift()
    client.force_login(user("duty"))
    body = client.get(f"/duty/shifts/{shift.pk}/").content.decode()
    assert 'data-testid="open-check_in"' in body
    # when
    assert client.post(f"/duty/shifts/{shift.pk}/actions/check_in/").status_code == 302
    response = client.post(
        f"/duty/shifts/{shift.pk}/actions/log_entry/",
        {
            "kind": "call",
            "name": "孙来电",
            "phone": "13900001111",
            "matter": "反映路灯不亮",
            "urgent": "true",
        },
    )
    # then
    shift.refresh_from_db()
    entry = LogEntry.objects.get(shift=shift)
    assert response.status_code == 302
    assert shift.status == ShiftStatus.ON_DUTY
    assert (entry.name, entry.urgent) == ("孙来电", True)
    body = client.get(f"/duty/shifts/{shift.pk}/").content.decode()
    assert 'data-testid="urgent-badge"' in body
    assert "待带班领导确认" in body
    assert "到岗签到" in body
    assert "吴值班 到岗签到" in body


def test_a_refused_step_shows_the_page_again_with_the_input_and_the_chinese_error(client):
    # given
    shift = running_shift()
    act(shift, "check_in", "duty")
    client.force_login(user("duty"))
    # when: a call without the caller's name, and a phone with letters
    response = client.post(
        f"/duty/shifts/{shift.pk}/actions/log_entry/",
        {"kind": "call", "name": "", "phone": "abc", "matter": "咨询低保政策"},
    )
    # then
    body = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="error-log_entry-name"' in body
    assert "请填写来电来访人。" in body
    assert "咨询低保政策</textarea>" in body
    assert 'id="action-log_entry"\n        class="collapse show' in body
    assert not LogEntry.objects.exists()


def test_a_close_with_an_open_item_is_refused_and_shown_greyed_out(client):
    # given: handed over with one item, not yet accepted
    shift = running_shift()
    act(shift, "check_in", "duty")
    act(shift, "log_entry", "duty", kind="call", name="甲", matter="甲反映的事项")
    act(shift, "hand_over", "duty")
    client.force_login(user("duty"))
    # when
    body = client.get(f"/duty/shifts/{shift.pk}/").content.decode()
    response = client.post(f"/duty/shifts/{shift.pk}/actions/close/")
    # then
    assert 'data-testid="blocked-close"' in body
    assert "暂不能交班完成：尚有 1 项交接事项未被接班人接收" in body
    assert response.status_code == 409
    assert "尚有 1 项交接事项未被接班人接收" in response.content.decode()
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.HANDED_OVER


def test_the_incoming_accepts_and_returns_items_on_the_outgoing_shift(client):
    # given
    shift = running_shift()
    act(shift, "check_in", "duty")
    for name in ("甲", "乙"):
        act(shift, "log_entry", "duty", kind="call", name=name, matter=f"{name}反映的事项")
    act(shift, "hand_over", "duty")
    first, second = shift.handover.items.order_by("pk")
    client.force_login(user("handler"))
    body = client.get(f"/duty/shifts/{shift.pk}/").content.decode()
    assert f'data-testid="accept-{first.pk}"' in body
    # when: one accepted, one returned without a reason, then with one
    client.post(f"/duty/shifts/{shift.pk}/actions/accept_item/", {"item": first.pk})
    refused = client.post(f"/duty/shifts/{shift.pk}/actions/return_item/", {"item": second.pk, "reason": ""})
    client.post(f"/duty/shifts/{shift.pk}/actions/return_item/", {"item": second.pk, "reason": "请写明诉求"})
    # then
    assert refused.status_code == 422
    assert f'data-testid="error-return_item-{second.pk}-reason"' in refused.content.decode()
    statuses = dict(shift.handover.items.values_list("pk", "status"))
    assert statuses == {first.pk: "accepted", second.pk: "returned"}
    body = client.get(f"/duty/shifts/{shift.handover.to_shift_id}/").content.decode()
    assert 'data-testid="received-handover"' in body


def test_a_call_becomes_a_petition_from_the_duty_log(client):
    # given
    shift = running_shift()
    act(shift, "check_in", "duty")
    act(shift, "log_entry", "duty", kind="call", name="孙来电", phone="13900001111", matter="反映路灯坏了")
    entry = LogEntry.objects.get(shift=shift)
    client.force_login(user("duty"))
    body = client.get(f"/duty/shifts/{shift.pk}/").content.decode()
    assert f'data-testid="open-register-{entry.pk}"' in body
    # when: no category first, then one
    refused = client.post(f"/duty/log/{entry.pk}/register/", {"category": ""})
    response = client.post(f"/duty/log/{entry.pk}/register/", {"category": "0503"})
    # then
    petition = Petition.objects.get()
    assert refused.status_code == 422
    assert "请选择问题类别。" in refused.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{petition.pk}/"
    assert (petition.channel, petition.registered_by.username) == ("call", "duty")
    entry.refresh_from_db()
    assert entry.petition_number == petition.number


def test_a_leader_acknowledges_an_urgent_entry_from_its_row(client):
    # given
    shift = running_shift()
    act(shift, "check_in", "duty")
    act(shift, "log_entry", "duty", kind="visit", name="周来访", matter="十余人聚集", urgent=True)
    entry = LogEntry.objects.get()
    client.force_login(user("leader"))
    body = client.get(f"/duty/shifts/{shift.pk}/").content.decode()
    assert f'data-testid="acknowledge-{entry.pk}"' in body
    # when
    response = client.post(f"/duty/shifts/{shift.pk}/actions/acknowledge/", {"entry": entry.pk})
    # then
    entry.refresh_from_db()
    assert response.status_code == 302
    assert entry.acknowledged_by == user("leader")


def test_an_unknown_step_is_not_found(client):
    shift = running_shift()
    client.force_login(user("duty"))
    assert client.post(f"/duty/shifts/{shift.pk}/actions/register_entry/").status_code == 404
    assert client.post(f"/duty/shifts/{shift.pk}/actions/nonsense/").status_code == 404


@pytest.mark.parametrize("extra", [0, 5])
def test_the_shift_page_takes_the_same_queries_whatever_its_log(client, django_assert_num_queries, extra):
    # given: a handed-over shift with 1 or 6 entries, one urgent
    shift = running_shift()
    act(shift, "check_in", "duty")
    act(shift, "log_entry", "duty", kind="visit", name="周来访", matter="十余人聚集", urgent=True)
    for i in range(extra):
        act(shift, "log_entry", "duty", kind="call", name=f"来电{i}", matter="咨询")
    act(shift, "hand_over", "duty", note="注意回访")
    client.force_login(user("leader"))
    client.get(f"/duty/shifts/{shift.pk}/")
    # when / then: session (3 with its idle clock written), user, roles, unit, shift, people, log,
    # handover, items, handovers received, history, the incoming-party check of 接收 and 退回 (2),
    # the shifts before and after (2), the inbox count
    with django_assert_num_queries(SHIFT_QUERIES):
        assert client.get(f"/duty/shifts/{shift.pk}/").status_code == 200


SHIFT_QUERIES = 19


# --- 今日值班 and the duty room -----------------------------------------------------------------------


def test_the_home_page_shows_who_is_on_duty_now_with_their_phones(client):
    # given
    shift = running_shift()
    User.objects.filter(username="duty").update(phone="0551-12345678")
    act(shift, "check_in", "duty")
    # when
    body = page(client, "handler", "/").content.decode()
    # then
    card = body.split('data-testid="home-on-duty"')[1].split("</section>")[0]
    assert "城关镇" in card
    assert "青山县" in card
    assert "张分管" in card
    assert "吴值班" in card
    assert "0551-12345678" in card
    assert "已签到" in card


def test_the_office_home_warns_of_a_published_month_with_a_gap(client):
    # given: next month published, this month not: 00:00–08:30 of the 1st uncovered
    roster = generate(publish=True)
    # when
    office = page(client, "clerk", "/").content.decode()
    client.logout()
    handler = page(client, "handler", "/").content.decode()
    # then
    assert 'data-testid="duty-gap-warning"' in office
    assert f"/duty/rosters/{roster.pk}/" in office
    assert 'data-testid="duty-gap-warning"' not in handler


def test_the_duty_room_display_refreshes_itself_and_pages_in_the_database(client, django_assert_num_queries):
    # given
    running_shift()
    client.force_login(user("leader"))
    body = client.get("/duty/display/").content.decode()
    # then: large cards for the township and the units below, the fragment polling every minute
    assert 'hx-trigger="every 60s"' in body
    assert (
        body.count('data-testid="board-unit"')
        == Unit.objects.filter(path__startswith=township().path).count()
    )
    assert "<script>" not in body
    assert "张分管" in body
    fragment = client.get("/duty/display/board/")
    assert fragment.status_code == 200
    assert fragment.content.decode().lstrip().startswith('<div id="duty-board"')
    with django_assert_num_queries(DISPLAY_QUERIES):
        client.get("/duty/display/board/")


DISPLAY_QUERIES = (
    11  # session (3 with its idle clock), user, roles, unit, units counted and paged, shifts, people
)


def test_nothing_is_logged_after_the_handover_and_a_handed_entry_is_the_next_shifts():
    # given: a call logged on duty and handed over; the next shift accepted it
    shift = running_shift()
    act(shift, "check_in", "duty")
    act(shift, "log_entry", "duty", kind="call", name="来电人", matter="反映的事项")
    act(shift, "hand_over", "duty")
    shift = Shift.objects.get(pk=shift.pk)
    # then: nothing more is logged on the handed-over shift (it would stay unfinished on it)
    with pytest.raises(Conflict, match="待接班"):
        act(shift, "log_entry", "duty", kind="call", name="迟来电", matter="交班后来电")
    item = shift.handover.items.get()
    act(shift, "accept_item", "handler", item=item.pk)
    entry = LogEntry.objects.get()
    # the outgoing officer no longer registers it: the next shift answers for it; no petition left
    with pytest.raises(PermissionDenied):
        services.entry_register(actor=user("duty"), entry=entry, category="0503")
    assert not Petition.objects.exists()
