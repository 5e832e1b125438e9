"""Screening rounds (矛盾纠纷排查): the schedule (defaults, an administrator's override), the
quarterly 三个排查, key screening switched on by a sensitive period, special screening opened by
an office, a zero round, a round that finds a dispute (registered through the disputes' machine)
and the next round that carries it with its status, a round filed twice (409), the completeness
grid against a recount and its pinned queries, the chase at a cut-off (once, with notices), and
who sees which round (404 outside scope)."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.deadlines.periods import Cadence, Cutoff, bounds_of, period_of
from xinfang.deadlines.sensitive import period_save
from xinfang.demo.clock import simulated_now
from xinfang.notifications.models import Notification
from xinfang.organisation.models import Unit, UnitType
from xinfang.screenings import selectors
from xinfang.screenings.choices import ItemOrigin, ScreeningKind
from xinfang.screenings.clocks import chase
from xinfang.screenings.machine import round_transition
from xinfang.screenings.models import ScreeningChase, ScreeningItem, ScreeningRound, ScreeningRoundEvent
from xinfang.screenings.schedule import DEFAULTS, schedule_load, schedule_save
from xinfang.screenings.selectors import LATE, MISSING, ON_TIME, PENDING, access_round_by_id, completeness
from xinfang.screenings.services import special_open

from .helpers import (
    COUNTY,
    DONGFENG,
    FOUND,
    HEXI_VILLAGE,
    HONGXING,
    LIUHE,
    TOWNSHIP,
    a_past_monday,
    at,
    file_at,
    person,
    unit,
    user,
)

pytestmark = pytest.mark.usefixtures("demo")
K = ScreeningKind


def sensitive(name: str, starts_on: date, days: int, set_at, by: str = "clerk"):  # type: ignore[no-untyped-def]
    actor = user(by)
    with simulated_now(set_at):
        return period_save(
            actor=actor,
            unit=actor.unit,
            name=name,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=days - 1),
            level=2,
            reason="依据县委通知",
        )


# --- the schedule ----------------------------------------------------------------------------------


def test_the_default_schedule_follows_the_seeds() -> None:
    # when
    schedule = schedule_load()
    # then: villages weekly (Friday 16:00), townships half-monthly, units monthly on the 24th
    village, township, hospital = (
        schedule[UnitType.VILLAGE],
        schedule[UnitType.TOWNSHIP],
        schedule[UnitType.HOSPITAL],
    )
    assert village.regular == Cutoff(Cadence.WEEKLY, time(16), weekday=5)
    assert village.quarterly is None
    assert schedule[UnitType.COMMUNITY] == schedule[UnitType.MANAGEMENT_AREA] == village
    assert township.regular == Cutoff(Cadence.HALF_MONTHLY, time(16))
    assert schedule[UnitType.STREET] == township
    assert township.quarterly is not None
    assert township.quarterly.cadence == Cadence.QUARTERLY
    for unit_type in ("hospital", "school", "company", "department", "petition_office", "other"):
        assert schedule[unit_type].regular == Cutoff(Cadence.MONTHLY, time(16), day=24)
        assert schedule[unit_type].quarterly == township.quarterly
    assert hospital.key == village.key == time(16)
    # the county and a hospital's sections screen nothing by default
    assert schedule[UnitType.COUNTY].regular is schedule[UnitType.COUNTY].key is None
    assert set(DEFAULTS) == set(UnitType.values)


def test_a_saved_override_changes_the_schedule_and_is_audited(sysadmin) -> None:
    # when: villages screen half-monthly at 17:30, and the township's quarterly round is switched off
    schedule_save(
        actor=sysadmin,
        unit_type=UnitType.VILLAGE,
        kind=K.REGULAR,
        cadence=Cadence.HALF_MONTHLY,
        active=True,
        due_time=time(17, 30),
    )
    schedule_save(
        actor=sysadmin, unit_type=UnitType.TOWNSHIP, kind=K.QUARTERLY, active=False, due_time=time(16)
    )
    # then
    schedule = schedule_load()
    assert schedule[UnitType.VILLAGE].regular == Cutoff(Cadence.HALF_MONTHLY, time(17, 30), weekday=5, day=24)
    assert schedule[UnitType.TOWNSHIP].quarterly is None
    assert schedule[UnitType.STREET].quarterly is not None  # another type keeps its default
    entries = AuditEntry.objects.filter(
        event=AuditEvent.DEADLINE_RULE_CHANGED, target_type="screenings.screeningschedule"
    )
    assert entries.count() == 2
    assert {e.target_label for e in entries} == {"排查周期：村定期排查", "排查周期：乡镇季度三个排查"}


def test_only_the_system_administrator_changes_the_schedule_and_bad_values_are_refused_in_chinese(
    sysadmin, clerk
) -> None:
    with pytest.raises(PermissionDenied):
        schedule_save(
            actor=clerk, unit_type="village", kind="regular", cadence="weekly", active=True, due_time=time(16)
        )
    with pytest.raises(ValidationFailed) as refused:
        schedule_save(
            actor=sysadmin,
            unit_type="village",
            kind="regular",
            cadence="quarterly",
            active=True,
            due_time=time(16),
        )
    assert refused.value.extra == {"cadence": "排查周期须为每周、每半月或每月。"}
    with pytest.raises(ValidationFailed) as refused:
        schedule_save(
            actor=sysadmin, unit_type="nowhere", kind="special", active=True, due_time=time(16), day=40
        )
    assert set(refused.value.extra) == {"unit_type", "kind", "day"}


# --- filing -----------------------------------------------------------------------------------------


def test_a_village_files_a_zero_round_for_its_week_on_time() -> None:
    # given: 东风村's information officer, on the Thursday of a past week
    monday = a_past_monday()
    officer = person(DONGFENG)
    # when: nothing found
    round_ = file_at(at(monday + timedelta(days=3), 10), officer, period=monday)
    # then: the week's round, on time, a zero report with the default summary
    assert (round_.kind, round_.cadence, round_.period_key) == (
        K.REGULAR,
        "weekly",
        f"weekly:{monday.isoformat()}",
    )
    assert (round_.period_start, round_.period_end) == (monday, monday + timedelta(days=6))
    assert round_.due_at == at(monday + timedelta(days=4), 16)
    assert round_.on_time is True
    assert round_.is_zero
    assert round_.summary == "本期排查未发现矛盾纠纷。"
    assert round_.status == "filed"
    assert round_.number.startswith("排查")
    event = ScreeningRoundEvent.objects.get(round=round_)
    assert (event.action, event.data["found"], event.data["carried"]) == ("file", 0, 0)
    entry = AuditEntry.objects.get(event=AuditEvent.STATE_TRANSITION, target_type="screenings.screeninground")
    assert entry.extra_data["action"] == "file"
    assert "screened_by" not in entry.extra_data  # the names of the screeners are not audited


def test_a_round_filed_after_its_cut_off_is_late_and_a_second_round_for_the_period_is_refused() -> None:
    monday = a_past_monday()
    officer = person(DONGFENG)
    first = file_at(at(monday + timedelta(days=5), 9), officer, period=monday + timedelta(days=2))
    assert first.on_time is False  # after Friday 16:00
    # when: the same week again (another day of it), by another person of the unit
    with pytest.raises(Conflict) as refused:
        file_at(at(monday + timedelta(days=6), 9), user("village-handler"), period=monday)
    # then: 409 in Chinese, naming the round filed
    assert "已报送" in refused.value.message
    assert first.number in refused.value.message
    assert ScreeningRound.objects.count() == 1


def test_a_round_of_a_period_not_begun_or_of_a_kind_the_unit_does_not_owe_is_refused() -> None:
    officer = person(DONGFENG)
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as refused:
        file_at(timezone.now(), officer, period=today + timedelta(days=14))
    assert refused.value.extra == {"period": "所属期间尚未开始，不能提前报送。"}
    with pytest.raises(ValidationFailed) as refused:  # villages hold no quarterly 三个排查
        file_at(timezone.now(), officer, kind="quarterly")
    assert refused.value.extra == {"kind": "本单位类型没有季度三个排查，请选择其他排查类别。"}
    with pytest.raises(ValidationFailed) as refused:  # the 三个排查's sections belong to it only
        file_at(timezone.now(), officer, disorder="村口网吧聚集闲散人员")
    assert refused.value.extra == {"disorder": "只有季度三个排查填写治安乱点和安全隐患。"}
    with pytest.raises(ValidationFailed) as refused:
        file_at(timezone.now(), officer, screened_at=timezone.now() + timedelta(days=1))
    assert refused.value.extra == {"screened_at": "排查时间不能晚于现在。"}


def test_a_unit_files_only_its_own_rounds() -> None:
    with pytest.raises(PermissionDenied):
        file_at(timezone.now(), user("clerk"), unit=unit(DONGFENG).pk)  # the township's office
    with pytest.raises(NotFound):
        file_at(timezone.now(), person(DONGFENG), unit=unit(HONGXING).pk)  # outside the scope


def test_the_township_files_its_quarterly_three_screenings_with_their_three_sections() -> None:
    # given: the township's mediator, in the quarter before this one
    today = timezone.localdate()
    start, _ = bounds_of(Cadence.QUARTERLY, today)
    last_quarter = start - timedelta(days=1)
    mediator = user("mediator")
    # when
    round_ = file_at(
        at(last_quarter, 10),
        mediator,
        kind="quarterly",
        period=last_quarter,
        summary="排查矛盾纠纷 3 起，均已化解。",
        disorder="集镇夜市周边治安秩序较乱。",
    )
    # then: the calendar quarter, due on the 25th of its last month; hazards "未发现"
    quarter_start, quarter_end = bounds_of(Cadence.QUARTERLY, last_quarter)
    assert (round_.period_start, round_.period_end) == (quarter_start, quarter_end)
    assert round_.period_key == f"quarterly:{quarter_start.isoformat()}"
    assert round_.due_at == at(quarter_end.replace(day=25), 16)
    assert round_.period_label.endswith("季度")
    assert (round_.disorder, round_.hazards) == ("集镇夜市周边治安秩序较乱。", "未发现。")
    # the half-monthly regular round of the same days is another round
    regular = file_at(at(last_quarter, 11), mediator, period=last_quarter)
    assert regular.cadence == "half_monthly"


# --- key screening ------------------------------------------------------------------------------------


def test_a_sensitive_period_switches_on_one_key_round_per_unit_due_on_its_first_day() -> None:
    # given: 城关镇 sets a period of a week from a Wednesday, on the Monday before
    monday = a_past_monday()
    wednesday = monday + timedelta(days=2)
    period = sensitive("国庆节", wednesday, 7, at(monday, 9))
    # when: the grid of the township for that week
    grid = completeness(
        actor=user("clerk"), unit=unit(TOWNSHIP), first=monday, last=monday + timedelta(days=6)
    )
    # then: each unit of the township owes one key round, due Wednesday 16:00
    keys = {row.name: [c for c in row.cells if c.expected.kind == K.KEY] for row in grid.rows}
    assert all(len(cells) == 1 for cells in keys.values()), keys
    cell = keys["东风村"][0]
    assert cell.expected.key == f"key:{period.pk}"
    assert cell.expected.due_at == at(wednesday, 16)
    assert cell.state == MISSING
    # a unit of another township owes none
    other = completeness(
        actor=user("county-leader"), unit=unit(HEXI_VILLAGE), first=monday, last=monday + timedelta(days=6)
    )
    assert not [c for c in other.rows[0].cells if c.expected.kind == K.KEY]
    # when: 东风村 files it (the day inside the period names it)
    round_ = file_at(at(wednesday, 15), person(DONGFENG), kind="key", period=wednesday + timedelta(days=1))
    # then
    assert (round_.kind, round_.sensitive_period_id, round_.on_time) == (K.KEY, period.pk, True)
    assert (round_.period_start, round_.period_end) == (wednesday, wednesday + timedelta(days=6))
    assert "国庆节" in round_.period_label


def test_a_sensitive_period_set_on_its_first_day_asks_for_the_key_round_by_the_next_day() -> None:
    monday = a_past_monday()
    period = sensitive("本地重大活动", monday, 3, at(monday, 10))
    grid = completeness(
        actor=user("clerk"), unit=unit(TOWNSHIP), first=monday, last=monday + timedelta(days=6)
    )
    cells = [c for r in grid.rows for c in r.cells if c.expected.key == f"key:{period.pk}"]
    assert {c.expected.due_at for c in cells} == {at(monday + timedelta(days=1), 16)}


def test_a_sensitive_period_entered_after_it_ended_asks_no_key_round_and_is_never_chased() -> None:
    monday = a_past_monday()
    period = sensitive("补录的敏感时期", monday - timedelta(days=14), 3, at(monday, 10))
    grid = completeness(
        actor=user("clerk"), unit=unit(TOWNSHIP), first=monday - timedelta(days=14), last=monday
    )
    assert not [c for r in grid.rows for c in r.cells if c.expected.key == f"key:{period.pk}"]
    chase(now=at(monday + timedelta(days=1), 16, 1))
    assert not ScreeningChase.objects.filter(period_key=f"key:{period.pk}").exists()


def test_a_key_round_outside_any_sensitive_period_or_of_an_ambiguous_day_is_refused() -> None:
    monday = a_past_monday()
    officer = person(DONGFENG)
    with pytest.raises(ValidationFailed) as refused:
        file_at(at(monday, 12), officer, kind="key", period=monday)
    assert list(refused.value.extra) == ["period"]
    first = sensitive("两会", monday, 5, at(monday - timedelta(days=3), 9))
    second = sensitive(
        "本地活动", monday + timedelta(days=1), 2, at(monday - timedelta(days=3), 9), by="county-leader"
    )
    with pytest.raises(ValidationFailed) as refused:
        file_at(at(monday + timedelta(days=2), 12), officer, kind="key", period=monday + timedelta(days=1))
    assert refused.value.extra == {"sensitive": "该日有多个敏感时期，请指定敏感时期。"}
    # named, each is its own round
    a = file_at(at(monday + timedelta(days=2), 12), officer, kind="key", sensitive=first.pk)
    b = file_at(at(monday + timedelta(days=2), 13), officer, kind="key", sensitive=second.pk)
    assert {a.period_key, b.period_key} == {f"key:{first.pk}", f"key:{second.pk}"}
    # a period another township set does not apply
    hexi = sensitive("河西乡活动", monday, 2, at(monday - timedelta(days=3), 9), by="county-leader")
    hexi.unit = unit("341122102")
    hexi.save()
    with pytest.raises(ValidationFailed) as refused:
        file_at(at(monday + timedelta(days=2), 14), officer, kind="key", sensitive=hexi.pk)
    assert refused.value.extra == {"sensitive": "该敏感时期不适用于本单位。"}


# --- special screening -------------------------------------------------------------------------------


def test_the_office_opens_a_special_screening_for_chosen_units_who_are_told_and_file_it(clerk) -> None:
    today = timezone.localdate()
    officer = person(DONGFENG)
    # when: 城关镇 opens a 征地拆迁 screening of 东风村 and 红星村, due in a week
    special = special_open(
        actor=clerk,
        field="land",
        title="高铁站征地拆迁矛盾专项排查",
        requirements="逐户排查补偿安置问题。",
        starts_on=today,
        ends_on=today + timedelta(days=7),
        all_below=False,
        units=[unit(DONGFENG).pk, unit(HONGXING).pk],
    )
    # then: two units asked, due 16:00 on the last day; their people told once
    assert special.target_count == 2
    assert special.due_at == at(today + timedelta(days=7), 16)
    told = set(
        Notification.objects.filter(dedupe_key=f"screenings:special:{special.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert officer.username in told
    assert "village2-handler" in told  # 红星村 has no screener or head: its cadres are told
    assert (
        AuditEntry.objects.filter(
            event=AuditEvent.RECORD_CREATED, target_type="screenings.specialscreening"
        ).count()
        == 1
    )
    # when: 东风村 files its round
    round_ = file_at(timezone.now(), officer, kind="special", special=special.pk)
    assert (round_.kind, round_.special_id, round_.period_key) == (
        K.SPECIAL,
        special.pk,
        f"special:{special.pk}",
    )
    # 柳河村 was not chosen
    with pytest.raises(ValidationFailed) as refused:
        file_at(timezone.now(), person(LIUHE), kind="special", special=special.pk)
    assert refused.value.extra == {"special": "本单位不在该专项排查的范围内。"}


def test_a_special_screening_of_all_units_below_and_what_opening_refuses(clerk, village_handler) -> None:
    today = timezone.localdate()
    special = special_open(
        actor=clerk, field="election", title="村级换届专项排查", starts_on=today, ends_on=today
    )
    township = unit(TOWNSHIP)
    below = Unit.objects.filter(path__startswith=township.path, is_active=True).exclude(pk=township.pk)
    assert special.target_count == below.count() == 6
    with pytest.raises(PermissionDenied):  # a village cadre is no office
        special_open(actor=village_handler, field="land", title="x", starts_on=today, ends_on=today)
    with pytest.raises(ValidationFailed) as refused:
        special_open(
            actor=clerk,
            field="mining",
            title="",
            starts_on=today,
            ends_on=today - timedelta(days=1),
            all_below=False,
            units=[unit(HEXI_VILLAGE).pk],
        )
    assert refused.value.extra == {
        "field": "请选择排查领域。",
        "title": "请填写名称。",
        "ends_on": "截止日期不能早于开始日期。",
        "units": "只能选择本单位的下级单位。",
    }


# --- disputes found and carried --------------------------------------------------------------------------


def test_a_dispute_found_is_registered_and_the_next_round_carries_it_with_its_status() -> None:
    from xinfang.disputes.models import Dispute

    monday = a_past_monday(weeks=4)
    officer = person(DONGFENG)
    # when: 东风村 finds one dispute in its week
    first = file_at(at(monday + timedelta(days=3), 10), officer, period=monday, found=[FOUND])
    # then: the dispute is registered at 东风村 with the round as its source, and listed as found
    dispute = Dispute.objects.get(source="screening", source_id=first.pk)
    assert (dispute.unit_id, dispute.status) == (officer.unit_id, "registered")
    assert (first.found_count, first.carried_count, first.is_zero) == (1, 0, False)
    item = ScreeningItem.objects.get(round=first)
    assert (item.dispute_id, item.origin, item.status, item.status_label) == (
        dispute.pk,
        ItemOrigin.FOUND,
        "registered",
        "待调解",
    )
    assert ScreeningRoundEvent.objects.get(round=first).data["disputes"] == dispute.number
    # when: the next week's round, with nothing new
    second = file_at(at(monday + timedelta(days=10), 10), officer, period=monday + timedelta(days=7))
    # then: the unresolved dispute is carried with its status
    carried = ScreeningItem.objects.get(round=second)
    assert (carried.dispute_id, carried.origin, carried.status) == (
        dispute.pk,
        ItemOrigin.CARRIED,
        "registered",
    )
    assert (second.found_count, second.carried_count, second.is_zero) == (0, 1, True)
    # once resolved it is carried no more
    Dispute.objects.filter(pk=dispute.pk).update(status="closed")
    third = file_at(at(monday + timedelta(days=17), 10), officer, period=monday + timedelta(days=14))
    assert third.carried_count == 0
    assert not ScreeningItem.objects.filter(round=third).exists()


def test_a_found_dispute_the_disputes_machine_refuses_undoes_the_round_and_names_its_row() -> None:
    from xinfang.disputes.models import Dispute

    officer = person(DONGFENG)
    bad = {**FOUND, "facts": "", "kind": "no-such-kind"}
    with pytest.raises(ValidationFailed) as refused:
        file_at(timezone.now(), officer, found=[FOUND, bad])
    assert refused.value.message.startswith("第 2 起矛盾纠纷：")
    assert set(refused.value.extra) <= {"found[1].facts", "found[1].kind"}
    assert refused.value.extra
    assert not ScreeningRound.objects.exists()
    assert not Dispute.objects.exists()  # the first row's dispute is undone with the round


# --- amending -------------------------------------------------------------------------------------------


def test_the_filer_unit_amends_its_round_and_nobody_else_may() -> None:
    officer = person(DONGFENG)
    round_ = file_at(timezone.now(), officer)
    amended = round_transition(
        round_=round_,
        action="amend",
        actor=user("village-handler"),
        note="补记排查人员",
        screened_by="王某、李某、赵某",
    )
    assert amended.screened_by == "王某、李某、赵某"
    assert amended.status == "filed"
    event = ScreeningRoundEvent.objects.filter(round=round_, action="amend").get()
    assert event.data["fields"] == "排查人员"
    with pytest.raises(PermissionDenied):  # the township sees it but did not file it
        round_transition(round_=round_, action="amend", actor=user("clerk"), note="改", summary="x")
    with pytest.raises(ValidationFailed) as refused:
        round_transition(round_=round_, action="amend", actor=officer, note="无")
    assert refused.value.extra == {"summary": "请填写要修改的内容。"}


# --- scope --------------------------------------------------------------------------------------------


def test_a_unit_sees_its_own_rounds_and_those_below_it_and_nothing_else() -> None:
    mine = file_at(timezone.now(), person(DONGFENG))
    other = file_at(timezone.now(), person(HONGXING))
    assert set(selectors.rounds_visible_to(user("clerk"))) == {mine, other}
    assert set(selectors.rounds_visible_to(person(DONGFENG))) == {mine}
    assert access_round_by_id(user("county-leader"), other.pk) == other
    with pytest.raises(NotFound):
        access_round_by_id(person(DONGFENG), other.pk)
    with pytest.raises(NotFound):
        access_round_by_id(person(HEXI_VILLAGE), mine.pk)
    denied = AuditEntry.objects.filter(
        event=AuditEvent.ACCESS_DENIED, target_type="screenings.screeninground"
    )
    assert denied.count() == 2


# --- completeness ---------------------------------------------------------------------------------------


def _recount(code: str, first: date, last: date, now) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The same figures for one unit, counted day by day from the defaults (no sensitive period,
    no special screening in these tests)."""
    own = DEFAULTS[unit(code).unit_type]
    expected: dict[str, object] = {}
    day = first
    while day <= last:
        for cutoff in (own.regular, own.quarterly):
            if cutoff is not None:
                period = period_of(cutoff, day)
                expected[f"{cutoff.cadence.value}:{period.start.isoformat()}"] = period.due_at
        day += timedelta(days=1)
    filed = {r.period_key: r.filed_at for r in ScreeningRound.objects.filter(unit__code=code)}
    due = {k: d for k, d in expected.items() if k in filed or d <= now}  # type: ignore[operator]
    return {
        "expected": len(due),
        "filed": sum(1 for k in due if k in filed),
        "on_time": sum(1 for k in due if k in filed and filed[k] <= due[k]),  # type: ignore[operator]
        "missing": sum(1 for k in due if k not in filed),
    }


