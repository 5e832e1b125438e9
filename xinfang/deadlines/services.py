"""Writes: the holiday calendar, stored deadlines and the internal targets of the deadline rules.

A calendar change is audited in its own transaction and, once committed, enqueues the task that
recomputes the open deadlines whose counting window includes a changed day. Deadlines are
computed by `engine.compute_deadline` only; this module stores what it answers.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import Conflict, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.organisation.models import UnitType

from .engine import (
    DAY_UNITS,
    LOCAL_TZ,
    MAX_AMOUNT,
    Calendar,
    DeadlineInputError,
    DeadlineResult,
    Unit,
    compute_deadline,
)
from .models import CalendarDay, CalendarSource, CalendarYear, Deadline, DeadlineRuleSetting
from .notice import ScheduleDay
from .package import package_days, package_years
from .rules import (
    RULE_UNITS,
    RULES,
    RuleDefinition,
    minutes_of,
    period_text,
    working_days_within,
)
from .selectors import calendar_load, deadlines_open_affected_by, unit_type_label
from .signals import deadlines_changed

logger = logging.getLogger(__name__)

MIN_YEAR, MAX_YEAR = 2000, 2100
NAME_MAX_LENGTH = 60
RECOMPUTE_BATCH = 500
AUDIT_MAX_IDS = 1000
RULE_MAX_AMOUNT = 365
RULE_NOTE_MAX_LENGTH = 200


# --- the holiday calendar ---------------------------------------------------------------------


def _validate_day(*, day: Any, kind: str, name: str) -> None:
    errors: dict[str, str] = {}
    if not isinstance(day, date) or isinstance(day, datetime):
        errors["date"] = "请填写日期，格式 YYYY-MM-DD。"
    elif not MIN_YEAR <= day.year <= MAX_YEAR:
        errors["date"] = f"日期须在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间。"
    if kind not in CalendarDay.Kind.values:
        errors["kind"] = "请选择类型：法定节假日或调休上班。"
    elif kind == CalendarDay.Kind.WORKDAY and "date" not in errors and day.weekday() < 5:
        errors["kind"] = "调休上班日须为星期六或星期日；周一至周五本来就是工作日。"
    if not name.strip():
        errors["name"] = "请填写节日名称，例如 国庆节。"
    elif len(name.strip()) > NAME_MAX_LENGTH:
        errors["name"] = f"节日名称不能超过 {NAME_MAX_LENGTH} 个字。"
    if errors:
        raise ValidationFailed("节假日信息有误，请修改后再提交。", errors)


def _validate_year(year: Any) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(f"年份须在 {MIN_YEAR} 至 {MAX_YEAR} 之间。", {"year": "年份超出范围。"})


def _touch_year(year: int, *, source: str = CalendarSource.ADMIN) -> CalendarYear:
    """Bumps the year's revision (creating the row, incomplete, if needed) so caches reload."""
    now = timezone.now()
    row, created = CalendarYear.objects.select_for_update().get_or_create(
        year=year, defaults={"source": source, "updated_at": now, "revision": 1}
    )
    if not created:
        CalendarYear.objects.filter(pk=row.pk).update(revision=F("revision") + 1, updated_at=now)
        row.refresh_from_db()
    return row


def _day_snapshot(row: CalendarDay | None) -> dict[str, str] | None:
    if row is None:
        return None
    return {"kind": row.kind, "name": row.name, "source": row.source}


def _enqueue_recompute(dates: Iterable[date]) -> None:
    days = sorted({day.isoformat() for day in dates})
    if not days:
        return

    def enqueue() -> None:
        from .tasks import recompute_deadlines_task

        recompute_deadlines_task(days)

    transaction.on_commit(enqueue)


@transaction.atomic
def calendar_set_day(
    *,
    actor: Any,
    day: date,
    kind: str,
    name: str,
    request_meta: RequestMeta | None = None,
) -> CalendarDay:
    """Adds or changes one day of the schedule. An admin edit makes the row admin-owned, so a
    later `calendar_sync` from the package never overwrites it."""
    _validate_day(day=day, kind=kind, name=name)
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    old = _day_snapshot(row)
    new = {"kind": kind, "name": name.strip(), "source": CalendarSource.ADMIN.value}
    if row is not None and old == new:
        return row
    _touch_year(day.year)
    row = _write_day(row, day=day, kind=kind, name=name)
    audit_record(
        actor=actor, event=AuditEvent.CALENDAR_CHANGED, target=row, request_meta=request_meta,
        action="set_day", date=day, old=old, new=new,
    )  # fmt: skip
    if old is None or old["kind"] != kind:
        _enqueue_recompute([day])
    return row


