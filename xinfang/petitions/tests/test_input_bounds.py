"""Issue 15, no input that breaks the server: out-of-range input to the register (lists, filters,
registration, steps) answers 422 with Chinese messages, never 500."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from xinfang.core.exceptions import ValidationFailed
from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput, petition_register

from .factories import petition_input, register
from .test_api import _body

EAST_WIND = "341122101201"
HUGE = 10**20
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _refused(response, *fields: str) -> dict[str, str]:
    """A 422 whose message and named fields' messages are Chinese."""
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert _chinese(body["message"]), body
    for field in fields:
        assert _chinese(body["errors"][field]), body
    return body["errors"]


# --- 1. page numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/petitions", "/api/v1/supervisions", "/api/v1/notifications"])
def test_a_huge_page_number_answers_422_not_500(api_client, clerk, path):
    errors = _refused(api_client(clerk).get(path, page=HUGE), "page")
    assert errors["page"] == "不能大于 10000000。"


@pytest.mark.parametrize("path", ["/api/v1/petitions", "/api/v1/supervisions", "/api/v1/notifications"])
def test_a_page_past_the_end_within_bounds_is_empty(api_client, clerk, path):
    register(clerk)
    response = api_client(clerk).get(path, page=10_000_000, page_size=100)
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_a_huge_page_size_answers_422(api_client, clerk):
    _refused(api_client(clerk).get("/api/v1/petitions", page_size=HUGE), "page_size")


def test_the_units_list_refuses_a_huge_page(api_client, clerk):
    _refused(api_client(clerk).get("/api/v1/units", page=HUGE), "page")


@pytest.mark.parametrize("path", ["/petitions/", "/supervision/", "/notifications/"])
def test_list_pages_show_the_last_page_for_a_huge_page_number(client, clerk, path):
    client.force_login(clerk)
    assert client.get(path, {"page": str(HUGE)}).status_code == 200


# --- 2. received date filters -------------------------------------------------------------------


def test_register_api_refuses_received_dates_outside_the_calendar(api_client, clerk):
    response = api_client(clerk).get(
        "/api/v1/petitions", received_from="0001-01-01", received_to="9999-12-31"
    )
    errors = _refused(response, "received_from", "received_to")
    assert errors["received_from"] == "不能早于 1949-10-01。"
    assert errors["received_to"] == "不能晚于 2100-12-31。"


@pytest.mark.parametrize("path", ["/petitions/", "/petitions/export.xlsx"])
def test_register_page_and_export_ignore_received_dates_outside_the_calendar(client, clerk, path):
    register(clerk)
    client.force_login(clerk)
    response = client.get(path, {"received_from": "0001-01-01", "received_to": "9999-12-31"})
    assert response.status_code == 200
    if path == "/petitions/":
        assert "日期不能晚于 2100-12-31。" in response.content.decode()


def test_register_api_refuses_huge_unit_ids_in_filters(api_client, clerk):
    _refused(api_client(clerk).get("/api/v1/petitions", unit=HUGE), "unit")
    _refused(api_client(clerk).get("/api/v1/petitions", registered_unit=HUGE), "registered_unit")


# --- 4. ids in step inputs ----------------------------------------------------------------------


@pytest.fixture
def accepted(api_client, clerk):
    petition = register(clerk)
    response = api_client(clerk).post(f"/api/v1/petitions/{petition.pk}/actions/accept", {})
    assert response.status_code == 200, response.content.decode()
    return petition


@pytest.mark.parametrize(
    "fields",
    [
        {"co_units": [HUGE]},
        {"co_units": [0]},
        {"handler": HUGE},
        {"unit": HUGE},
        {"deadline": "9999-12-31"},
    ],
)
def test_assign_refuses_out_of_range_ids_and_dates_with_422(
    api_client, clerk, unit_by_code, accepted, fields
):
    body = {"unit": unit_by_code(EAST_WIND).pk, **fields}
    response = api_client(clerk).post(f"/api/v1/petitions/{accepted.pk}/actions/assign", body)
    _refused(response, next(iter(fields)))
    assert Petition.objects.get(pk=accepted.pk).status == "accepted"


def test_assign_on_the_page_refuses_a_huge_co_unit(client, clerk, unit_by_code, accepted):
    client.force_login(clerk)
    response = client.post(
        f"/petitions/{accepted.pk}/actions/assign/",
        {"unit": str(unit_by_code(EAST_WIND).pk), "co_units": [str(HUGE)]},
    )
    assert response.status_code in (200, 302, 422)
    assert Petition.objects.get(pk=accepted.pk).status == "accepted"


