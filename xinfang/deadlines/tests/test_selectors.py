"""Reads: year status and which open deadlines a calendar change can reach."""

from datetime import date

import pytest

from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_year_status, deadlines_open_affected_by
from xinfang.deadlines.services import deadline_close, deadline_create

from .conftest import local

pytestmark = pytest.mark.django_db


def test_year_status_of_a_seeded_year_counts_its_days():
    # when
    status = calendar_year_status(2026)

    # then
    assert status.is_covered is True
    assert status.source == "package"
    assert status.holiday_count == 33
    assert status.workday_count == 6
    assert status.warning is None


def test_year_status_of_a_missing_year_carries_the_banner_text():
    # when
    status = calendar_year_status(2027)

    # then
    assert status.is_covered is False
    assert status.has_row is False
    assert status.warning == (
        "2027 年的节假日安排尚未录入，系统按周一至周五及元旦、劳动节、国庆节固定日期推算期限，"
        "请在国务院公布后及时录入。"
    )


def test_affected_deadlines_are_the_open_day_deadlines_whose_window_holds_the_date():
    # given
    def make(start, amount: int, unit: str = "calendar_days") -> Deadline:
        return deadline_create(
            owner_type="petitions.petition", owner_id=1, rule="acceptance",
            start=start, amount=amount, unit=unit,
        )  # fmt: skip

    inside = make(date(2026, 10, 20), 20)  # window (10/20, 11/9]
    ends_on_it = make(date(2026, 10, 18), 15)  # due 11/2
    make(date(2026, 11, 2), 5)  # starts on it: the start day is never counted
    make(date(2026, 10, 1), 10)  # due 10/12, before it
    make(local(2026, 11, 2, 9, 0), 20, unit="minutes")  # elapsed time ignores the calendar
    deadline_close(deadline=make(date(2026, 10, 20), 20), actor=None)

    # when
    affected = set(deadlines_open_affected_by([date(2026, 11, 2)]).values_list("pk", flat=True))

    # then
    assert affected == {inside.pk, ends_on_it.pk}


def test_no_dates_affect_nothing():
    # when / then
    assert deadlines_open_affected_by([]).count() == 0
