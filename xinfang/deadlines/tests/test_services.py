"""Calendar and deadline services: audit, recomputation of affected open deadlines, pauses."""

from datetime import date

import pytest

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import Conflict, ValidationFailed
from xinfang.deadlines.engine import end_of_day
from xinfang.deadlines.models import CalendarDay, CalendarYear, Deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.deadlines.services import (
    calendar_mark_year_complete,
    calendar_remove_day,
    calendar_set_day,
    calendar_sync_from_package,
    deadline_close,
    deadline_create,
    deadline_extend,
    deadline_pause,
    deadline_recompute_affected,
    deadline_resume,
)

from .conftest import local

pytestmark = pytest.mark.django_db


def _deadline(start: date, amount: int, unit: str = "calendar_days", **kwargs) -> Deadline:
    return deadline_create(
        owner_type="petitions.petition",
        owner_id=kwargs.pop("owner_id", 1),
        rule=kwargs.pop("rule", "acceptance"),
        start=start,
        amount=amount,
        unit=unit,
        **kwargs,
    )


def _entries(event: AuditEvent) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event=event).order_by("id"))


# --- creating and changing stored deadlines ---------------------------------------------------


def test_deadline_create_stores_due_date_explanation_and_calendar_version():
    # when
    deadline = _deadline(date(2026, 9, 18), 15)

    # then
    deadline.refresh_from_db()
    assert deadline.due_date == date(2026, 10, 8)
    assert deadline.due_at == end_of_day(date(2026, 10, 8))  # the end of the due day, local time
    assert deadline.start_date == date(2026, 9, 18)
    assert deadline.is_open is True
    assert deadline.calendar_version == calendar_load().version
    assert deadline.explanation[-1] == (
        "末日 2026-10-03 为国庆节假日，依照民法典第二百零三条顺延至下一工作日 2026-10-08。"
    )
    assert deadline.missing_years == []


def test_deadline_create_in_minutes_stores_due_time_and_its_local_date():
    # when
    deadline = _deadline(local(2026, 12, 31, 23, 50), 20, unit="minutes", rule="arrival")

    # then
    deadline.refresh_from_db()
    assert deadline.due_at == local(2027, 1, 1, 0, 10)
    assert deadline.due_date == date(2027, 1, 1)
    assert deadline.start_date == date(2026, 12, 31)


def test_deadline_create_refuses_bad_input_and_writes_nothing():
    # when
    with pytest.raises(ValidationFailed, match="期限数值须为 1 到 3650") as caught:
        _deadline(date(2026, 9, 18), 0)

    # then
    assert caught.value.extra == {"amount": caught.value.message}
    assert Deadline.objects.count() == 0


def test_deadline_extend_adds_days_and_audits_old_and_new_due(sysadmin):
    # given: 办理 60 days from 1/5 = 3/6
    deadline = _deadline(date(2026, 1, 5), 60, rule="handling")
    assert deadline.due_date == date(2026, 3, 6)

    # when
    deadline = deadline_extend(deadline=deadline, days=30, actor=sysadmin, reason="案情复杂")

    # then: 1/5 + 90 = 4/5 (清明节) → 4/7
    assert deadline.extension_days == 30
    assert deadline.due_date == date(2026, 4, 7)
    [entry] = _entries(AuditEvent.DEADLINE_CHANGED)
    assert entry.extra_data["action"] == "extend"
    assert entry.extra_data["old"] == {"due": "2026-03-06"}
    assert entry.extra_data["new"] == {"due": "2026-04-07"}
    assert entry.actor == sysadmin


def test_closed_deadline_cannot_be_extended_and_nothing_changes(sysadmin):
    # given
    deadline = deadline_close(deadline=_deadline(date(2026, 1, 5), 60), actor=None)

    # when
    with pytest.raises(Conflict, match="期限已结束"):
        deadline_extend(deadline=deadline, days=30, actor=sysadmin)

    # then
    deadline.refresh_from_db()
    assert deadline.extension_days == 0
    assert deadline.due_date == date(2026, 3, 6)
    assert _entries(AuditEvent.DEADLINE_CHANGED) == []


def test_deadline_close_is_idempotent():
    # given
    deadline = _deadline(date(2026, 1, 5), 60)

    # when
    first = deadline_close(deadline=deadline, actor=None)
    closed_at = first.closed_at
    second = deadline_close(deadline=deadline, actor=None)

    # then
    assert second.is_open is False
    assert second.closed_at == closed_at