def test_the_grid_equals_a_recount_on_the_township_and_takes_five_queries_whatever_the_tree(
    django_assert_num_queries,
) -> None:
    # given: four weeks; 东风村 files every week (one late), 红星村 two weeks, the township one half
    monday = a_past_monday(weeks=4)
    first, last = monday, monday + timedelta(days=27)
    for week in range(4):
        day = monday + timedelta(weeks=week)
        late = week == 2
        file_at(at(day + timedelta(days=5 if late else 4), 9), person(DONGFENG), period=day)
        if week % 2 == 0:
            file_at(at(day + timedelta(days=3), 9), person(HONGXING), period=day)
    file_at(at(monday + timedelta(days=2), 9), user("mediator"), period=monday)
    clerk, township, county, county_leader = (
        user("clerk"),
        unit(TOWNSHIP),
        unit(COUNTY),
        user("county-leader"),
    )
    assert clerk.role_codes  # read once per request, before any page
    assert county_leader.role_codes
    now = timezone.now()
    # when
    with django_assert_num_queries(5):
        grid = completeness(actor=clerk, unit=township, first=first, last=last, now=now)
    # then: each unit's figures equal the recount
    by_name = {row.name: row for row in grid.rows}
    for code in (TOWNSHIP, DONGFENG, HONGXING, LIUHE, "341122101X", "341122101P"):
        row = by_name[unit(code).name]
        counted = {
            "expected": row.expected,
            "filed": row.filed,
            "on_time": row.on_time,
            "missing": row.missing,
        }
        assert counted == _recount(code, first, last, now), code
    dongfeng = by_name["东风村"]
    assert (dongfeng.expected, dongfeng.filed, dongfeng.late, dongfeng.missing) == (4, 4, 1, 0)
    assert by_name["红星村"].missing == 2
    assert {c.state for c in dongfeng.cells} <= {ON_TIME, LATE, MISSING, PENDING}
    # the county's grid (every unit of the demo tree) reads the same number of queries
    with django_assert_num_queries(5):
        county_grid = completeness(actor=county_leader, unit=county, first=first, last=last)
    assert len(county_grid.rows) > len(grid.rows)
    # a village's information officer sees only its own row
    mine = completeness(actor=person(DONGFENG), unit=unit(DONGFENG), first=first, last=last)
    assert [r.name for r in mine.rows] == ["东风村"]


