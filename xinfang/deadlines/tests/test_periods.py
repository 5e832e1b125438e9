"""Reporting periods and their cut-offs (deadlines.periods): which period a day is in, when its
report is due (local time, Asia/Shanghai), and which cut-offs a chase run must look at."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.deadlines.periods import (
    Cadence,
    Cutoff,
    Period,
    bounds_of,
    cutoffs_between,
    one_off_due,
    period_of,
    periods_between,
)

WEEKLY = Cutoff(Cadence.WEEKLY, time(16, 0), weekday=5)
HALF = Cutoff(Cadence.HALF_MONTHLY, time(16, 0))
MONTHLY_31 = Cutoff(Cadence.MONTHLY, time(16, 0), day=31)
DAILY = Cutoff(Cadence.DAILY, time(16, 30))
QUARTERLY_31 = Cutoff(Cadence.QUARTERLY, time(16, 0), day=31)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


# --- weekly ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", range(7))
def test_the_weekly_report_of_any_day_of_the_week_is_due_on_its_friday_at_16(offset: int) -> None:
    # given: a day of the week of Monday 2026-11-16
    day = date(2026, 11, 16) + timedelta(days=offset)
    # when
    period = period_of(WEEKLY, day)
    # then: Monday to Sunday, due Friday 2026-11-20 16:00 in Shanghai (08:00 UTC)
    assert (period.start, period.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert period.due_at == local(2026, 11, 20, 16, 0)
    assert period.due_at.astimezone(UTC) == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert period.due_at.utcoffset() == timedelta(hours=8)
    assert period.label == "11月16日—11月22日"


def test_a_weekly_cutoff_on_another_weekday_and_time() -> None:
    monday_9 = Cutoff(Cadence.WEEKLY, time(9, 30), weekday=1)
    sunday = Cutoff(Cadence.WEEKLY, time(23, 59), weekday=7)
    assert period_of(monday_9, date(2026, 11, 22)).due_at == local(2026, 11, 16, 9, 30)
    assert period_of(sunday, date(2026, 11, 16)).due_at == local(2026, 11, 22, 23, 59)


# --- half-monthly ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2028, 2, 1), date(2028, 2, 1), date(2028, 2, 15)),
        (date(2028, 2, 15), date(2028, 2, 1), date(2028, 2, 15)),
        (date(2028, 2, 16), date(2028, 2, 16), date(2028, 2, 29)),  # a leap year's February
        (date(2028, 2, 29), date(2028, 2, 16), date(2028, 2, 29)),
        (date(2027, 2, 20), date(2027, 2, 16), date(2027, 2, 28)),
        (date(2026, 12, 31), date(2026, 12, 16), date(2026, 12, 31)),
        (date(2026, 4, 30), date(2026, 4, 16), date(2026, 4, 30)),
    ],
)
def test_half_monthly_reports_are_due_on_the_15th_and_the_months_last_day(
    day: date, start: date, end: date
) -> None:
    period = period_of(HALF, day)
    assert (period.start, period.end) == (start, end)
    assert period.due_at == datetime.combine(end, time(16, 0), tzinfo=LOCAL_TZ)
    assert period.label.endswith("上半月" if start.day == 1 else "下半月")


# --- monthly -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (date(2026, 1, 10), local(2026, 1, 31, 16)),
        (date(2026, 4, 1), local(2026, 4, 30, 16)),  # day 31 clamped to 30
        (date(2026, 6, 30), local(2026, 6, 30, 16)),
        (date(2027, 2, 14), local(2027, 2, 28, 16)),  # … and to 28
        (date(2028, 2, 14), local(2028, 2, 29, 16)),  # … and to 29 in a leap year
    ],
)
def test_a_monthly_cutoff_on_the_31st_is_the_months_last_day_when_shorter(day: date, due: datetime) -> None:
    period = period_of(MONTHLY_31, day)
    assert period.start == day.replace(day=1)
    assert period.end == due.date()
    assert period.due_at == due


def test_a_monthly_cutoff_on_the_25th_falls_inside_the_month() -> None:
    period = period_of(Cutoff(Cadence.MONTHLY, time(16, 0), day=25), date(2026, 2, 27))
    assert (period.start, period.end, period.due_at) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
        local(2026, 2, 25, 16),
    )
    assert period.label == "2026年02月"


# --- quarterly -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "end", "label"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), "2026年第1季度"),
        (date(2026, 3, 31), date(2026, 1, 1), date(2026, 3, 31), "2026年第1季度"),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30), "2026年第2季度"),
        (date(2026, 8, 15), date(2026, 7, 1), date(2026, 9, 30), "2026年第3季度"),
        (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31), "2026年第4季度"),
    ],
)
def test_a_quarter_is_the_calendar_quarter(day: date, start: date, end: date, label: str) -> None:
    period = period_of(Cutoff(Cadence.QUARTERLY, time(16, 0), day=25), day)
    assert (period.start, period.end) == (start, end)
    assert bounds_of(Cadence.QUARTERLY, day) == (start, end)
    assert period.label == label
    # due on the 25th of the quarter's last month
    assert period.due_at == local(end.year, end.month, 25, 16)


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (date(2026, 2, 10), local(2026, 3, 31, 16)),
        (date(2026, 5, 1), local(2026, 6, 30, 16)),  # day 31 clamped to June's 30
        (date(2026, 9, 30), local(2026, 9, 30, 16)),
        (date(2026, 11, 11), local(2026, 12, 31, 16)),
    ],
)
def test_a_quarterly_cutoff_on_the_31st_is_the_quarters_last_day_when_shorter(
    day: date, due: datetime
) -> None:
    assert period_of(QUARTERLY_31, day).due_at == due


def test_a_quarterly_cutoff_at_another_time_and_the_chase_window_finds_it() -> None:
    early = Cutoff(Cadence.QUARTERLY, time(9, 30), day=1)
    assert period_of(early, date(2027, 1, 20)).due_at == local(2027, 3, 1, 9, 30)
    assert _cuts(early, local(2027, 3, 1, 9, 0), local(2027, 3, 1, 10, 0)) == [
        (date(2027, 1, 1), local(2027, 3, 1, 9, 30))
    ]
    assert _cuts(QUARTERLY_31, local(2026, 12, 31, 15, 0), local(2027, 1, 1, 0, 0)) == [
        (date(2026, 10, 1), local(2026, 12, 31, 16, 0))
    ]
    assert list(periods_between(QUARTERLY_31, date(2026, 3, 30), date(2026, 7, 1))) == [
        period_of(QUARTERLY_31, date(2026, 3, 1)),
        period_of(QUARTERLY_31, date(2026, 4, 1)),
        period_of(QUARTERLY_31, date(2026, 7, 1)),
    ]


# --- a one-off cut-off (key screening in a sensitive period) -------------------------------------------


def test_a_one_off_task_is_due_on_its_first_day_or_the_day_after_it_became_known() -> None:
    first = date(2026, 9, 30)
    # known before the first day: due on it
    assert one_off_due(first, time(16, 0), local(2026, 9, 28, 10, 0)) == local(2026, 9, 30, 16)
    assert one_off_due(first, time(16, 0), local(2026, 9, 29, 23, 59)) == local(2026, 9, 30, 16)
    # known on the first day or later: the day after it became known (across a month's end)
    assert one_off_due(first, time(16, 0), local(2026, 9, 30, 8, 0)) == local(2026, 10, 1, 16)
    assert one_off_due(first, time(16, 0), local(2026, 10, 2, 20, 0)) == local(2026, 10, 3, 16)
    # a moment given in UTC is read in Shanghai: 2026-09-29 17:00 UTC is the 30th, 01:00 local
    assert one_off_due(first, time(16, 0), datetime(2026, 9, 29, 17, 0, tzinfo=UTC)) == local(2026, 10, 1, 16)


# --- cutoffs_between -----------------------------------------------------------------------------------


def _cuts(cutoff: Cutoff, start: datetime, end: datetime) -> list[tuple[date, datetime]]:
    return [(p.start, p.due_at) for p in cutoffs_between(cutoff, start, end)]


def test_cutoffs_between_a_run_before_and_after_midnight() -> None:
    # a cut-off at midnight, Saturday 00:00: a chase that last ran at 23:50 and runs at 00:10
    saturday_midnight = Cutoff(Cadence.WEEKLY, time(0, 0), weekday=6)
    assert _cuts(saturday_midnight, local(2026, 11, 20, 23, 50), local(2026, 11, 21, 0, 10)) == [
        (date(2026, 11, 16), local(2026, 11, 21, 0, 0))
    ]
    # the daily 16:30 cut-offs of Monday and Tuesday, from Monday 16:00 to Tuesday 17:00
    assert _cuts(DAILY, local(2026, 11, 16, 16, 0), local(2026, 11, 17, 17, 0)) == [
        (date(2026, 11, 16), local(2026, 11, 16, 16, 30)),
        (date(2026, 11, 17), local(2026, 11, 17, 16, 30)),
    ]
    # across midnight with no cut-off in it: nothing
    assert _cuts(DAILY, local(2026, 11, 16, 23, 0), local(2026, 11, 17, 1, 0)) == []
    assert _cuts(WEEKLY, local(2026, 11, 19, 23, 0), local(2026, 11, 20, 1, 0)) == []


def test_cutoffs_between_is_half_open_start_excluded_end_included() -> None:
    due = local(2026, 11, 20, 16, 0)
    assert _cuts(WEEKLY, due - timedelta(minutes=1), due) == [(date(2026, 11, 16), due)]
    assert _cuts(WEEKLY, due, due + timedelta(minutes=1)) == []


def test_cutoffs_between_across_a_months_end() -> None:
    # the second half of January is due on the 31st at 16:00
    assert _cuts(HALF, local(2027, 1, 31, 15, 0), local(2027, 2, 1, 10, 0)) == [
        (date(2027, 1, 16), local(2027, 1, 31, 16, 0))
    ]
    # April's monthly report (day 31 → the 30th), found by a run on May 1st
    assert _cuts(MONTHLY_31, local(2026, 4, 30, 12, 0), local(2026, 5, 1, 9, 0)) == [
        (date(2026, 4, 1), local(2026, 4, 30, 16, 0))
    ]
    # a February of a leap year ends on the 29th
    assert _cuts(HALF, local(2028, 2, 28, 0, 0), local(2028, 3, 1, 0, 0)) == [
        (date(2028, 2, 16), local(2028, 2, 29, 16, 0))
    ]


def test_cutoffs_between_reads_moments_given_in_utc_as_the_same_instants() -> None:
    # 07:59–08:01 UTC on Friday is 15:59–16:01 in Shanghai
    start = datetime(2026, 11, 20, 7, 59, tzinfo=UTC)
    assert _cuts(WEEKLY, start, start + timedelta(minutes=2)) == [
        (date(2026, 11, 16), local(2026, 11, 20, 16, 0))
    ]
    # 16:00 UTC on Friday is midnight in Shanghai: long past the cut-off
    assert (
        _cuts(WEEKLY, datetime(2026, 11, 20, 9, 0, tzinfo=UTC), datetime(2026, 11, 20, 16, 0, tzinfo=UTC))
        == []
    )


def test_a_long_window_finds_every_cutoff_in_it_once() -> None:
    found = list(cutoffs_between(WEEKLY, local(2026, 11, 1, 0, 0), local(2026, 12, 1, 0, 0)))
    assert [p.due_at.date() for p in found] == [date(2026, 11, d) for d in (6, 13, 20, 27)]


# --- properties ----------------------------------------------------------------------------------------

CUTOFFS = st.sampled_from(
    [
        WEEKLY,
        Cutoff(Cadence.WEEKLY, time(9, 0), weekday=1),
        HALF,
        MONTHLY_31,
        Cutoff(Cadence.MONTHLY, time(16, 0), day=25),
        Cutoff(Cadence.MONTHLY, time(8, 0), day=1),
        DAILY,
        QUARTERLY_31,
        Cutoff(Cadence.QUARTERLY, time(16, 0), day=25),
        Cutoff(Cadence.QUARTERLY, time(8, 0), day=1),
    ]
)
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(cutoff=CUTOFFS, first=DAYS, span=st.integers(0, 120))
def test_periods_tile_the_days_without_gaps_and_each_day_lies_in_exactly_one(
    cutoff: Cutoff, first: date, span: int
) -> None:
    last = first + timedelta(days=span)
    periods = list(periods_between(cutoff, first, last))
    # consecutive, no gap, no overlap, covering [first, last]
    assert periods[0].start <= first <= periods[0].end
    assert periods[-1].start <= last <= periods[-1].end
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.start == before.end + timedelta(days=1)
    day = first
    while day <= last:
        holding = [p for p in periods if p.start <= day <= p.end]
        assert len(holding) == 1
        assert period_of(cutoff, day) == holding[0]
        day += timedelta(days=1)


@given(cutoff=CUTOFFS, day=DAYS)
def test_a_period_is_what_its_cadence_says_and_is_due_inside_it(cutoff: Cutoff, day: date) -> None:
    period: Period = period_of(cutoff, day)
    assert (period.start, period.end) == bounds_of(cutoff.cadence, day)
    length = (period.end - period.start).days + 1
    if cutoff.cadence == Cadence.DAILY:
        assert length == 1
    elif cutoff.cadence == Cadence.WEEKLY:
        assert length == 7
        assert period.start.weekday() == 0
    elif cutoff.cadence == Cadence.HALF_MONTHLY:
        assert period.start.day in (1, 16)
        assert period.end == (
            period.start.replace(day=15)
            if period.start.day == 1
            else (period.start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        )
    elif cutoff.cadence == Cadence.QUARTERLY:
        assert period.start.day == 1
        assert period.start.month in (1, 4, 7, 10)
        assert (period.end + timedelta(days=1)).day == 1
        assert period.end.month == period.start.month + 2
        assert period.due_at.month == period.end.month  # in the quarter's last month
    else:
        assert period.start.day == 1
        assert (period.end + timedelta(days=1)).day == 1
    # the cut-off is a local time on a day of the period, at the cut-off's time of day
    assert period.due_at.tzinfo == LOCAL_TZ
    assert period.start <= period.due_at.date() <= period.end
    assert period.due_at.time() == cutoff.at


@given(
    cutoff=CUTOFFS,
    start=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 1, 1)),
    hours=st.integers(1, 24 * 100),
)
def test_cutoffs_between_answers_exactly_the_periods_due_in_the_window(
    cutoff: Cutoff, start: datetime, hours: int
) -> None:
    begin = start.replace(tzinfo=LOCAL_TZ)
    end = begin + timedelta(hours=hours)
    found = list(cutoffs_between(cutoff, begin, end))
    # brute force: every period with a day in a generous stretch around the window
    every = periods_between(cutoff, begin.date() - timedelta(days=100), end.date() + timedelta(days=100))
    assert found == [p for p in every if begin < p.due_at <= end]
