"""The 矛盾纠纷排查 API: filing a zero round and one with a found dispute (201), the same round
again (409), input refused in Chinese (422: never pydantic's English, a found row's field named
by its row), who may not file (403) or see (404), the list in scope and the completeness figures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.screenings.models import ScreeningRound

from .helpers import (
    DONGFENG,
    FOUND,
    HEXI_VILLAGE,
    HONGXING,
    TOWNSHIP,
    a_past_monday,
    at,
    file_at,
    person,
    unit,
    user,
)

pytestmark = pytest.mark.usefixtures("demo")
URL = "/api/v1/screenings"


def _now_text() -> str:
    return f"{timezone.localtime():%Y-%m-%dT%H:%M}"


def test_filing_a_zero_round_and_a_round_with_a_dispute(api_client) -> None:
    api = api_client(person(DONGFENG))
    monday = a_past_monday()
    # a zero round of a past week (late)
    zero = api.post(
        URL, {"period": monday.isoformat(), "screened_by": "网格员李某", "screened_at": _now_text()}
    )
    assert zero.status_code == 201, zero.content
    body = zero.json()
    assert (body["kind"], body["zero"], body["on_time"], body["found_count"]) == ("regular", True, False, 0)
    assert body["summary"] == "本期排查未发现矛盾纠纷。"
    assert body["allowed_actions"] == ["amend"]
    # this week's, with a dispute found
    found = api.post(
        URL,
        {
            "unit": unit(DONGFENG).pk,
            "kind": "regular",
            "screened_by": "村综治主任",
            "screened_at": _now_text(),
            "found": [FOUND],
        },
    )
    assert found.status_code == 201, found.content
    detail = found.json()
    assert detail["found_count"] == 1
    assert [d["origin"] for d in detail["disputes"]] == ["found"]
    assert detail["disputes"][0]["status_at_filing_label"] == "待调解"
    assert detail["disputes"][0]["url"] == f"/disputes/{detail['disputes'][0]['id']}/"
    # read back, and the same week again: 409 in Chinese
    assert api.get(f"{URL}/{detail['id']}").json()["number"] == detail["number"]
    again = api.post(URL, {"screened_by": "村综治主任", "screened_at": _now_text()})
    assert again.status_code == 409
    assert "不能重复报送" in again.json()["message"]


def test_bad_input_is_refused_in_chinese(api_client) -> None:
    api = api_client(person(DONGFENG))
    missing = api.post(URL, {"kind": "monthly"})
    assert missing.status_code == 422
    errors = missing.json()["errors"]
    assert set(errors) >= {"kind", "screened_by", "screened_at"}
    assert errors["screened_by"] == "请填写排查人员。"
    assert "排查类别须为以下之一" in errors["kind"]
    bad_date = api.post(URL, {"period": "2026-02-30", "screened_by": "甲", "screened_at": "昨天"})
    assert bad_date.status_code == 422
    assert set(bad_date.json()["errors"]) == {"period", "screened_at"}
    too_many = api.post(URL, {"screened_by": "甲", "screened_at": _now_text(), "found": [{}] * 51})
    assert too_many.status_code == 422
    assert "found" in too_many.json()["errors"]
    bad_row = api.post(
        URL, {"screened_by": "甲", "screened_at": _now_text(), "found": [FOUND, {**FOUND, "parties": []}]}
    )
    assert bad_row.status_code == 422
    assert list(bad_row.json()["errors"]) == ["found[1].parties"]
    assert bad_row.json()["message"].startswith("第 2 起矛盾纠纷：")
    not_object = api.post(URL, {"screened_by": "甲", "screened_at": _now_text(), "found": ["纠纷"]})
    assert not_object.status_code == 422
    assert not ScreeningRound.objects.exists()
    for text in (missing, bad_date, too_many, bad_row, not_object):
        message = text.json()["message"]
        assert not any(word in message for word in ("Field", "Input should", "value is not"))
    assert api.get(URL, kind="weekly").status_code == 422
    assert api.get(f"{URL}/completeness", **{"from": "2026-05-01", "to": "2026-01-01"}).status_code == 422


def test_who_may_not_file_or_see(api_client) -> None:
    mine = file_at(timezone.now(), person(DONGFENG))
    # the township's office may not file for a village (403), a village not for another (404)
    office = api_client(user("clerk")).post(
        URL, {"unit": unit(DONGFENG).pk, "screened_by": "甲", "screened_at": _now_text()}
    )
    assert office.status_code == 403
    other = api_client(person(HONGXING)).post(
        URL, {"unit": unit(DONGFENG).pk, "screened_by": "甲", "screened_at": _now_text()}
    )
    assert other.status_code == 404
    # a system administrator holds no business capability
    assert api_client(user("sysadmin")).get(URL).status_code == 403
    # out of scope: 404
    assert api_client(person(HONGXING)).get(f"{URL}/{mine.pk}").status_code == 404
    assert api_client(person(HEXI_VILLAGE)).get(f"{URL}/{mine.pk}").status_code == 404
    amend = api_client(person(HONGXING)).post(f"{URL}/{mine.pk}/actions/amend", {"summary": "x", "note": "y"})
    assert amend.status_code == 404
    assert (
        api_client(user("clerk"))
        .post(f"{URL}/{mine.pk}/actions/amend", {"summary": "x", "note": "y"})
        .status_code
        == 403
    )


def test_the_list_in_scope_and_the_completeness_figures(api_client) -> None:
    monday = a_past_monday()
    file_at(at(monday + timedelta(days=3), 10), person(DONGFENG), period=monday)
    file_at(at(monday + timedelta(days=5), 10), person(HONGXING), period=monday)
    clerk = api_client(user("clerk"))
    listed = clerk.get(URL, page_size=1)
    assert (listed.json()["count"], len(listed.json()["items"])) == (2, 1)
    assert api_client(person(DONGFENG)).get(URL).json()["count"] == 1
    figures = clerk.get(
        f"{URL}/completeness",
        unit=unit(TOWNSHIP).pk,
        **{"from": monday.isoformat(), "to": (monday + timedelta(days=6)).isoformat()},
    )
    assert figures.status_code == 200
    body = figures.json()
    rows = {row["unit_name"]: row for row in body["items"]}
    assert (rows["东风村"]["expected"], rows["东风村"]["on_time"]) == (1, 1)
    assert (rows["红星村"]["filed"], rows["红星村"]["late"]) == (1, 1)
    assert rows["柳河村"]["missing"] == 1
    assert body["totals"]["filed"] == 2
    assert body["from"] == monday.isoformat()
    outside = api_client(person(DONGFENG)).get(f"{URL}/completeness", unit=unit(HONGXING).pk)
    assert outside.status_code == 404
