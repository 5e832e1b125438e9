"""Information reports (信息报送): the daily report a sensitive period asks for, the chase at each
cut-off, on time and late against the cut-off, the completeness grid against a recount, who sees
which reports, skip-level reports (越级报告), forwarding upward (上报), and the grid's queries."""

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.accounts.services import user_create, user_set_roles
from xinfang.core.exceptions import Conflict, NotFound, ValidationFailed
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.deadlines.models import SensitivePeriod
from xinfang.deadlines.periods import Cadence, period_of, periods_between
from xinfang.deadlines.sensitive import level_rule_save, period_save
from xinfang.deadlines.sweep import deadlines_sweep
from xinfang.demo.clock import simulated_now
from xinfang.incidents.selectors import access_incident_by_id, incidents_visible_to
from xinfang.incidents.services import incident_register
from xinfang.inforeports import selectors
from xinfang.inforeports.choices import PERIODIC_KINDS, ReportStatus
from xinfang.inforeports.clocks import chase
from xinfang.inforeports.machine import report_transition
from xinfang.inforeports.models import InfoReport, InfoReportEvent, ReportChase
from xinfang.inforeports.schedule import DAILY_DEFAULT, DEFAULTS
from xinfang.inforeports.selectors import (
    LATE,
    MISSING,
    ON_TIME,
    PENDING,
    access_report_by_id,
    completeness,
    reports_visible_to,
)
from xinfang.inforeports.services import report_file
from xinfang.notifications.models import Notification
from xinfang.organisation.models import Unit, UnitType
from xinfang.organisation.services import unit_create

pytestmark = pytest.mark.usefixtures("demo")

TOWNSHIP, COUNTY = "341122101", "341122"
DONGFENG, HONGXING, LIUHE = "341122101201", "341122101202", "341122101203"


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def informant(code: str) -> User:
    """The information officer (信息员) of the unit `code`: the demo's, else one made here."""
    found = User.objects.filter(unit__code=code, role_assignments__role=Role.INFORMANT).first()
    if found is None:
        found = user_create(
            actor=None,
            username=f"inf-{code}",
            full_name="测试信息员",
            unit=unit(code),
            password="Demo@2026",
            must_change_password=False,
        )
        user_set_roles(actor=None, user=found, roles={Role.INFORMANT})
    return user(found.username)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def a_past_monday(weeks: int = 3) -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks)


def file_at(moment: datetime, actor: User, **fields: Any) -> InfoReport:
    with simulated_now(moment):
        return report_file(actor=actor, **fields)


def notified(key: str) -> set[str]:
    return set(Notification.objects.filter(dedupe_key=key).values_list("recipient__username", flat=True))


def sensitive_from(wednesday: date, level: int = 2, set_at: datetime | None = None) -> None:
    """城关镇's sensitive period of a week from `wednesday`, set on the Monday before (a period
    asks for no daily report of a day whose cut-off passed before it was set)."""
    with simulated_now(set_at or at(wednesday - timedelta(days=2), 9)):
        period_save(
            actor=user("clerk"),
            unit=user("clerk").unit,
            name="本地重大活动",
            starts_on=wednesday,
            ends_on=wednesday + timedelta(days=6),
            level=level,
            reason="依据县委通知",
        )


# --- the daily report of a sensitive period -----------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2])
def test_a_sensitive_period_from_a_wednesday_asks_for_daily_reports_from_that_day_only(level: int) -> None:
    # given: a period of level 1 or 2 set by 城关镇 from a Wednesday
    monday = a_past_monday()
    wednesday = monday + timedelta(days=2)
    sensitive_from(wednesday, level)
    # when: the grid of that week
    grid = completeness(
        actor=user("clerk"), unit=unit(TOWNSHIP), first=monday, last=monday + timedelta(days=6)
    )
    # then: every unit of the township owes a daily report from Wednesday to Sunday, not before
    rows = {row.name: row for row in grid.rows}
    assert set(rows) == {
        "城关镇",
        "城关镇综治信访维稳中心",
        "城关派出所",
        "城关司法所",
        "东风村",
        "红星村",
        "柳河村",
    }
    for row in grid.rows:
        daily = [c.period.start for c in row.cells if c.period.cadence == Cadence.DAILY]
        assert daily == [wednesday + timedelta(days=n) for n in range(5)], row.name
        assert all(
            c.period.due_at == at(c.period.start, 16, 30)
            for c in row.cells
            if c.period.cadence == Cadence.DAILY
        )
    # and the village's own weekly report besides, all missing (nothing was filed)
    village = rows["东风村"]
    assert [(c.period.cadence, c.period.start) for c in village.cells] == [(Cadence.WEEKLY, monday)] + [
        (Cadence.DAILY, wednesday + timedelta(days=n)) for n in range(5)
    ]
    assert (village.expected, village.received, village.missing) == (6, 0, 6)


