"""GET /api/v1/calendar/deadline and /days."""

import pytest

from xinfang.deadlines.engine import LOCAL_TZ

pytestmark = pytest.mark.django_db

DEADLINE_URL = "/api/v1/calendar/deadline"
DAYS_URL = "/api/v1/calendar/days"


def test_clerk_gets_a_calendar_day_deadline_moved_off_national_day(api_client, clerk):
    # when
    response = api_client(clerk).get(DEADLINE_URL, start="2026-09-18", amount=15, rule="acceptance")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["due"] == "2026-10-08"
    assert body["moved_from"] == "2026-10-03"
    assert body["unit"] == "calendar_days"
    assert body["amount"] == 15
    assert body["start"] == "2026-09-18"
    assert body["rule"] == "acceptance"
    assert body["missing_years"] == []
    assert body["warning"] is None
    assert len(body["calendar_version"]) == 40
    assert body["explanation"][-1] == (
        "末日 2026-10-03 为国庆节假日，依照民法典第二百零三条顺延至下一工作日 2026-10-08。"
    )


def test_working_days_count_the_working_saturday(api_client, clerk):
    # when
    response = api_client(clerk).get(DEADLINE_URL, start="2026-09-24", amount=6, unit="working_days")

    # then
    assert response.status_code == 200
    assert response.json()["due"] == "2026-10-10"


def test_period_into_2027_carries_a_warning(api_client, clerk):
    # when
    response = api_client(clerk).get(DEADLINE_URL, start="2026-12-20", amount=30)

    # then
    body = response.json()
    assert body["missing_years"] == [2027]
    assert body["warning"] == ("2027 年节假日数据缺失，按周一至周五及固定日期节日推算，结果仅供参考。")


def test_naive_datetime_is_shanghai_time_for_minutes(api_client, clerk):
    # when
    response = api_client(clerk).get(DEADLINE_URL, start="2026-10-01T09:00", amount=20, unit="minutes")

    # then
    assert response.status_code == 200
    assert response.json()["due"] == "2026-10-01T09:20:00+08:00"


def test_datetime_start_of_a_day_period_uses_its_local_date(api_client, clerk):
    # when: 2026-09-17 20:00 UTC is 2026-09-18 04:00 in Shanghai
    response = api_client(clerk).get(DEADLINE_URL, start="2026-09-17T20:00:00+00:00", amount=15)

    # then
    assert response.json()["start"] == "2026-09-18"
    assert response.json()["due"] == "2026-10-08"
    assert LOCAL_TZ.key == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2026-13-40", "amount": 15}, "start", "起算时间格式有误：2026-13-40"),
        ({"start": "明天", "amount": 15}, "start", "起算时间格式有误"),
        ({"start": "2026-09-18", "amount": 0}, "amount", "期限数值须为 1 到 3650 之间的整数"),
        ({"start": "2026-09-18", "amount": -3}, "amount", "期限数值须为 1 到 3650 之间的整数"),
        ({"start": "2026-09-18", "amount": "十五"}, "amount", "请求参数有误：amount：须为整数。"),
        ({"start": "2026-09-18", "amount": 15, "unit": "weeks"}, "unit", "期限单位须为"),
        (
            {"start": "2026-10-01", "amount": 20, "unit": "minutes"},
            "start",
            "起算时间须包含时刻",
        ),
        (
            {"start": "2026-09-18", "amount": 15, "extension_days": -1},
            "extension_days",
            "延长天数须为 0 到 3650",
        ),
        ({"amount": 15}, "start", "请求参数有误：start：此项为必填项。"),
    ],
)
def test_bad_input_answers_422_with_a_chinese_message(api_client, clerk, params, field, message):
    # when
    response = api_client(clerk).get(DEADLINE_URL, **params)

    # then
    assert response.status_code == 422
    body = response.json()
    assert message in body["message"]
    assert field in body["errors"]


def test_role_without_calendar_capability_is_refused(api_client, auditor):
    # when
    response = api_client(auditor).get(DEADLINE_URL, start="2026-09-18", amount=15)

    # then
    assert response.status_code == 403
    assert response.json() == {"message": "您没有执行此操作的权限。"}


def test_request_without_token_is_refused(client, db):
    # when
    response = client.get(DEADLINE_URL, {"start": "2026-09-18", "amount": 15})

    # then
    assert response.status_code == 401


def test_days_lists_the_year_schedule(api_client, clerk):
    # when
    response = api_client(clerk).get(DAYS_URL, year=2026)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["is_covered"] is True
    assert body["warning"] is None
    national_day = next(day for day in body["days"] if day["date"] == "2026-10-10")
    assert national_day == {
        "date": "2026-10-10",
        "weekday": "星期六",
        "kind": "workday",
        "kind_label": "调休上班",
        "name": "国庆节",
        "source": "package",
    }
    assert len([day for day in body["days"] if day["kind"] == "workday"]) == 6


def test_days_of_a_year_without_data_warn(api_client, clerk):
    # when
    response = api_client(clerk).get(DAYS_URL, year=2027)

    # then
    body = response.json()
    assert body["is_covered"] is False
    assert body["days"] == []
    assert body["warning"].startswith("2027 年的节假日安排尚未录入")


def test_days_refuses_a_year_out_of_range(api_client, clerk):
    # when
    response = api_client(clerk).get(DAYS_URL, year=1800)

    # then
    assert response.status_code == 422
    assert response.json()["errors"] == {"year": "年份超出范围。"}
