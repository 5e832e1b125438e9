"""Entering a year's holidays at once (issue 17): the system administrator pastes the State
Council's notice (or a date range), previews the days, and saves them in one transaction through
the calendar service, audited day by day, so that the deadline engine sees them."""

from datetime import date

import pytest
from django.urls import reverse

from xinfang.audit.details import readable_entries
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import ValidationFailed
from xinfang.deadlines.models import CalendarDay, CalendarYear
from xinfang.deadlines.notice import ScheduleDay
from xinfang.deadlines.services import calendar_set_day, calendar_set_days, deadline_create

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("deadlines:holiday_import")
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""
HOLIDAYS, WORKDAYS = 29, 5


@pytest.fixture
def sysadmin_client(client, sysadmin):
    client.force_login(sysadmin)
    return client


def _calendar_entries() -> int:
    return AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED).count()


def _notice(action: str, text: str = NOTICE_2027, **extra: str) -> dict[str, str]:
    return {"mode": "notice", "action": action, "year": "2027", "text": text, **extra}


def test_the_holiday_table_links_to_the_import(sysadmin_client):
    body = sysadmin_client.get(reverse("deadlines:holidays"), {"year": "2027"}).content.decode()
    assert f"{IMPORT_URL}?year=2027" in body


def test_the_preview_lists_every_day_as_holiday_or_workday_and_saves_nothing(sysadmin_client):
    # given
    entries_before = _calendar_entries()
    # when
    response = sysadmin_client.post(IMPORT_URL, _notice("preview"))
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="preview-row"') == HOLIDAYS + WORKDAYS
    assert f"放假</span> {HOLIDAYS} 天" in body
    assert f"上班</span> {WORKDAYS} 天" in body
    assert "2027-02-20" in body
    assert "星期六" in body
    assert "国庆节" in body
    assert f"确认保存这 {HOLIDAYS + WORKDAYS} 天" in body
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert _calendar_entries() == entries_before


def test_saving_writes_every_day_audits_each_and_marks_the_year_complete(sysadmin_client, sysadmin):
    # when
    response = sysadmin_client.post(IMPORT_URL, _notice("save", complete="on"), follow=True)
    # then
    assert response.redirect_chain[-1][0] == f"{reverse('deadlines:holidays')}?year=2027"
    assert f"已保存 {HOLIDAYS + WORKDAYS} 天：新增 {HOLIDAYS + WORKDAYS} 天" in response.content.decode()
    rows = CalendarDay.objects.filter(date__year=2027)
    assert rows.filter(kind="holiday").count() == HOLIDAYS
    assert set(rows.filter(kind="workday").values_list("date", flat=True)) == {
        date(2027, 2, 20),
        date(2027, 4, 25),
        date(2027, 5, 8),
        date(2027, 9, 26),
        date(2027, 10, 9),
    }
    assert set(rows.values_list("source", flat=True)) == {"admin"}
    assert rows.get(date=date(2027, 2, 5)).name == "春节"
    assert CalendarYear.objects.get(year=2027).is_complete
    days = AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED, extra_data__action="set_day")
    assert days.count() == HOLIDAYS + WORKDAYS
    assert {entry.extra_data["batch"] for entry in days} == {"notice"}
    assert {entry.actor_id for entry in days} == {sysadmin.pk}
    assert (
        AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED, extra_data__action="mark_year").count()
        == 1
    )