def test_a_period_set_after_a_days_cutoff_asks_nothing_of_that_day() -> None:
    # given: the period from Wednesday is only set on Wednesday at 17:00, after the 16:30 cut-off
    monday = a_past_monday()
    wednesday = monday + timedelta(days=2)
    sensitive_from(wednesday, set_at=at(wednesday, 17))
    # then: the daily reports are owed from Thursday, and Wednesday's is not chased
    grid = completeness(
        actor=user("clerk"), unit=unit(TOWNSHIP), first=monday, last=monday + timedelta(days=6)
    )
    [village] = [row for row in grid.rows if row.name == "东风村"]
    daily = [c.period.start for c in village.cells if c.period.cadence == Cadence.DAILY]
    assert daily == [wednesday + timedelta(days=n) for n in range(1, 5)]
    assert chase(now=at(wednesday, 16, 31)) == (0, 0)
    assert chase(now=at(wednesday + timedelta(days=1), 16, 31))[0] == 7


def test_a_level_whose_rule_asks_for_no_daily_report_adds_none() -> None:
    level_rule_save(
        actor=user("sysadmin"), level=3, staff_per_shift=1, leader_all_day=False, daily_report=False
    )
    monday = a_past_monday()
    sensitive_from(monday + timedelta(days=2), level=3)
    grid = completeness(
        actor=user("clerk"), unit=unit(TOWNSHIP), first=monday, last=monday + timedelta(days=6)
    )
    assert not [c for row in grid.rows for c in row.cells if c.period.cadence == Cadence.DAILY]


# --- the chase at each cut-off ----------------------------------------------------------------------------


def test_the_chase_at_1630_tells_the_village_informant_and_head_once() -> None:
    # given: a sensitive period from a Wednesday, and no daily report from 东风村 that day
    wednesday = a_past_monday() + timedelta(days=2)
    sensitive_from(wednesday)
    dongfeng = unit(DONGFENG)
    key = f"inforeports:chase:{dongfeng.pk}:daily:{wednesday.isoformat()}"
    # when: nothing is chased before the cut-off
    assert chase(now=at(wednesday, 16, 29)) == (0, 0)
    # when: the chase runs just after 16:30
    chased, written = chase(now=at(wednesday, 16, 31))
    # then: the seven units of the township were chased, the village's officer and head told
    assert chased == 7
    assert notified(key) == {"village-informant", "village-principal"}
    assert ReportChase.objects.filter(unit=dongfeng, cadence="daily", period_start=wednesday).count() == 1
    rows = Notification.objects.filter(dedupe_key=key)
    assert {n.title for n in rows} == {f"催报：东风村{wednesday:%m月%d日}日报未报送"}
    # and: running the chase and the sweep again tells nobody again (of reports: the sweep also
    # chases the period's key screening, a clock of the screenings app)
    reports = Notification.objects.filter(dedupe_key__startswith="inforeports:")
    before = (reports.count(), ReportChase.objects.count())
    assert chase(now=at(wednesday, 16, 45)) == (0, 0)
    deadlines_sweep(now=at(wednesday, 16, 50))
    deadlines_sweep(now=at(wednesday, 17, 0))
    assert (reports.count(), ReportChase.objects.count()) == before
    assert rows.count() == 2