@dataclass(frozen=True)
class CalendarBatchReport:
    added: list[date]
    changed: list[date]
    unchanged: list[date]

    @property
    def saved(self) -> int:
        return len(self.added) + len(self.changed)


@transaction.atomic
def calendar_set_days(
    *,
    actor: Any,
    days: Sequence[ScheduleDay],
    batch: str,
    complete_year: int | None = None,
    request_meta: RequestMeta | None = None,
) -> CalendarBatchReport:
    """Saves many days at once (a State Council notice, a date range): all of them or, if any
    day is refused, none. Each changed day is written and audited as `calendar_set_day` writes
    and audits one (`batch` says where the days came from); the changed dates' deadlines are
    recomputed once after commit. `complete_year` also marks that year complete."""
    if batch not in ("notice", "range"):
        raise ValueError(f"unknown calendar batch {batch!r}")
    if not days:
        raise ValidationFailed("没有要保存的日期。", {"days": "没有要保存的日期。"})
    by_date: dict[date, ScheduleDay] = {}
    for entry in days:
        try:
            _validate_day(day=entry.date, kind=entry.kind, name=entry.name)
        except ValidationFailed as error:
            reasons = "；".join(error.extra.values())
            raise ValidationFailed(f"{entry.date:%Y-%m-%d}：{reasons}", {"days": reasons}) from None
        if by_date.get(entry.date, entry) != entry:
            raise ValidationFailed(f"{entry.date:%Y-%m-%d} 出现了两次且内容不同。", {"days": "日期重复。"})
        by_date[entry.date] = entry
    existing = {
        row.date: row for row in CalendarDay.objects.select_for_update().filter(date__in=list(by_date))
    }
    report = CalendarBatchReport(added=[], changed=[], unchanged=[])
    moved: list[date] = []
    for day, entry in sorted(by_date.items()):
        row = existing.get(day)
        old = _day_snapshot(row)
        new = {"kind": entry.kind, "name": entry.name.strip(), "source": CalendarSource.ADMIN.value}
        if old == new:
            report.unchanged.append(day)
            continue
        row = _write_day(row, day=day, kind=entry.kind, name=entry.name)
        audit_record(
            actor=actor, event=AuditEvent.CALENDAR_CHANGED, target=row, request_meta=request_meta,
            action="set_day", batch=batch, date=day, old=old, new=new,
        )  # fmt: skip
        (report.added if old is None else report.changed).append(day)
        if old is None or old["kind"] != entry.kind:
            moved.append(day)
    for year in sorted({day.year for day in [*report.added, *report.changed]}):
        _touch_year(year)
    if complete_year is not None:
        calendar_mark_year_complete(actor=actor, year=complete_year, request_meta=request_meta)
    _enqueue_recompute(moved)
    return report


def _write_day(row: CalendarDay | None, *, day: date, kind: str, name: str) -> CalendarDay:
    """The admin's version of the day: an admin-owned row, never overwritten by a package sync."""
    if row is None:
        row = CalendarDay(date=day)
    row.kind, row.name, row.source = kind, name.strip(), CalendarSource.ADMIN
    row.updated_at = timezone.now()
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def calendar_remove_day(*, actor: Any, day: date, request_meta: RequestMeta | None = None) -> None:
    """Removes one row: the day goes back to the Monday–Friday rule."""
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        raise ValidationFailed(f"{day:%Y-%m-%d} 没有节假日或调休记录。", {"date": "记录不存在。"})
    _touch_year(day.year)
    old = _day_snapshot(row)
    audit_record(
        actor=actor, event=AuditEvent.CALENDAR_CHANGED, target=row, request_meta=request_meta,
        action="remove_day", date=day, old=old, new=None,
    )  # fmt: skip
    row.delete()
    _enqueue_recompute([day])