def test_the_deadline_engine_counts_with_the_saved_days(sysadmin_client, django_capture_on_commit_callbacks):
    # given: five working days from 2027-09-28, counted before the notice is in
    clock = deadline_create(
        owner_type="petitions.petition",
        owner_id=1,
        rule="acceptance",
        start=date(2027, 9, 28),
        amount=5,
        unit="working_days",
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        sysadmin_client.post(IMPORT_URL, _notice("save", complete="on"))
    # then: 9/29, 9/30, then the National Day week off, 10/8, the working Saturday 10/9, 10/11
    clock.refresh_from_db()
    assert clock.due_date == date(2027, 10, 11)
    assert clock.missing_years == []


def test_saving_the_same_notice_again_changes_and_audits_nothing(sysadmin_client):
    # given
    sysadmin_client.post(IMPORT_URL, _notice("save", complete="on"))
    entries_before = _calendar_entries()
    # when
    response = sysadmin_client.post(IMPORT_URL, _notice("save", complete="on"), follow=True)
    # then
    assert f"新增 0 天，修改 0 天，不变 {HOLIDAYS + WORKDAYS} 天" in response.content.decode()
    assert _calendar_entries() == entries_before


def test_the_preview_compares_with_the_rows_already_there(sysadmin_client, sysadmin):
    # given
    calendar_set_day(actor=sysadmin, day=date(2027, 10, 1), kind="holiday", name="国庆")
    calendar_set_day(actor=sysadmin, day=date(2027, 12, 31), kind="holiday", name="单位自定")
    # when
    body = sysadmin_client.post(IMPORT_URL, _notice("preview")).content.decode()
    # then
    assert "修改（原为法定节假日 国庆）" in body
    assert "新增" in body
    assert "12月31日 法定节假日 单位自定" in body


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("请见附件。", "未识别出任何节日安排"),
        (
            NOTICE_2027.replace("1月1日（周五）", "1月1日（周四）"),
            "2027年1月1日是星期五，与通知所写“1月1日（周四）”不符",
        ),
        (NOTICE_2027.replace("共9天", "共8天"), "与通知所写的“共8天”不符"),
        (NOTICE_2027.replace("2027年", "2026年"), "通知正文写的是 2026 年，与所选的 2027 年不一致"),
        ("元旦：" + "1月1日" * 1300, "通知文本不能超过 5000 个字"),
    ],
)
@pytest.mark.parametrize("action", ["preview", "save"])
def test_a_notice_that_does_not_read_answers_in_chinese_and_saves_nothing(
    sysadmin_client, text, message, action
):
    # when
    response = sysadmin_client.post(IMPORT_URL, _notice(action, text=text))
    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED).exists()


def test_a_date_range_is_the_fallback(sysadmin_client):
    # given
    data = {"mode": "range", "start": "2027-10-01", "end": "2027-10-07", "kind": "holiday", "name": "国庆节"}
    # when
    preview = sysadmin_client.post(IMPORT_URL, {**data, "action": "preview"})
    saved = sysadmin_client.post(IMPORT_URL, {**data, "action": "save"})
    # then
    assert preview.content.decode().count('data-testid="preview-row"') == 7
    assert saved.status_code == 302
    assert (
        CalendarDay.objects.filter(date__range=(date(2027, 10, 1), date(2027, 10, 7)), kind="holiday").count()
        == 7
    )
    assert not CalendarYear.objects.get(year=2027).is_complete
    batches = AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED).values_list(
        "extra_data__batch", flat=True
    )
    assert set(batches) == {"range"}


def test_a_workday_range_on_weekdays_is_refused_in_chinese(sysadmin_client):
    data = {"mode": "range", "action": "save", "start": "2027-10-08", "end": "2027-10-09", "kind": "workday"}
    response = sysadmin_client.post(IMPORT_URL, {**data, "name": "国庆节"})
    assert response.status_code == 200
    assert "调休上班日须为星期六或星期日；10月8日是周一至周五" in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_a_clerk_may_neither_open_nor_post_the_import(client, clerk):
    # given
    client.force_login(clerk)
    # when
    opened = client.get(IMPORT_URL)
    posted = client.post(IMPORT_URL, _notice("save", complete="on"))
    # then
    assert (opened.status_code, posted.status_code) == (403, 403)
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_the_service_saves_all_days_or_none(sysadmin):
    # given: the last day is a weekday marked as a workday
    days = [
        ScheduleDay(date(2027, 10, 1), "holiday", "国庆节"),
        ScheduleDay(date(2027, 10, 8), "workday", "国庆节"),
    ]
    # when / then
    with pytest.raises(ValidationFailed, match="2027-10-08：调休上班日须为星期六或星期日"):
        calendar_set_days(actor=sysadmin, days=days, batch="range")
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED).exists()


def test_the_audit_log_reads_each_saved_day_as_text(sysadmin_client):
    # given
    sysadmin_client.post(IMPORT_URL, _notice("save", complete="on"))
    # when
    entry = AuditEntry.objects.get(event=AuditEvent.CALENDAR_CHANGED, extra_data__date="2027-02-20")
    # then
    assert readable_entries([entry])[0].text == (
        "操作：设置一天；类型：调休上班；名称：春节；来源：管理员录入；日期：2027-02-20；批量来源：国务院通知文本"
    )