def test_a_daily_zero_report_filed_in_time_is_not_chased() -> None:
    # given: 东风村 filed a zero report for the day in the morning
    wednesday = a_past_monday() + timedelta(days=2)
    sensitive_from(wednesday)
    dongfeng = unit(DONGFENG)
    zero = file_at(at(wednesday, 10), informant(DONGFENG), kind="zero", cadence="daily", title="今日零报告")
    assert (zero.cadence, zero.period_start, zero.on_time, zero.content) == (
        "daily",
        wednesday,
        True,
        "本期无情况。",
    )
    # when: the sweep runs after the cut-off
    deadlines_sweep(now=at(wednesday, 16, 31))
    # then: the other six units are chased, 东风村 is not and its people are told nothing
    assert not ReportChase.objects.filter(unit=dongfeng).exists()
    assert ReportChase.objects.filter(period_start=wednesday).count() == 6
    assert notified(f"inforeports:chase:{dongfeng.pk}:daily:{wednesday.isoformat()}") == set()
    assert not Notification.objects.filter(
        recipient__username="village-informant",
        title__startswith="催报",
        dedupe_key__startswith="inforeports:",
    ).exists()
    # and the grid counts it on time
    grid = completeness(actor=user("clerk"), unit=unit(TOWNSHIP), first=wednesday, last=wednesday)
    [row] = [r for r in grid.rows if r.name == "东风村"]
    assert [(c.period.cadence, c.state) for c in row.cells] == [
        (Cadence.WEEKLY, MISSING),
        (Cadence.DAILY, ON_TIME),
    ]


def test_the_weekly_chase_on_friday_at_16_skips_the_villages_that_filed() -> None:
    friday = a_past_monday() + timedelta(days=4)
    file_at(at(friday, 9), informant(DONGFENG), kind="routine", title="本周情况", content="平稳")
    chased, _ = chase(now=at(friday, 16, 1))
    villages = set(
        ReportChase.objects.filter(cadence="weekly", period_start=friday - timedelta(days=4)).values_list(
            "unit__name", flat=True
        )
    )
    assert {"红星村", "柳河村"} <= villages
    assert "东风村" not in villages
    assert chased == ReportChase.objects.count()
    assert (
        notified(f"inforeports:chase:{unit(HONGXING).pk}:weekly:{(friday - timedelta(days=4)).isoformat()}")
        == set()
    )


# --- on time and late --------------------------------------------------------------------------------------


def test_a_weekly_report_before_friday_16_is_on_time_and_after_it_late() -> None:
    monday = a_past_monday()
    friday = monday + timedelta(days=4)
    on_time = file_at(at(friday, 15, 59), informant(DONGFENG), kind="routine", title="周报", content="平稳")
    late = file_at(at(friday, 16, 1), informant(HONGXING), kind="zero", title="零报告")
    assert (on_time.cadence, on_time.period_start, on_time.period_end) == (
        "weekly",
        monday,
        monday + timedelta(days=6),
    )
    assert on_time.due_at == at(friday, 16)
    assert (on_time.on_time, late.on_time) == (True, False)
    grid = completeness(
        actor=user("clerk"), unit=unit(TOWNSHIP), first=monday, last=monday + timedelta(days=6)
    )
    states = {row.name: [c.state for c in row.cells] for row in grid.rows}
    assert (states["东风村"], states["红星村"], states["柳河村"]) == ([ON_TIME], [LATE], [MISSING])
    # before the cut-off nobody is missing yet: the week is not due
    early = completeness(
        actor=user("clerk"),
        unit=unit(TOWNSHIP),
        first=monday,
        last=monday + timedelta(days=6),
        now=at(friday, 15, 0),
    )
    assert {row.name: [c.state for c in row.cells] for row in early.rows}["柳河村"] == [PENDING]
    assert early.rate(1, 3) == "33.3%"
    assert grid.expected - grid.received == sum(r.missing for r in grid.rows)


def test_a_report_belongs_to_the_local_week_of_its_filing() -> None:
    # Sunday 23:30 in Shanghai is still that week; Monday 00:30 (Sunday 16:30 UTC) is the next
    monday = a_past_monday()
    sunday = monday + timedelta(days=6)
    late_sunday = file_at(at(sunday, 23, 30), informant(DONGFENG), kind="zero", title="零报告")
    early_monday = file_at(
        at(sunday, 0, 30) + timedelta(days=1), informant(HONGXING), kind="zero", title="零报告"
    )
    assert (late_sunday.period_start, late_sunday.on_time) == (monday, False)
    assert (early_monday.period_start, early_monday.on_time) == (sunday + timedelta(days=1), True)


