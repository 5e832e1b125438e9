"""Pages: the 期限计算器 and the holiday table."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.deadlines.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

CALCULATOR_URL = reverse("deadlines:calculator")
HOLIDAYS_URL = reverse("deadlines:holidays")

NO_DATA_BANNER = (
    "2027 年的节假日安排尚未录入，系统按周一至周五及元旦、劳动节、国庆节固定日期推算期限，"
    "请在国务院公布后及时录入。"
)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def sysadmin_client(client, sysadmin):
    client.force_login(sysadmin)
    return client


# --- the calculator ---------------------------------------------------------------------------


def test_calculator_page_opens_for_a_clerk(clerk_client):
    # when
    response = clerk_client.get(CALCULATOR_URL)

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "期限计算器" in page
    assert 'hx-get="/calendar/"' in page


def test_calculator_without_htmx_renders_the_result_in_the_page(clerk_client):
    # when
    response = clerk_client.get(
        CALCULATOR_URL, {"start_date": "2026-09-18", "amount": "15", "unit": "calendar_days"}
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" in page
    assert "2026-10-08" in page
    assert "末日 2026-10-03 为国庆节假日" in page


def test_calculator_with_htmx_answers_the_result_partial(clerk_client):
    # when
    response = clerk_client.get(
        CALCULATOR_URL,
        {"start_date": "2026-09-24", "amount": "6", "unit": "working_days"},
        HTTP_HX_REQUEST="true",
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert 'data-testid="deadline-result"' in page
    assert "2026-10-10" in page
    assert "调休上班日 2026-10-10 按工作日计入。" in page


def test_calculator_shows_a_yellow_warning_for_a_year_without_data(clerk_client):
    # when
    response = clerk_client.get(
        CALCULATOR_URL,
        {"start_date": "2026-12-20", "amount": "30", "unit": "calendar_days"},
        HTTP_HX_REQUEST="true",
    )

    # then
    page = response.content.decode()
    assert 'class="alert alert-warning' in page
    assert "2027 年节假日数据缺失，按周一至周五及固定日期节日推算，结果仅供参考。" in page


def test_calculator_minutes_need_a_time(clerk_client):
    # when
    response = clerk_client.get(
        CALCULATOR_URL,
        {"start_date": "2026-10-01", "amount": "20", "unit": "minutes"},
        HTTP_HX_REQUEST="true",
    )

    # then
    page = response.content.decode()
    assert "起算时刻：按小时或分钟计算时，请填写起算时刻。" in page


def test_calculator_minutes_with_time(clerk_client):
    # when
    response = clerk_client.get(
        CALCULATOR_URL,
        {"start_date": "2026-10-01", "start_time": "09:00", "amount": "1", "unit": "hours"},
        HTTP_HX_REQUEST="true",
    )

    # then
    assert "2026-10-01 10:00" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "2026-02-30", "amount": "15"}, "起算日期：日期格式应为 YYYY-MM-DD。"),
        ({"start_date": "2026-09-18", "amount": "0"}, "期限：期限须为正整数。"),
        ({"start_date": "2026-09-18", "amount": "9999"}, "期限：期限数值须为 1 到 3650"),
        ({"start_date": "2026-09-18", "amount": "abc"}, "期限：期限须为整数。"),
        ({"amount": "15"}, "起算日期：请填写起算日期。"),
    ],
)
def test_calculator_shows_chinese_errors(clerk_client, params, message):
    # when
    response = clerk_client.get(CALCULATOR_URL, {"unit": "calendar_days", **params}, HTTP_HX_REQUEST="true")

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "输入有误" in page
    assert message in page


def test_calculator_sends_anonymous_users_to_login(client):
    # when
    response = client.get(CALCULATOR_URL)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the holiday table ------------------------------------------------------------------------


def test_holiday_table_opens_for_the_system_administrator(sysadmin_client):
    # when
    response = sysadmin_client.get(HOLIDAYS_URL, {"year": "2026"})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-testid="calendar-row"') == CalendarDay.objects.filter(date__year=2026).count()
    assert "2026-09-20" in page
    assert "星期日" in page
    assert "调休上班" in page
    assert "随系统发布" in page
    assert 'data-testid="year-warning"' not in page


def test_holiday_table_is_refused_to_a_clerk(clerk_client):
    # when
    response = clerk_client.get(HOLIDAYS_URL)

    # then
    assert response.status_code == 403


def test_clerk_cannot_change_the_holiday_table(clerk_client):
    # when
    response = clerk_client.post(
        reverse("deadlines:holiday_save"),
        {"year": "2026", "date": "2026-11-02", "kind": "holiday", "name": "临时假日"},
    )

    # then
    assert response.status_code == 403
    assert not CalendarDay.objects.filter(date=date(2026, 11, 2)).exists()
    assert not AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED).exists()


def test_year_without_data_shows_the_yellow_banner(sysadmin_client):
    # when
    response = sysadmin_client.get(HOLIDAYS_URL, {"year": "2027"})

    # then
    page = response.content.decode()
    assert NO_DATA_BANNER in page
    assert "标记 2027 年已完整录入" in page


def test_adding_a_day_saves_audits_and_returns_to_the_year(sysadmin_client, sysadmin):
    # when
    response = sysadmin_client.post(
        reverse("deadlines:holiday_save"),
        {"year": "2027", "date": "2027-10-01", "kind": "holiday", "name": "国庆节"},
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{HOLIDAYS_URL}?year=2027"
    row = CalendarDay.objects.get(date=date(2027, 10, 1))
    assert (row.kind, row.name, row.source) == ("holiday", "国庆节", "admin")
    entry = AuditEntry.objects.get(event=AuditEvent.CALENDAR_CHANGED)
    assert entry.actor == sysadmin
    assert entry.ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"date": "2027-10-04", "kind": "workday", "name": "国庆节"},
            "调休上班日须为星期六或星期日",
        ),
        ({"date": "2027-10-01", "kind": "holiday", "name": ""}, "请填写节日名称。"),
        ({"date": "2027-13-01", "kind": "holiday", "name": "国庆节"}, "日期格式应为 YYYY-MM-DD。"),
    ],
)
def test_bad_day_shows_chinese_errors_and_writes_nothing(sysadmin_client, data, message):
    # given
    rows_before = CalendarDay.objects.count()

    # when
    response = sysadmin_client.post(reverse("deadlines:holiday_save"), {"year": "2027", **data})

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert CalendarDay.objects.count() == rows_before
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED).exists()


def test_edit_link_fills_the_form_with_the_row(sysadmin_client):
    # when
    response = sysadmin_client.get(HOLIDAYS_URL, {"year": "2026", "edit": "2026-10-10"})

    # then
    page = response.content.decode()
    assert 'value="2026-10-10"' in page
    assert '<option value="workday" selected>' in page


def test_removing_a_day(sysadmin_client):
    # when
    response = sysadmin_client.post(
        reverse("deadlines:holiday_remove"), {"year": "2026", "date": "2026-10-10"}
    )

    # then
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()
    assert AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED).count() == 1


def test_marking_a_year_complete_removes_the_banner(sysadmin_client):
    # when
    response = sysadmin_client.post(
        reverse("deadlines:holiday_year_mark"), {"year": "2027", "is_complete": "1"}
    )

    # then
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).is_complete is True
    page = sysadmin_client.get(HOLIDAYS_URL, {"year": "2027"}).content.decode()
    assert NO_DATA_BANNER not in page


def test_holiday_forms_require_a_csrf_token(sysadmin):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(sysadmin)

    # when
    response = client.post(reverse("deadlines:holiday_remove"), {"year": "2026", "date": "2026-10-10"})

    # then
    assert response.status_code == 403
    assert CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()
