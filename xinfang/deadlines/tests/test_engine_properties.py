"""Properties of the engine that hold for any start, amount and pause (Hypothesis)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.deadlines.engine import compute_deadline

from .conftest import build_package_calendar, local

CALENDAR = build_package_calendar()
starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2028, 12, 31))
amounts = st.integers(min_value=1, max_value=400)


@settings(max_examples=300, deadline=None)
@given(start=starts, amount=amounts)
def test_calendar_day_due_is_a_working_day_on_or_after_the_raw_last_day(start, amount):
    # given / when
    result = compute_deadline(start=start, amount=amount, unit="calendar_days", calendar=CALENDAR)

    # then
    raw_last_day = start + timedelta(days=amount)
    assert CALENDAR.is_working_day(result.due)
    assert result.due >= raw_last_day
    assert (result.due == raw_last_day) is (result.moved_from is None)
    assert all(
        not CALENDAR.is_working_day(raw_last_day + timedelta(days=offset))
        for offset in range((result.due - raw_last_day).days)
    )


@settings(max_examples=200, deadline=None)
@given(start=starts, amount=st.integers(min_value=1, max_value=120))
def test_working_day_due_is_the_amount_th_working_day_after_start(start, amount):
    # given / when
    result = compute_deadline(start=start, amount=amount, unit="working_days", calendar=CALENDAR)

    # then
    assert CALENDAR.is_working_day(result.due)
    window = (start + timedelta(days=offset) for offset in range(1, (result.due - start).days + 1))
    assert sum(1 for day in window if CALENDAR.is_working_day(day)) == amount


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    amount=amounts,
    pause_offset=st.integers(min_value=1, max_value=60),
    pause_length=st.integers(min_value=0, max_value=30),
)
def test_a_closed_pause_never_brings_the_due_date_forward(start, amount, pause_offset, pause_length):
    # given
    begin = start + timedelta(days=pause_offset)
    pauses = [(begin, begin + timedelta(days=pause_length))]

    # when
    plain = compute_deadline(start=start, amount=amount, unit="calendar_days", calendar=CALENDAR)
    paused = compute_deadline(
        start=start, amount=amount, unit="calendar_days", calendar=CALENDAR, pauses=pauses
    )

    # then
    assert paused.due >= plain.due
    assert paused.paused_days <= pause_length + 1
    assert CALENDAR.is_working_day(paused.due)


@settings(max_examples=200, deadline=None)
@given(
    amount=st.integers(min_value=1, max_value=24 * 60),
    minute=st.integers(min_value=0, max_value=24 * 60 * 365),
)
def test_minutes_without_pauses_are_plain_elapsed_time(amount, minute):
    # given
    start = local(2026, 1, 1, 0, 0) + timedelta(minutes=minute)

    # when
    result = compute_deadline(start=start, amount=amount, unit="minutes", calendar=CALENDAR)

    # then
    assert result.due - start == timedelta(minutes=amount)
    assert result.due.utcoffset() == timedelta(hours=8)


@settings(max_examples=100, deadline=None)
@given(start=starts, amount=amounts)
def test_missing_years_are_exactly_the_uncovered_years_from_last_day_to_due(start, amount):
    # given / when
    result = compute_deadline(start=start, amount=amount, unit="calendar_days", calendar=CALENDAR)

    # then
    raw_last_day = start + timedelta(days=amount)
    years = range(raw_last_day.year, result.due.year + 1)
    assert result.missing_years == tuple(year for year in years if year > 2026)