@transaction.atomic
def calendar_mark_year_complete(
    *,
    actor: Any,
    year: int,
    is_complete: bool = True,
    request_meta: RequestMeta | None = None,
) -> CalendarYear:
    """Marks that `year`'s official schedule is fully entered (or withdraws the mark).

    Only complete years are trusted; for the others the engine uses the fixed-date fallback and
    every result carries a warning. The whole year's deadlines are recomputed either way.
    """
    _validate_year(year)
    existing = CalendarYear.objects.select_for_update().filter(year=year).first()
    if existing is not None and existing.is_complete == is_complete:
        return existing
    if existing is None and not is_complete:
        raise ValidationFailed(f"{year} 年本来就没有标记为完整录入。", {"year": "无需取消。"})
    row = _touch_year(year)
    old_value = row.is_complete
    row.is_complete = is_complete
    row.save(update_fields=["is_complete"])
    audit_record(
        actor=actor, event=AuditEvent.CALENDAR_CHANGED, target=row, request_meta=request_meta,
        action="mark_year", year=year, old={"is_complete": old_value},
        new={"is_complete": is_complete},
    )  # fmt: skip
    _enqueue_recompute([date(year, 1, 1), date(year, 12, 31)])
    return row


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    kept_admin: int = 0
    years_added: list[int] = field(default_factory=list)
    years_left_incomplete: list[int] = field(default_factory=list)
    changed_dates: list[date] = field(default_factory=list)


def _sync_year_rows(report: SyncReport, years: list[int], now: datetime) -> None:
    existing = {row.year: row for row in CalendarYear.objects.select_for_update()}
    for year in years:
        row = existing.get(year)
        if row is None:
            CalendarYear.objects.create(
                year=year, is_complete=True, source=CalendarSource.PACKAGE, updated_at=now,
                revision=1,
            )  # fmt: skip
            report.years_added.append(year)
        elif not row.is_complete:
            # An admin started this year by hand; they confirm it once they have checked it.
            report.years_left_incomplete.append(year)


def _sync_day_rows(report: SyncReport, now: datetime) -> None:
    entries = {entry.date: entry for entry in package_days()}
    years = set(package_years())
    existing = {row.date: row for row in CalendarDay.objects.select_for_update()}
    to_create, to_update = [], []
    for day, entry in entries.items():
        row = existing.get(day)
        if row is None:
            to_create.append(
                CalendarDay(
                    date=day,
                    kind=entry.kind,
                    name=entry.name,
                    source=CalendarSource.PACKAGE,
                    updated_at=now,
                )  # fmt: skip
            )
            report.changed_dates.append(day)
        elif row.source == CalendarSource.ADMIN:
            report.kept_admin += 1
        elif (row.kind, row.name) != (entry.kind, entry.name):
            if row.kind != entry.kind:
                report.changed_dates.append(day)
            row.kind, row.name, row.updated_at = entry.kind, entry.name, now
            to_update.append(row)
    stale = [
        row
        for day, row in existing.items()
        if row.source == CalendarSource.PACKAGE and day.year in years and day not in entries
    ]
    CalendarDay.objects.bulk_create(to_create, batch_size=500)
    CalendarDay.objects.bulk_update(to_update, ["kind", "name", "updated_at"], batch_size=500)
    CalendarDay.objects.filter(pk__in=[row.pk for row in stale]).delete()
    report.changed_dates += [row.date for row in stale]
    report.added, report.updated, report.removed = len(to_create), len(to_update), len(stale)


@transaction.atomic
def calendar_sync_from_package(*, actor: Any, request_meta: RequestMeta | None = None) -> SyncReport:
    """Imports the schedule shipped with `chinesecalendar` (after an upgrade adds a year).

    Adds missing days, corrects package-sourced rows the package now lists differently, removes
    package-sourced rows it no longer lists; admin-entered rows and year marks are never
    overwritten. Audited once, and only when something changed.
    """
    report = SyncReport()
    now = timezone.now()
    _sync_year_rows(report, package_years(), now)
    _sync_day_rows(report, now)
    touched_years = sorted({day.year for day in report.changed_dates})
    for year in touched_years:
        _touch_year(year, source=CalendarSource.PACKAGE)
    if report.changed_dates or report.years_added:
        audit_record(
            actor=actor, event=AuditEvent.CALENDAR_CHANGED, request_meta=request_meta,
            target_type="deadlines.calendaryear", target_label="chinesecalendar",
            action="sync_package", added=report.added, updated=report.updated,
            removed=report.removed, kept_admin=report.kept_admin,
            years_added=report.years_added,
        )  # fmt: skip
        _enqueue_recompute(report.changed_dates)
    return report