# --- the grid against a recount ------------------------------------------------------------------------------


def _recount(
    units: list[Unit], first: date, last: date, now: datetime, sensitive: tuple[date, date] | None
) -> dict[int, list[tuple[str, date, str]]]:
    """Each unit's expected periods and their state, one report look-up at a time: its routine
    periods, then a daily report on each day of the sensitive period."""
    found: dict[int, list[tuple[str, date, str]]] = {}
    for row in units:
        expected = [p for cutoff in DEFAULTS[row.unit_type] for p in periods_between(cutoff, first, last)]
        day = first
        while sensitive is not None and day <= last:
            if sensitive[0] <= day <= sensitive[1]:
                expected.append(period_of(DAILY_DEFAULT, day))
            day += timedelta(days=1)
        cells = []
        for period in expected:
            report = (
                InfoReport.objects.filter(
                    unit=row, cadence=period.cadence.value, period_start=period.start, kind__in=PERIODIC_KINDS
                )
                .order_by("filed_at")
                .first()
            )
            if report is None:
                state = MISSING if period.due_at <= now else PENDING
            else:
                state = ON_TIME if report.filed_at <= period.due_at else LATE
            cells.append((period.cadence.value, period.start, state))
        found[row.pk] = cells
    return found


@pytest.mark.django_db
@hsettings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_grid_equals_a_recount_of_random_reports(data: st.DataObject) -> None:
    # each example starts with no reports and no sensitive period (examples share a transaction)
    InfoReportEvent.objects.all().delete()
    InfoReport.objects.all().delete()
    SensitivePeriod.objects.all().delete()
    township = unit(TOWNSHIP)
    units = list(Unit.objects.filter(path__startswith=township.path).order_by("path"))
    people = {u.pk: informant(u.code) for u in units}
    first = a_past_monday(weeks=data.draw(st.integers(2, 6), label="weeks ago"))
    span = data.draw(st.integers(7, 34), label="days")
    last = first + timedelta(days=span)
    now = at(last, 12) + timedelta(days=data.draw(st.integers(-3, 3), label="now"))
    sensitive: tuple[date, date] | None = None
    if data.draw(st.booleans(), label="sensitive"):
        starts = first + timedelta(days=data.draw(st.integers(-2, span)))
        sensitive = (starts, starts + timedelta(days=data.draw(st.integers(0, 6))))
        with simulated_now(at(first - timedelta(days=7), 9)):  # set before any of its days
            period_save(
                actor=user("clerk"),
                unit=township,
                name="敏感时期",
                starts_on=sensitive[0],
                ends_on=sensitive[1],
                level=2,
                reason="上级通知",
            )
    for _ in range(data.draw(st.integers(0, 16), label="reports")):
        owner = data.draw(st.sampled_from(units))
        daily = sensitive is not None and data.draw(st.booleans())
        cadence = Cadence.DAILY if daily else DEFAULTS[owner.unit_type][0].cadence
        day = first + timedelta(days=data.draw(st.integers(-3, span)))
        filed = at(day, 0) + timedelta(minutes=data.draw(st.integers(0, 20 * 24 * 60)))
        kinds = ["daily", "zero"] if daily else ["routine", "zero"]
        file_at(
            min(filed, timezone.now()),
            people[owner.pk],
            kind=data.draw(st.sampled_from(kinds)),
            cadence=cadence.value,
            period=day,
            title="定期报告",
            content="本期情况平稳",
        )
    grid = completeness(actor=user("clerk"), unit=township, first=first, last=last, now=now)
    got = {
        row.unit_id: [(c.period.cadence.value, c.period.start, c.state) for c in row.cells]
        for row in grid.rows
    }
    assert got == _recount(units, first, last, now, sensitive)
    assert grid.expected == sum(1 for cells in got.values() for c in cells if c[2] != PENDING)
    assert grid.on_time == sum(1 for cells in got.values() for c in cells if c[2] == ON_TIME)
    assert grid.received == sum(1 for cells in got.values() for c in cells if c[2] in (ON_TIME, LATE))


