"""Issue 15: a start outside the calendar's range (1949-10-01 … 2100-12-31) is refused in Chinese
(API 422, a message on the calculator page), never an OverflowError."""

from datetime import date, datetime

import pytest
from django.urls import reverse

from xinfang.deadlines.engine import LOCAL_TZ, Calendar, DeadlineInputError, compute_deadline

pytestmark = pytest.mark.django_db

DEADLINE_URL = "/api/v1/calendar/deadline"
EMPTY = Calendar(holidays=frozenset(), workdays=frozenset(), covered_years=frozenset(), names={})


@pytest.mark.parametrize(
    ("start", "unit"),
    [
        ("9999-12-31", "working_days"),
        ("9999-12-31", "calendar_days"),
        ("9999-12-31T23:00-08:00", "working_days"),
        ("9999-12-31T23:00+08:00", "hours"),
        ("0001-01-01", "calendar_days"),
        ("0001-01-01T00:00+08:00", "minutes"),
    ],
)
def test_the_api_refuses_a_start_outside_the_calendar_with_422(api_client, clerk, start, unit):
    response = api_client(clerk).get(DEADLINE_URL, start=start, amount=30, unit=unit)
    assert response.status_code == 422, response.content.decode()
    assert response.json()["errors"]["start"] == "起算日期须在 1949-10-01 至 2100-12-31 之间。"


def test_the_api_still_counts_from_the_last_day_of_the_range(api_client, clerk):
    response = api_client(clerk).get(DEADLINE_URL, start="2100-12-31", amount=3650, unit="working_days")
    assert response.status_code == 200, response.content.decode()


def test_the_calculator_page_refuses_a_start_outside_the_calendar(client, clerk):
    client.force_login(clerk)
    response = client.get(
        reverse("deadlines:calculator"),
        {"start_date": "9999-12-31", "amount": "30", "unit": "working_days"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "起算日期须在 1949-10-01 至 2100-12-31 之间。" in response.content.decode()


@pytest.mark.parametrize("start", [date(9999, 12, 31), datetime(9999, 12, 31, 23, tzinfo=LOCAL_TZ)])
def test_the_engine_itself_refuses_it(start):
    with pytest.raises(DeadlineInputError) as refused:
        compute_deadline(start=start, amount=30, unit="working_days", calendar=EMPTY)
    assert refused.value.field == "start"