# --- stored deadlines -------------------------------------------------------------------------


def _pauses_for_engine(deadline: Deadline) -> list[tuple[Any, Any]]:
    parse = _parse_day if deadline.unit in DAY_UNITS else datetime.fromisoformat
    return [
        (parse(pause["from"]), None if pause.get("to") is None else parse(pause["to"]))
        for pause in deadline.pauses
    ]


def _parse_day(value: str) -> date:
    return date.fromisoformat(value)


def _engine_start(deadline: Deadline) -> date | datetime:
    return deadline.start_date if deadline.unit in DAY_UNITS else deadline.start


def _compute(deadline: Deadline, calendar: Calendar) -> DeadlineResult:
    try:
        return compute_deadline(
            start=_engine_start(deadline),
            amount=deadline.amount,
            unit=deadline.unit,
            calendar=calendar,
            pauses=_pauses_for_engine(deadline),
            extension_days=deadline.extension_days,
            rule=deadline.rule,
        )
    except DeadlineInputError as error:
        raise ValidationFailed(error.message, {error.field: error.message}) from None


def _apply(deadline: Deadline, result: DeadlineResult) -> None:
    """Stores what the engine answered; a new due time makes the clock unflagged again, so the
    sweep tells its owner when that one passes."""
    if result.due_at != deadline.due_at:
        deadline.overdue_flagged_at = None
    deadline.due_date = result.due_date
    deadline.due_at = result.due_at
    deadline.missing_years = list(result.missing_years)
    deadline.calendar_version = result.calendar_version
    deadline.explanation = list(result.explanation)
    deadline.computed_at = timezone.now()


COMPUTED_FIELDS = [
    "due_date",
    "due_at",
    "overdue_flagged_at",
    "missing_years",
    "calendar_version",
    "explanation",
    "computed_at",
]


def _aware_start(start: date | datetime) -> datetime:
    """Day-unit starts given as a date are stored as local midnight; naive times are local."""
    if isinstance(start, datetime):
        return start if timezone.is_aware(start) else start.replace(tzinfo=LOCAL_TZ)
    return datetime.combine(start, time.min, tzinfo=LOCAL_TZ)


def _lock(deadline: Deadline) -> Deadline:
    return Deadline.objects.select_for_update().get(pk=deadline.pk)


def _due_text(deadline: Deadline) -> str | None:
    due = deadline.due
    if due is None:
        return None
    if isinstance(due, datetime):
        return timezone.localtime(due).isoformat()
    return due.isoformat()


def _audit_deadline(
    *, actor: Any, deadline: Deadline, action: str, old_due: str | None, **extra: Any
) -> None:
    audit_record(
        actor=actor, event=AuditEvent.DEADLINE_CHANGED, target=deadline,
        action=action, owner_type=deadline.owner_type, owner_id=deadline.owner_id,
        old={"due": old_due}, new={"due": _due_text(deadline)}, **extra,
    )  # fmt: skip


def deadline_create(
    *,
    owner_type: str,
    owner_id: int,
    rule: str,
    start: date | datetime,
    amount: int,
    unit: str,
    extension_days: int = 0,
    pauses: Sequence[tuple[Any, Any]] = (),
    actor: Any = None,
) -> Deadline:
    """Computes and stores a deadline for a record of another app.

    Not audited on its own: the owning record's creation (登记, 受理 …) is the audited act.
    `start` may be a date for day units (stored as local midnight). One INSERT after the
    computation: it needs no transaction (nor a savepoint inside the caller's) of its own.
    """
    if not owner_type or not rule:
        raise ValidationFailed("期限须注明所属对象和期限规则。")
    aware_start = _aware_start(start)
    start_date = timezone.localtime(aware_start).date() if isinstance(start, datetime) else start
    deadline = Deadline(
        owner_type=owner_type,
        owner_id=owner_id,
        rule=rule,
        start=aware_start,
        start_date=start_date,
        amount=amount,
        unit=unit,
        extension_days=extension_days,
        pauses=[
            {"from": begin.isoformat(), "to": None if end is None else end.isoformat()}
            for begin, end in pauses
        ],
    )
    _apply(deadline, _compute(deadline, calendar_load()))
    deadline.save()
    return deadline


