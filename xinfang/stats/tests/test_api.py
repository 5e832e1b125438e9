"""GET /api/v1/stats/overview: the dashboard's figures for the caller's scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.petitions.tests.factories import register

URL = "/api/v1/stats/overview"


@pytest.fixture
def petitions(clerk, county_clerk_user, village_handler_clerk, unit_by_code):
    township, east = unit_by_code("341122101"), unit_by_code("341122101201")
    register(clerk, problem_unit=township, received_at=timezone.now() - timedelta(days=20))
    register(county_clerk_user, problem_unit=township, flags=["skip_level"])
    register(village_handler_clerk, problem_unit=east, flags=["collective"])


def test_overview_of_the_callers_unit(api_client, county_leader, petitions):
    # when
    response = api_client(county_leader).get(URL)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["unit_name"] == "青山县"
    assert body["open_total"] == 3
    assert body["overdue"] == 1
    assert body["skip_level"] == 1
    assert body["collective"] == 1
    assert {r["key"] for r in body["rates"]} == {
        "timely_acceptance",
        "on_time_completion",
        "first_once",
        "satisfaction",
        "repeat",
    }
    assert all(r["definition"] for r in body["rates"])
    assert len(body["trend"]) == 12
    assert body["units_by_overdue"] == [
        {"unit_id": body["units_by_overdue"][0]["unit_id"], "name": "城关镇", "overdue": 1}
    ]


def test_overview_of_a_unit_below_with_a_period(api_client, county_leader, petitions, unit_by_code):
    this_month = timezone.localdate().strftime("%Y-%m")
    response = api_client(county_leader).get(
        URL, unit=unit_by_code("341122101201").pk, **{"from": this_month, "to": this_month}
    )
    assert response.status_code == 200
    assert response.json()["open_total"] == 1
    assert response.json()["month_from"] == this_month


def test_unit_outside_the_callers_scope_is_404(api_client, leader, unit_by_code):
    response = api_client(leader).get(URL, unit=unit_by_code("341122").pk)
    assert response.status_code == 404
    assert response.json()["message"] == "记录不存在或您无权查看。"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"to": "202611"}, "to"),
        ({"from": "2026-11", "to": "2026-01"}, "from"),
        ({"unit": "城关镇"}, "unit"),
    ],
)
def test_bad_parameters_are_422_in_chinese(api_client, leader, params, field):
    response = api_client(leader).get(URL, **params)
    assert response.status_code == 422
    body = response.json()
    assert field in body["errors"]
    assert body["message"].startswith("请求参数有误")


def test_a_handler_may_not_read_statistics(api_client, village_handler):
    response = api_client(village_handler).get(URL)
    assert response.status_code == 403