# --- the chase ----------------------------------------------------------------------------------------------


def test_the_chase_at_a_cut_off_writes_one_row_per_missing_round_and_tells_the_unit_once() -> None:
    # given: a past Friday's cut-off; 东风村 filed its week, 红星村 and 柳河村 did not
    monday = a_past_monday()
    friday_16 = at(monday + timedelta(days=4), 16)
    file_at(friday_16 - timedelta(hours=3), person(DONGFENG), period=monday)
    officer = person(HONGXING)  # 红星村's information officer (made here)
    # when: the sweep's scan a minute after the cut-off
    chased, written = chase(now=friday_16 + timedelta(minutes=1))
    # then: the villages of the demo that missed the week are chased, 东风村 is not
    rows = ScreeningChase.objects.filter(period_key=f"weekly:{monday.isoformat()}")
    names = set(rows.values_list("unit__name", flat=True))
    assert {"红星村", "柳河村"} <= names
    assert "东风村" not in names
    assert chased == rows.count()
    assert written >= 1
    key = f"screenings:chase:{unit(HONGXING).pk}:weekly:{monday.isoformat()}"
    told = set(Notification.objects.filter(dedupe_key=key).values_list("recipient__username", flat=True))
    assert officer.username in told
    assert "village2-handler" not in told  # the unit has a screener: its cadres are not told too
    # when: the scan runs again (a restarted worker looks back the whole window)
    from django.core.cache import cache

    from xinfang.screenings.clocks import LAST_SCAN

    cache.delete(LAST_SCAN)
    assert chase(now=friday_16 + timedelta(minutes=5)) == (0, 0)
    # then: nothing new
    assert ScreeningChase.objects.filter(period_key=f"weekly:{monday.isoformat()}").count() == chased
    assert Notification.objects.filter(dedupe_key=key).count() == len(told)
    # and the grid counts the chase
    counts = selectors.chased_counts(user("clerk"), unit(TOWNSHIP), monday, monday + timedelta(days=6))
    assert counts[unit(HONGXING).pk] == 1


def test_the_chase_of_a_key_round_follows_the_sensitive_period() -> None:
    monday = a_past_monday()
    wednesday = monday + timedelta(days=2)
    period = sensitive("国庆节", wednesday, 3, at(monday, 9))
    file_at(at(wednesday, 10), person(DONGFENG), kind="key", sensitive=period.pk)
    # nothing before the cut-off
    assert ScreeningChase.objects.filter(kind="key").count() == 0
    chase(now=at(wednesday, 15, 59))
    assert ScreeningChase.objects.filter(kind="key").count() == 0
    # after it: every unit of the township that screens, but 东风村
    chase(now=at(wednesday, 16, 1))
    chased = set(
        ScreeningChase.objects.filter(period_key=f"key:{period.pk}").values_list("unit__name", flat=True)
    )
    assert "东风村" not in chased
    assert {"城关镇", "红星村", "柳河村", "城关派出所"} <= chased
    assert "河西村" not in chased