def _today_or_now(deadline: Deadline, at: date | datetime | None) -> date | datetime:
    if deadline.unit in DAY_UNITS:
        if at is None:
            return timezone.localdate()
        return timezone.localtime(at).date() if isinstance(at, datetime) else at
    if at is None:
        return timezone.now()
    if not isinstance(at, datetime):
        raise ValidationFailed("按小时或分钟计算的时限，暂停时间须包含时刻。", {"at": "须为时间。"})
    return at if timezone.is_aware(at) else at.replace(tzinfo=LOCAL_TZ)


@transaction.atomic
def deadline_pause(
    *, deadline: Deadline, actor: Any, at: date | datetime | None = None, reason: str = ""
) -> Deadline:
    """Stops the clock from `at` (default today, or now for hours and minutes).

    For day units the day `at` itself is no longer counted. The due date becomes null until
    `deadline_resume`.
    """
    deadline = _lock(deadline)
    if not deadline.is_open:
        raise Conflict("期限已结束，不能暂停。")
    if deadline.is_paused:
        raise Conflict("期限已处于暂停状态。")
    begin = _today_or_now(deadline, at)
    old_due = _due_text(deadline)
    deadline.pauses = [*deadline.pauses, {"from": begin.isoformat(), "to": None}]
    _apply(deadline, _compute(deadline, calendar_load()))
    deadline.save(update_fields=["pauses", *COMPUTED_FIELDS])
    _audit_deadline(actor=actor, deadline=deadline, action="pause", old_due=old_due, at=begin, reason=reason)
    return deadline


@transaction.atomic
def deadline_resume(*, deadline: Deadline, actor: Any, at: date | datetime | None = None) -> Deadline:
    """Restarts the clock at `at` (default today, or now).

    For day units counting resumes ON the day `at`: the stored pause ends the day before, and a
    pause resumed on the day it began is dropped (no day was lost).
    """
    deadline = _lock(deadline)
    if not deadline.is_paused:
        raise Conflict("期限未处于暂停状态。")
    end = _today_or_now(deadline, at)
    pauses = [dict(pause) for pause in deadline.pauses]
    open_pause = next(pause for pause in pauses if pause.get("to") is None)
    if isinstance(end, datetime):
        if end <= datetime.fromisoformat(open_pause["from"]):
            pauses.remove(open_pause)
        else:
            open_pause["to"] = end.isoformat()
    else:
        last_paused = end - timedelta(days=1)
        if last_paused < date.fromisoformat(open_pause["from"]):
            pauses.remove(open_pause)
        else:
            open_pause["to"] = last_paused.isoformat()
    old_due = _due_text(deadline)
    deadline.pauses = pauses
    _apply(deadline, _compute(deadline, calendar_load()))
    deadline.save(update_fields=["pauses", *COMPUTED_FIELDS])
    _audit_deadline(actor=actor, deadline=deadline, action="resume", old_due=old_due, at=end)
    return deadline


