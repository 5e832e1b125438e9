"""Background jobs and the `calendar_sync` command."""

import logging
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.deadlines.models import CalendarDay
from xinfang.deadlines.services import deadline_create
from xinfang.deadlines.tasks import calendar_check_next_year, recompute_deadlines_task

pytestmark = pytest.mark.django_db


def test_recompute_task_takes_iso_dates_and_records_one_audit_entry():
    # given
    deadline = deadline_create(
        owner_type="petitions.petition", owner_id=1, rule="acceptance",
        start=date(2026, 10, 17), amount=15, unit="calendar_days",
    )  # fmt: skip
    CalendarDay.objects.create(
        date=date(2026, 11, 2), kind="holiday", name="临时假日", updated_at=deadline.computed_at
    )

    # when
    recomputed = recompute_deadlines_task.call_local(["2026-11-02"])

    # then
    deadline.refresh_from_db()
    assert recomputed == 1
    assert deadline.due_date == date(2026, 11, 3)
    assert AuditEntry.objects.filter(event=AuditEvent.DEADLINES_RECOMPUTED).count() == 1


def test_daily_check_warns_in_november_when_next_year_is_missing(monkeypatch, caplog):
    # given: 2026-11-15; the package has no 2027
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: date(2026, 11, 15))

    # when
    with caplog.at_level(logging.WARNING, logger="xinfang.deadlines.tasks"):
        covered = calendar_check_next_year.call_local()

    # then
    assert covered is False
    assert "2027 年的节假日安排尚未录入" in caplog.text


def test_daily_check_is_quiet_before_november(monkeypatch, caplog):
    # given
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: date(2026, 6, 1))

    # when
    with caplog.at_level(logging.WARNING, logger="xinfang.deadlines.tasks"):
        calendar_check_next_year.call_local()

    # then
    assert caplog.text == ""


def test_calendar_sync_command_reports_what_it_added():
    # given
    CalendarDay.objects.filter(date__year=2026, name="国庆节", kind="holiday").delete()
    out = StringIO()

    # when
    call_command("calendar_sync", stdout=out)

    # then
    assert "新增 7 天" in out.getvalue()
    assert CalendarDay.objects.filter(date__year=2026, name="国庆节").count() == 9
    assert AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED).count() == 1