# --- who sees which reports -------------------------------------------------------------------------------------


def test_a_village_sees_its_own_reports_and_incidents_the_township_its_villages() -> None:
    # given: a report and an incident of each of two villages
    own = report_file(actor=informant(DONGFENG), kind="zero", title="零报告")
    other = report_file(actor=informant(HONGXING), kind="zero", title="零报告")
    learned = timezone.now() - timedelta(minutes=5)
    fields = {
        "kind": "gathering",
        "learned_at": learned,
        "occurred_at": learned,
        "place": "村委会",
        "headcount": 12,
        "demands": "修路",
    }
    own_incident = incident_register(actor=informant(DONGFENG), title="东风村聚集", **fields)
    other_incident = incident_register(
        actor=user("clerk"), unit=unit(HONGXING).pk, title="红星村聚集", **fields
    )
    village = user("village-informant")
    # then: the village informant sees its own only
    assert list(reports_visible_to(village)) == [own]
    assert list(incidents_visible_to(village)) == [own_incident]
    assert access_report_by_id(village, own.pk) == own
    assert access_incident_by_id(village, own_incident.pk) == own_incident
    with pytest.raises(NotFound):
        access_report_by_id(village, other.pk)
    with pytest.raises(NotFound):
        access_incident_by_id(village, other_incident.pk)
    # and the township's clerk sees both villages'
    clerk = user("clerk")
    assert set(reports_visible_to(clerk)) == {own, other}
    assert set(incidents_visible_to(clerk)) == {own_incident, other_incident}
    assert access_report_by_id(clerk, other.pk) == other
    # and another township sees neither
    outsider = informant("341122102201")
    assert not reports_visible_to(outsider).exists()
    with pytest.raises(NotFound):
        access_report_by_id(outsider, own.pk)


# --- skip-level reports and forwarding --------------------------------------------------------------------------


def test_an_immediate_report_may_skip_to_the_county_and_the_township_is_told() -> None:
    county, township = unit(COUNTY), unit(TOWNSHIP)
    report = report_file(
        actor=informant(DONGFENG),
        kind="immediate",
        title="村民堵路",
        content="约30人堵住县道",
        skip_to=county.pk,
    )
    assert report.to_unit_id == county.pk
    assert report.skipped_units == [township.pk]
    told = set(
        Notification.objects.filter(title="越级报告：东风村").values_list("recipient__username", flat=True)
    )
    assert told == {"clerk", "leader", "principal", "duty"}
    inbox = set(
        Notification.objects.filter(title="紧急即时报告待签收：东风村").values_list(
            "recipient__username", flat=True
        )
    )
    assert inbox == {"county-clerk", "county-leader"}
    # the county signs for it; the township sees it too (its village's report)
    assert report in reports_visible_to(user("county-clerk"))
    assert selectors.inbox_count(user("county-clerk")) == 1
    assert selectors.inbox_count(user("clerk")) == 0


def test_a_routine_report_may_not_skip_a_level() -> None:
    before = InfoReport.objects.count()
    with pytest.raises(Conflict, match="只有紧急情况"):
        report_file(
            actor=informant(DONGFENG), kind="routine", title="周报", content="平稳", skip_to=unit(COUNTY).pk
        )
    with pytest.raises(Conflict):
        report_file(
            actor=informant(DONGFENG),
            kind="early_sign",
            title="苗头",
            content="有人串联",
            subjects="村民",
            demands="补偿",
            risk="medium",
            skip_to=unit(COUNTY).pk,
        )
    assert InfoReport.objects.count() == before
    assert not Notification.objects.filter(title__startswith="越级报告").exists()
    # a sign of high risk may skip
    high = report_file(
        actor=informant(DONGFENG),
        kind="early_sign",
        title="苗头",
        content="有人串联",
        subjects="村民",
        demands="补偿",
        risk="high",
        skip_to=unit(COUNTY).pk,
    )
    assert (high.to_unit_id, high.skipped_units) == (unit(COUNTY).pk, [unit(TOWNSHIP).pk])
    # skipping to the parent itself is no skip
    plain = report_file(
        actor=informant(DONGFENG), kind="routine", title="周报", content="平稳", skip_to=unit(TOWNSHIP).pk
    )
    assert (plain.to_unit_id, plain.skipped_units) == (unit(TOWNSHIP).pk, [])