def test_pause_then_resume_extends_the_due_date_by_the_paused_days(clerk):
    # given: Monday 3/2 + 10 = 3/12
    deadline = _deadline(date(2026, 3, 2), 10)

    # when: the clock stops on 3/4 and restarts on 3/7 (3/4–3/6 are lost)
    paused = deadline_pause(deadline=deadline, actor=clerk, at=date(2026, 3, 4), reason="补充材料")
    resumed = deadline_resume(deadline=deadline, actor=clerk, at=date(2026, 3, 7))

    # then
    assert paused.due_date is None
    assert paused.is_paused is True
    assert resumed.pauses == [{"from": "2026-03-04", "to": "2026-03-06"}]
    assert resumed.due_date == date(2026, 3, 16)  # 3/15 is a Sunday
    assert [entry.extra_data["action"] for entry in _entries(AuditEvent.DEADLINE_CHANGED)] == [
        "pause",
        "resume",
    ]


def test_resume_on_the_day_of_the_pause_loses_no_day(clerk):
    # given
    deadline = _deadline(date(2026, 3, 2), 10)
    deadline_pause(deadline=deadline, actor=clerk, at=date(2026, 3, 4))

    # when
    resumed = deadline_resume(deadline=deadline, actor=clerk, at=date(2026, 3, 4))

    # then
    assert resumed.pauses == []
    assert resumed.due_date == date(2026, 3, 12)


def test_pause_and_resume_of_minutes_stop_the_clock(clerk):
    # given: 1 hour from 09:00
    deadline = _deadline(local(2026, 10, 1, 9, 0), 1, unit="hours", rule="report")

    # when
    deadline_pause(deadline=deadline, actor=clerk, at=local(2026, 10, 1, 9, 30))
    resumed = deadline_resume(deadline=deadline, actor=clerk, at=local(2026, 10, 1, 9, 45))

    # then
    assert resumed.due_at == local(2026, 10, 1, 10, 15)


def test_pausing_twice_is_refused(clerk):
    # given
    deadline = _deadline(date(2026, 3, 2), 10)
    deadline_pause(deadline=deadline, actor=clerk, at=date(2026, 3, 4))

    # when / then
    with pytest.raises(Conflict, match="已处于暂停状态"):
        deadline_pause(deadline=deadline, actor=clerk, at=date(2026, 3, 5))
    assert len(_entries(AuditEvent.DEADLINE_CHANGED)) == 1


def test_resume_without_pause_is_refused(clerk):
    # given
    deadline = _deadline(date(2026, 3, 2), 10)

    # when / then
    with pytest.raises(Conflict, match="未处于暂停状态"):
        deadline_resume(deadline=deadline, actor=clerk)


# --- calendar changes -------------------------------------------------------------------------


def test_set_day_recomputes_only_affected_open_deadlines(sysadmin, django_capture_on_commit_callbacks):
    # given: a declared extra holiday on Monday 2026-11-02
    affected = _deadline(date(2026, 10, 17), 15, owner_id=1)  # 11/1 Sunday → 11/2
    working = _deadline(date(2026, 10, 26), 10, unit="working_days", owner_id=2)  # → 11/9
    before = _deadline(date(2026, 10, 1), 10, owner_id=3)  # → 10/12, before the change
    closed = deadline_close(deadline=_deadline(date(2026, 10, 17), 15, owner_id=4), actor=None)
    minutes = _deadline(local(2026, 11, 2, 9, 0), 20, unit="minutes", owner_id=5)
    paused = _deadline(date(2026, 10, 20), 30, owner_id=6)
    deadline_pause(deadline=paused, actor=None, at=date(2026, 10, 25))

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        calendar_set_day(actor=sysadmin, day=date(2026, 11, 2), kind="holiday", name="临时假日")

    # then
    assert len(callbacks) == 1
    for row in (affected, working, before, closed, minutes, paused):
        row.refresh_from_db()
    assert affected.due_date == date(2026, 11, 3)
    assert working.due_date == date(2026, 11, 10)
    assert before.due_date == date(2026, 10, 12)
    assert closed.due_date == date(2026, 11, 2)
    assert minutes.due_at == local(2026, 11, 2, 9, 20)
    assert paused.due_date is None
    assert "末日 2026-11-01 为星期日休息日" in affected.explanation[-2]
    assert affected.explanation[-1] == "其间 2026-11-02 为临时假日，亦不是工作日。"
    [change] = _entries(AuditEvent.CALENDAR_CHANGED)
    assert change.actor == sysadmin
    assert change.extra_data["old"] is None
    assert change.extra_data["new"] == {"kind": "holiday", "name": "临时假日", "source": "admin"}
    [recomputed] = _entries(AuditEvent.DEADLINES_RECOMPUTED)
    assert recomputed.actor is None
    assert recomputed.extra_data["recomputed"] == 2
    assert recomputed.extra_data["changed"] == 2
    assert sorted(recomputed.extra_data["changed_ids"]) == sorted([affected.pk, working.pk])


