"""Months (按月计算, 民法典第二百零二、二百零三条): the same day n months on, the month's last day
when it has none, moved past a day off; never paused or extended."""

from datetime import date

import pytest

from xinfang.deadlines.engine import DeadlineInputError, compute_deadline, months_after


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 3, 10), 1, date(2026, 4, 10)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_months_after_takes_the_same_day_or_the_months_end(start, months, expected):
    assert months_after(start, months) == expected


def test_a_month_ending_on_a_working_day_stays(national_calendar):
    result = compute_deadline(start=date(2026, 3, 10), amount=1, unit="months", calendar=national_calendar)

    assert result.due == date(2026, 4, 10)  # a Friday
    assert result.moved_from is None
    assert "到期月的对应日为 2026-04-10" in result.explanation[0]


def test_a_month_ending_in_national_day_moves_to_the_first_working_day(national_calendar):
    # 2026-09-01 + 1 month = 10-01, inside 国庆节 (10/1–10/7)
    result = compute_deadline(start=date(2026, 9, 1), amount=1, unit="months", calendar=national_calendar)

    assert result.moved_from == date(2026, 10, 1)
    assert result.due == date(2026, 10, 8)
    assert "民法典第二百零三条" in result.explanation[1]


def test_months_are_neither_paused_nor_extended(national_calendar):
    with pytest.raises(DeadlineInputError):
        compute_deadline(
            start=date(2026, 3, 10),
            amount=1,
            unit="months",
            calendar=national_calendar,
            pauses=[(date(2026, 3, 11), None)],
        )
    with pytest.raises(DeadlineInputError):
        compute_deadline(
            start=date(2026, 3, 10), amount=1, unit="months", calendar=national_calendar, extension_days=3
        )