def _sign(title: str = "东风村村民拟集体上访") -> InfoReport:
    return report_file(
        actor=informant(DONGFENG),
        kind="early_sign",
        title=title,
        content="约20人拟明日到县信访局",
        subjects="东风村村民",
        demands="征地补偿",
        headcount=20,
        risk="high",
    )


def test_forwarding_files_the_townships_own_report_to_the_county() -> None:
    clerk = user("clerk")
    sign = report_transition(report=_sign(), action="sign", actor=clerk)
    assert (sign.status, sign.signed_by) == (ReportStatus.SIGNED, clerk)
    forwarded = report_transition(report=sign, action="forward", actor=clerk, note="已核实，正在劝导")
    upward = forwarded.forwarded_to
    assert forwarded.status == ReportStatus.FORWARDED
    assert (upward.unit.code, upward.to_unit.code, upward.status) == (
        TOWNSHIP,
        COUNTY,
        ReportStatus.SUBMITTED,
    )
    assert (upward.kind, upward.risk, upward.headcount, upward.filed_by) == ("early_sign", "high", 20, clerk)
    assert upward.title == "转报东风村：东风村村民拟集体上访"
    assert "已核实，正在劝导" in upward.content
    assert "约20人拟明日到县信访局" in upward.content
    assert selectors.inbox_count(user("county-clerk")) == 1


def test_forwarding_into_an_existing_report_merges_it() -> None:
    clerk = user("clerk")
    own = report_file(actor=user("informant"), kind="immediate", title="城关镇情况", content="多村村民串联")
    assert (own.unit.code, own.to_unit.code) == (TOWNSHIP, COUNTY)
    first = report_transition(report=_sign("东风村苗头"), action="sign", actor=clerk)
    count = InfoReport.objects.count()
    merged = report_transition(report=first, action="forward", actor=clerk, note="并入", into=own.pk)
    assert merged.forwarded_to == own
    assert InfoReport.objects.count() == count  # no new report
    assert list(own.merged.all()) == [merged]
    # into a report that is not the township's own open one: refused
    second = report_transition(report=_sign("红星村苗头"), action="sign", actor=clerk)
    with pytest.raises(ValidationFailed):
        report_transition(report=second, action="forward", actor=clerk, note="并入", into=first.pk)


# --- queries ------------------------------------------------------------------------------------------------------

GRID_QUERIES = 5  # units, schedule, sensitive periods, level rules, reports


def _more_villages(count: int, weeks: int) -> None:
    township = unit(TOWNSHIP)
    for n in range(count):
        village = unit_create(
            actor=None,
            name=f"新村{n}",
            code=f"341122101{300 + n}",
            unit_type=UnitType.VILLAGE,
            parent=township,
        )
        for w in range(weeks):
            monday = a_past_monday(weeks=w + 1)
            file_at(at(monday, 9), informant(village.code), kind="zero", title="零报告")


def test_the_grid_of_the_county_takes_the_same_queries_however_many_units_and_reports(
    django_assert_max_num_queries: Any,
) -> None:
    county = unit(COUNTY)
    leader = user("county-leader")
    assert leader.role_codes  # the roles are read once per user object, not per grid
    sensitive_from(a_past_monday() + timedelta(days=2))
    first, last = a_past_monday(weeks=8), timezone.localdate()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            completeness(actor=leader, unit=county, first=first, last=last)
        return len(queries)

    small = count()
    _more_villages(12, 4)
    with django_assert_max_num_queries(GRID_QUERIES):
        grid = completeness(actor=leader, unit=county, first=first, last=last)
    assert count() == small
    assert sum(r.on_time for r in grid.rows if r.name.startswith("新村")) == 48
    assert grid.rows[0].name == "青山县"
    assert len(grid.rows) == Unit.objects.filter(is_active=True).count()


def test_the_daily_default_is_1630() -> None:
    assert DAILY_DEFAULT.at == time(16, 30)