def test_set_day_refuses_a_working_weekday_and_writes_nothing(sysadmin, django_capture_on_commit_callbacks):
    # given
    days_before = CalendarDay.objects.count()

    # when
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationFailed) as caught,
    ):
        calendar_set_day(actor=sysadmin, day=date(2026, 11, 4), kind="workday", name="调休")

    # then
    assert caught.value.extra == {"kind": "调休上班日须为星期六或星期日；周一至周五本来就是工作日。"}
    assert callbacks == []
    assert CalendarDay.objects.count() == days_before
    assert _entries(AuditEvent.CALENDAR_CHANGED) == []


@pytest.mark.parametrize(
    ("kind", "name", "field"),
    [("holiday", "  ", "name"), ("weekend", "国庆节", "kind"), ("holiday", "节" * 61, "name")],
)
def test_set_day_refuses_bad_input(sysadmin, kind, name, field):
    # when
    with pytest.raises(ValidationFailed, match="节假日信息有误") as caught:
        calendar_set_day(actor=sysadmin, day=date(2026, 11, 2), kind=kind, name=name)

    # then
    assert field in caught.value.extra
    assert not CalendarDay.objects.filter(date=date(2026, 11, 2)).exists()


def test_renaming_a_day_is_audited_but_recomputes_nothing(sysadmin, django_capture_on_commit_callbacks):
    # given
    row = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert (row.source, row.name) == ("package", "国庆节")

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        calendar_set_day(actor=sysadmin, day=date(2026, 10, 1), kind="holiday", name="国庆节 ")

    # then: the row became admin-owned; the kind did not change
    row.refresh_from_db()
    assert row.source == "admin"
    assert callbacks == []
    [change] = _entries(AuditEvent.CALENDAR_CHANGED)
    assert change.extra_data["old"] == {"kind": "holiday", "name": "国庆节", "source": "package"}


def test_saving_an_unchanged_admin_day_writes_nothing(sysadmin):
    # given
    calendar_set_day(actor=sysadmin, day=date(2026, 11, 2), kind="holiday", name="临时假日")

    # when
    calendar_set_day(actor=sysadmin, day=date(2026, 11, 2), kind="holiday", name="临时假日")

    # then
    assert len(_entries(AuditEvent.CALENDAR_CHANGED)) == 1


def test_removing_the_working_saturday_moves_working_day_deadlines(
    sysadmin, django_capture_on_commit_callbacks
):
    # given: Thursday 9/24 + 6 working days = 10/10, the working Saturday
    deadline = _deadline(date(2026, 9, 24), 6, unit="working_days")
    assert deadline.due_date == date(2026, 10, 10)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        calendar_remove_day(actor=sysadmin, day=date(2026, 10, 10))

    # then
    deadline.refresh_from_db()
    assert deadline.due_date == date(2026, 10, 12)
    assert not CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()
    [change] = _entries(AuditEvent.CALENDAR_CHANGED)
    assert change.extra_data["action"] == "remove_day"
    assert change.extra_data["old"]["kind"] == "workday"
    assert change.extra_data["new"] is None


def test_removing_a_missing_day_is_refused(sysadmin):
    # when / then
    with pytest.raises(ValidationFailed, match="2026-11-04 没有节假日或调休记录"):
        calendar_remove_day(actor=sysadmin, day=date(2026, 11, 4))
    assert _entries(AuditEvent.CALENDAR_CHANGED) == []


def test_marking_a_year_complete_drops_the_warning_from_its_deadlines(
    sysadmin, django_capture_on_commit_callbacks
):
    # given: a period ending in 2027, computed with the fallback
    deadline = _deadline(date(2026, 12, 20), 30)
    assert deadline.missing_years == [2027]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        calendar_mark_year_complete(actor=sysadmin, year=2027)

    # then
    deadline.refresh_from_db()
    assert deadline.missing_years == []
    assert CalendarYear.objects.get(year=2027).is_complete is True
    assert 2027 in calendar_load().covered_years
    [change] = _entries(AuditEvent.CALENDAR_CHANGED)
    assert change.extra_data["old"] == {"is_complete": False}
    assert change.extra_data["new"] == {"is_complete": True}
    [recomputed] = _entries(AuditEvent.DEADLINES_RECOMPUTED)
    assert recomputed.extra_data["recomputed"] == 1
    assert recomputed.extra_data["changed"] == 0