@transaction.atomic
def deadline_extend(*, deadline: Deadline, days: int, actor: Any, reason: str = "") -> Deadline:
    """Adds an approved extension of `days` days (of the deadline's own day unit).

    The limit on how long an extension may be is the owning rule's (e.g. 办理 ≤ 30 日).
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValidationFailed("延长天数须为正整数。", {"days": "须为正整数。"})
    deadline = _lock(deadline)
    if not deadline.is_open:
        raise Conflict("期限已结束，不能延长。")
    if deadline.unit not in DAY_UNITS:
        raise ValidationFailed("按小时或分钟计算的时限不能延长。", {"days": "此时限不能延长。"})
    old_due = _due_text(deadline)
    deadline.extension_days += days
    _apply(deadline, _compute(deadline, calendar_load()))
    deadline.save(update_fields=["extension_days", *COMPUTED_FIELDS])
    _audit_deadline(
        actor=actor, deadline=deadline, action="extend", old_due=old_due, days=days,
        extension_days=deadline.extension_days, reason=reason,
    )  # fmt: skip
    return deadline


def deadline_close(*, deadline: Deadline, actor: Any, at: datetime | None = None) -> Deadline:
    """Stops tracking (the record was answered, closed, withdrawn). Idempotent (one conditional
    UPDATE, which also serialises two closers); not audited on its own, the owning record's
    transition is."""
    closed_at = at or timezone.now()
    if Deadline.objects.filter(pk=deadline.pk, is_open=True).update(is_open=False, closed_at=closed_at):
        deadline.is_open, deadline.closed_at = False, closed_at
    else:
        deadline.refresh_from_db(fields=["is_open", "closed_at"])
    return deadline


def deadline_recompute_affected(*, dates: Iterable[date], actor: Any = None) -> int:
    """Recomputes the open deadlines a change of `dates` may affect; returns how many.

    Ids are read with `.iterator()`; each batch is locked, recomputed and written with
    `bulk_update` in its own transaction, so a long run never holds every row. Writes one
    DEADLINES_RECOMPUTED entry with the count and the ids whose due date changed (the first
    AUDIT_MAX_IDS of them). Idempotent: running it again changes nothing more.
    """
    days = sorted(set(dates))
    calendar = calendar_load()
    ids = deadlines_open_affected_by(days).values_list("pk", flat=True)
    recomputed = 0
    changed: list[int] = []
    batch: list[int] = []
    for pk in ids.iterator(chunk_size=RECOMPUTE_BATCH):
        batch.append(pk)
        if len(batch) >= RECOMPUTE_BATCH:
            recomputed += _recompute_batch(batch, calendar, changed)
            batch = []
    if batch:
        recomputed += _recompute_batch(batch, calendar, changed)
    audit_record(
        actor=actor, event=AuditEvent.DEADLINES_RECOMPUTED, target_type="deadlines.deadline",
        target_label=f"{len(changed)} 项期限变更", dates=[day.isoformat() for day in days],
        recomputed=recomputed, changed=len(changed), changed_ids=changed[:AUDIT_MAX_IDS],
        calendar_version=calendar.version,
    )  # fmt: skip
    logger.info("recomputed %s deadlines, %s changed", recomputed, len(changed))
    return recomputed


@transaction.atomic
def _recompute_batch(ids: list[int], calendar: Calendar, changed: list[int]) -> int:
    rows = list(Deadline.objects.select_for_update().filter(pk__in=ids, is_open=True))
    changed_rows = []
    for deadline in rows:
        old = (deadline.due_date, deadline.due_at)
        _apply(deadline, _compute(deadline, calendar))
        if (deadline.due_date, deadline.due_at) != old:
            changed_rows.append(deadline)
    Deadline.objects.bulk_update(rows, COMPUTED_FIELDS, batch_size=RECOMPUTE_BATCH)
    changed.extend(d.pk for d in changed_rows)
    if changed_rows:
        deadlines_changed.send(sender=Deadline, changed=changed_rows)
    return len(rows)


# --- internal targets of the deadline rules ---------------------------------------------------


def _rule_definition(rule: Any) -> RuleDefinition:
    definition = RULES.get(rule) if isinstance(rule, str) else None
    if definition is None:
        raise ValidationFailed("请选择有效的期限规则。", {"rule": "请选择有效的期限规则。"})
    if not definition.configurable:
        reason = definition.fixed_reason or f"{definition.label}是法定时限，不能修改。"
        raise ValidationFailed(reason, {"rule": reason})
    return definition


def _unit_mismatch(definition: RuleDefinition, unit: str) -> str | None:
    """A day target for a law in hours or minutes (or the reverse) cannot be compared."""
    law_in_days = definition.unit in DAY_UNITS
    if law_in_days == (unit in DAY_UNITS):
        return None
    return f"单位须为{'自然日或工作日' if law_in_days else '小时或分钟'}。"


def _longer_than_law(definition: RuleDefinition, amount: int, unit: str) -> tuple[str, str] | None:
    """(field, message) when the target is longer than the law allows, else None. Like units
    compare: hours with minutes, working days with calendar days (7 days hold 5 working days);
    a day target for a law in hours (or the reverse) is refused."""
    law = definition.text
    if unit == definition.unit:
        if amount > definition.amount:
            return "amount", f"内部时限不能长于法定时限（{law}）。"
        return None
    mismatch = _unit_mismatch(definition, unit)
    if mismatch is not None:
        return "unit", mismatch
    if definition.unit not in DAY_UNITS:
        if minutes_of(amount, unit) > minutes_of(definition.amount, definition.unit):
            return "amount", f"内部时限不能长于法定时限（{law}）。"
        return None
    if unit == Unit.WORKING_DAYS:
        most = working_days_within(definition.amount)
        if amount > most:
            return "amount", f"内部时限不能长于法定时限（{law}，约合 {most} 个工作日）。"
        return None
    return "unit", f"法定时限按工作日计算（{law}），内部时限也须按工作日设置。"


def _validate_rule_setting(*, unit_type: Any, rule: Any, amount: Any, unit: Any, note: str) -> RuleDefinition:
    definition = _rule_definition(rule)
    errors: dict[str, str] = {}
    if not isinstance(unit_type, str) or (unit_type and unit_type not in UnitType.values):
        errors["unit_type"] = "请选择有效的单位类型。"
    most = RULE_MAX_AMOUNT if unit in DAY_UNITS or unit not in RULE_UNITS else MAX_AMOUNT[unit]
    amount_ok = not isinstance(amount, bool) and isinstance(amount, int) and 1 <= amount <= most
    if not amount_ok:
        errors["amount"] = f"时限须为 1 到 {most} 之间的整数。"
    if unit not in RULE_UNITS:
        errors["unit"] = "单位须为自然日、工作日、小时或分钟。"
    elif (mismatch := _unit_mismatch(definition, unit)) is not None:
        errors["unit"] = mismatch
    if amount_ok and "unit" not in errors:
        longer = _longer_than_law(definition, amount, unit)
        if longer is not None:
            errors[longer[0]] = longer[1]
    if len(note) > RULE_NOTE_MAX_LENGTH:
        errors["note"] = f"说明不能超过 {RULE_NOTE_MAX_LENGTH} 个字。"
    if len(errors) == 1:
        raise ValidationFailed(next(iter(errors.values())), errors)
    if errors:
        raise ValidationFailed("期限规则设置有误，请修改后再提交。", errors)
    return definition


def _rule_snapshot(row: DeadlineRuleSetting | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"amount": row.amount, "unit": row.unit, "note": row.note}


def _rule_target_label(definition_label: str, unit_type: str) -> str:
    return f"{unit_type_label(unit_type)} {definition_label}"


@transaction.atomic
def rule_setting_save(
    *,
    actor: Any,
    unit_type: str,
    rule: str,
    amount: int,
    unit: str,
    note: str = "",
    request_meta: RequestMeta | None = None,
) -> DeadlineRuleSetting:
    """Sets the internal target of `rule` for `unit_type` ("" = every unit type).

    The target may only be shorter than the law (or equal to it). It applies to deadlines that
    start after the change; running deadlines keep what they were computed with. Saving the same
    values again changes nothing and is not audited.
    """
    note = (note or "").strip()
    definition = _validate_rule_setting(unit_type=unit_type, rule=rule, amount=amount, unit=unit, note=note)
    row = DeadlineRuleSetting.objects.select_for_update().filter(unit_type=unit_type, rule=rule).first()
    old = _rule_snapshot(row)
    new = {"amount": amount, "unit": unit, "note": note}
    if row is not None and old == new:
        return row
    if row is None:
        row = DeadlineRuleSetting(unit_type=unit_type, rule=rule)
    row.amount, row.unit, row.note = amount, unit, note
    row.updated_by = actor
    row.updated_at = timezone.now()
    row.save()
    audit_record(
        actor=actor, event=AuditEvent.DEADLINE_RULE_CHANGED, target=row, request_meta=request_meta,
        target_label=f"{_rule_target_label(definition.label, unit_type)} {period_text(amount, unit)}",
        action="save", unit_type=unit_type, rule=rule, old=old, new=new,
        law={"amount": definition.amount, "unit": str(definition.unit)},
    )  # fmt: skip
    return row


@transaction.atomic
def rule_setting_clear(
    *,
    actor: Any,
    unit_type: str,
    rule: str,
    request_meta: RequestMeta | None = None,
) -> None:
    """Removes the internal target: `rule` falls back to the installation-wide target (for a unit
    type) or to the law."""
    row = DeadlineRuleSetting.objects.select_for_update().filter(unit_type=unit_type, rule=rule).first()
    if row is None:
        raise ValidationFailed("该单位类型没有设置此期限规则，无需恢复。", {"rule": "没有此项设置。"})
    definition = RULES.get(rule)
    label = definition.label if definition else rule
    audit_record(
        actor=actor, event=AuditEvent.DEADLINE_RULE_CHANGED, target=row, request_meta=request_meta,
        target_label=_rule_target_label(label, unit_type), action="clear", unit_type=unit_type,
        rule=rule, old=_rule_snapshot(row), new=None,
    )  # fmt: skip
    row.delete()
