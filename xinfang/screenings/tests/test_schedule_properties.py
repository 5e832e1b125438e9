"""Properties of what a unit owes (no database): the regular and quarterly rounds of any stretch
are each unit type's periods that touch it, once each, due inside their own period; a key round
is due on its period's first day or the day after it was set."""

from datetime import date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.deadlines.models import SensitivePeriod
from xinfang.deadlines.periods import bounds_of
from xinfang.screenings.schedule import DEFAULTS, key_round, scheduled_rounds

DAYS = st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31))


@given(unit_type=st.sampled_from(sorted(DEFAULTS)), first=DAYS, span=st.integers(0, 370))
def test_the_scheduled_rounds_of_a_stretch_are_the_periods_that_touch_it_once_each(
    unit_type: str, first: date, span: int
) -> None:
    last = first + timedelta(days=span)
    own = DEFAULTS[unit_type]
    rounds = scheduled_rounds(own, first, last)
    keys = [r.key for r in rounds]
    assert len(keys) == len(set(keys))
    wanted = set()
    day = first
    while day <= last:
        for cutoff in (own.regular, own.quarterly):
            if cutoff is not None:
                start, _ = bounds_of(cutoff.cadence, day)
                wanted.add(f"{cutoff.cadence.value}:{start.isoformat()}")
        day += timedelta(days=1)
    assert set(keys) == wanted
    for expected in rounds:
        assert expected.start <= last
        assert expected.end >= first
        assert expected.start <= expected.due_at.astimezone(LOCAL_TZ).date() <= expected.end
        assert expected.key.startswith(expected.cadence)


@given(starts_on=DAYS, days=st.integers(1, 60), set_before=st.integers(-30, 30), hour=st.integers(0, 23))
def test_a_key_round_is_due_on_the_first_day_or_the_day_after_the_period_was_set(
    starts_on: date, days: int, set_before: int, hour: int
) -> None:
    set_on = starts_on - timedelta(days=set_before)
    period = SensitivePeriod(
        pk=7,
        name="国庆节",
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days - 1),
        level=2,
        created_at=datetime.combine(set_on, time(hour, 30), tzinfo=LOCAL_TZ),
    )
    expected = key_round(period, time(16, 0))
    due_day = expected.due_at.astimezone(LOCAL_TZ).date()
    assert expected.due_at.time() == time(16, 0)
    assert due_day == (starts_on if set_on < starts_on else set_on + timedelta(days=1))
    assert (expected.key, expected.start, expected.end) == ("key:7", period.starts_on, period.ends_on)