def test_supervision_steps_refuse_a_person_given_as_a_huge_number(api_client, county_leader, clerk, accepted):
    response = api_client(county_leader).post(
        f"/api/v1/petitions/{accepted.pk}/actions/list_supervision",
        {
            "trigger": "overdue",
            "case_leader": str(HUGE),
            "responsible_unit": clerk.unit_id,
            "responsible_person": "clerk",
            "supervising_unit": county_leader.unit_id,
            "supervisor": "county-leader",
            "time_limit": (timezone.localdate() + timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code != 500
    _refused(response, "case_leader")


# --- 5. registration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"headcount": HUGE}, "headcount"),
        ({"received_at": "0001-01-01T00:00+08:00"}, "received_at"),
        ({"received_at": "1989-12-31T23:00+08:00"}, "received_at"),
        ({"problem_unit": HUGE}, "problem_unit"),
        ({"repeat_of": HUGE}, "repeat_of"),
        ({"complained_unit": HUGE}, "complained_unit"),
        ({"referral_deadline": "9999-12-31"}, "referral_deadline"),
        ({"subject": "标" * 201}, "subject"),
        ({"complained_party": "某" * 101}, "complained_party"),
        ({"petitioners": [{"name": "张" * 1000}]}, "petitioners.0.name"),
        ({"petitioners": [{"name": "张三", "address": "址" * 100_000}]}, "petitioners.0.address"),
        ({"petitioners": [{"name": "张三"}] * 300}, "petitioners"),
        ({"content": "诉" * 20_001}, "content"),
    ],
)
def test_registration_api_holds_every_field_to_its_bounds(api_client, clerk, unit_by_code, overrides, field):
    body = _body(unit_by_code(EAST_WIND).pk, **overrides)
    _refused(api_client(clerk).post("/api/v1/petitions", body), field)
    assert Petition.objects.count() == 0


def test_registration_api_documents_the_bounds(api_client, clerk):
    schema = api_client(clerk).get("/api/v1/openapi.json").json()["components"]["schemas"]
    petition, person = schema["PetitionIn"]["properties"], schema["PetitionerIn"]["properties"]
    assert petition["subject"]["maxLength"] == 200
    assert petition["petitioners"]["maxItems"] == 100
    assert petition["headcount"]["anyOf"][0]["maximum"] == 100_000
    assert person["address"]["maxLength"] == 200


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"headcount": 100_001}, "headcount", "人数须在 1 至 100000 之间。"),
        (
            {"received_at": datetime(1989, 12, 31, tzinfo=SHANGHAI)},
            "received_at",
            "收到时间不能早于 1990-01-01。",
        ),
        ({"subject": "标" * 201}, "subject", "标题不能超过 200 字。"),
        ({"petitioners": [PetitionerInput(name="张" * 51)]}, "petitioners.0.name", "姓名不能超过 50 字。"),
        (
            {"petitioners": [PetitionerInput(name="张三", address="址" * 201)]},
            "petitioners.0.address",
            "住址不能超过 200 字。",
        ),
        ({"petitioners": [PetitionerInput(name="张三")] * 101}, "petitioners", None),
    ],
)
def test_the_service_holds_every_registration_to_the_same_bounds(clerk, overrides, field, message):
    """Page, API and import all register through the service: the rule lives there."""
    with pytest.raises(ValidationFailed) as refused:
        petition_register(actor=clerk, data=petition_input(problem_unit=clerk.unit, **overrides))
    assert field in refused.value.extra
    if message:
        assert refused.value.extra[field] == message
    assert Petition.objects.count() == 0


def test_registration_page_refuses_a_received_time_before_1990(client, clerk):
    client.force_login(clerk)
    response = client.post(
        "/petitions/new/",
        {
            "channel": "letter",
            "received_at": "0001-01-01T00:00",
            "petitioner_name": "张三",
            "petitioner_gender": "male",
            "category": "0201",
            "problem_unit": str(clerk.unit_id),
            "subject": "反映拖欠工资问题",
            "content": "拖欠工资。",
        },
    )
    assert response.status_code in (200, 422)
    assert "收到时间不能早于 1990-01-01。" in response.content.decode()
    assert Petition.objects.count() == 0