def test_recompute_is_idempotent():
    # given
    deadline = _deadline(date(2026, 10, 17), 15)
    CalendarDay.objects.create(
        date=date(2026, 11, 2), kind="holiday", name="临时假日", updated_at=deadline.computed_at
    )
    CalendarYear.objects.filter(year=2026).update(revision=99)

    # when
    first = deadline_recompute_affected(dates=[date(2026, 11, 2)])
    second = deadline_recompute_affected(dates=[date(2026, 11, 2)])

    # then
    assert (first, second) == (1, 1)
    first_entry, second_entry = _entries(AuditEvent.DEADLINES_RECOMPUTED)
    assert first_entry.extra_data["changed_ids"] == [deadline.pk]
    assert second_entry.extra_data["changed_ids"] == []


# --- the in-process calendar cache ------------------------------------------------------------


def test_calendar_load_costs_one_query_when_nothing_changed(django_assert_num_queries):
    # given
    calendar_load()

    # when / then
    with django_assert_num_queries(1):
        calendar_load()


def test_calendar_load_sees_a_change_made_elsewhere():
    # given: another process adds a holiday and bumps the year's revision
    before = calendar_load()
    CalendarDay.objects.create(
        date=date(2026, 11, 2), kind="holiday", name="临时假日", updated_at=local(2026, 1, 1)
    )
    CalendarYear.objects.filter(year=2026).update(revision=7)

    # when
    after = calendar_load()

    # then
    assert date(2026, 11, 2) in after.holidays
    assert after.version != before.version


def test_seeded_calendar_covers_2004_to_2026():
    # when
    calendar = calendar_load()

    # then
    assert min(calendar.covered_years) == 2004
    assert max(calendar.covered_years) == 2026
    assert calendar.holiday_name(date(2026, 9, 25)) == "中秋节"
    assert calendar.holiday_name(date(2026, 10, 10)) == "国庆节"
    assert date(2026, 10, 10) in calendar.workdays


# --- import from the package ------------------------------------------------------------------


def test_sync_restores_package_rows_and_keeps_admin_rows(sysadmin, django_capture_on_commit_callbacks):
    # given: a package row lost, a package row edited by an admin
    CalendarDay.objects.filter(date=date(2026, 10, 7)).delete()
    with django_capture_on_commit_callbacks(execute=True):
        calendar_set_day(actor=sysadmin, day=date(2026, 10, 1), kind="holiday", name="国庆")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        report = calendar_sync_from_package(actor=None)

    # then
    assert report.added == 1
    assert report.updated == 0
    assert report.kept_admin == 1
    assert CalendarDay.objects.get(date=date(2026, 10, 7)).source == "package"
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆"
    sync_entry = _entries(AuditEvent.CALENDAR_CHANGED)[-1]
    assert sync_entry.extra_data["action"] == "sync_package"
    assert sync_entry.extra_data["added"] == 1


def test_sync_without_changes_writes_nothing():
    # when
    report = calendar_sync_from_package(actor=None)

    # then
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    assert _entries(AuditEvent.CALENDAR_CHANGED) == []


def test_marking_an_already_complete_year_writes_nothing(sysadmin, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        row = calendar_mark_year_complete(actor=sysadmin, year=2026)

    # then
    assert row.is_complete is True
    assert callbacks == []
    assert _entries(AuditEvent.CALENDAR_CHANGED) == []


def test_withdrawing_the_mark_brings_back_the_warning(sysadmin, django_capture_on_commit_callbacks):
    # given
    deadline = _deadline(date(2026, 12, 1), 10)
    assert deadline.missing_years == []

    # when
    with django_capture_on_commit_callbacks(execute=True):
        calendar_mark_year_complete(actor=sysadmin, year=2026, is_complete=False)

    # then
    deadline.refresh_from_db()
    assert deadline.missing_years == [2026]
    assert deadline.due_date == date(2026, 12, 11)


def test_withdrawing_the_mark_of_an_unknown_year_is_refused(sysadmin):
    # when / then
    with pytest.raises(ValidationFailed, match="2031 年本来就没有标记为完整录入"):
        calendar_mark_year_complete(actor=sysadmin, year=2031, is_complete=False)
    assert not CalendarYear.objects.filter(year=2031).exists()
