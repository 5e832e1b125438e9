"""The reporting schedule (报送周期): which routine reports each unit type owes and when, and the
daily report (日报) owed on every day of a sensitive period whose level asks for one.

Defaults (seed 000-1/2/5, 001-5): villages, communities and 管理区 report weekly by Friday 16:00;
townships and streets half-monthly (the 15th and the month's end, 16:00); hospitals, schools and
companies weekly; county departments and petition offices monthly by the 25th. The daily report
is due at 16:30. An administrator (rules.manage) changes any of them per unit type; each change
is audited.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.permissions import ensure_capability
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.deadlines.models import SensitivePeriod
from xinfang.deadlines.periods import CADENCE_LABELS, Cadence, Cutoff, Period, periods_between
from xinfang.deadlines.sensitive import LevelRule, level_rules
from xinfang.organisation.models import UnitType

from .choices import CadenceChoice
from .models import ReportSchedule

CAPABILITY = "rules.manage"
DAILY_TIME = time(16, 30)
T = UnitType

_WEEKLY = Cutoff(Cadence.WEEKLY, time(16, 0), weekday=5)
_HALF = Cutoff(Cadence.HALF_MONTHLY, time(16, 0))
_MONTHLY = Cutoff(Cadence.MONTHLY, time(16, 0), day=25)

DEFAULTS: dict[str, tuple[Cutoff, ...]] = {
    T.VILLAGE: (_WEEKLY,),
    T.COMMUNITY: (_WEEKLY,),
    T.MANAGEMENT_AREA: (_WEEKLY,),
    T.TOWNSHIP: (_HALF,),
    T.STREET: (_HALF,),
    T.HOSPITAL: (_WEEKLY,),
    T.HOSPITAL_SECTION: (),
    T.SCHOOL: (_WEEKLY,),
    T.COMPANY: (_WEEKLY,),
    T.DEPARTMENT: (_MONTHLY,),
    T.PETITION_OFFICE: (_MONTHLY,),
    T.COUNTY: (),
    T.OTHER: (_MONTHLY,),
}
DAILY_DEFAULT = Cutoff(Cadence.DAILY, DAILY_TIME)


@dataclass(frozen=True)
class Schedule:
    """What every unit type owes: its routine cut-offs and its daily cut-off (sensitive periods)."""

    routine: dict[str, tuple[Cutoff, ...]]
    daily: dict[str, Cutoff | None]

    def cutoff(self, unit_type: str, cadence: str) -> Cutoff | None:
        if cadence == Cadence.DAILY:
            return self.daily.get(unit_type, DAILY_DEFAULT)
        return next((c for c in self.routine.get(unit_type, ()) if c.cadence == cadence), None)


def _cutoff(row: ReportSchedule) -> Cutoff:
    return Cutoff(Cadence(row.cadence), row.due_time, weekday=row.weekday, day=row.day)


def schedule_load() -> Schedule:
    """The schedule in force: the defaults, overridden by the saved rows. One query."""
    routine: dict[str, dict[str, Cutoff | None]] = {
        t: {c.cadence: c for c in cutoffs} for t, cutoffs in DEFAULTS.items()
    }
    daily: dict[str, Cutoff | None] = dict.fromkeys(T.values, DAILY_DEFAULT)
    for row in ReportSchedule.objects.all():
        if row.cadence == Cadence.DAILY:
            daily[row.unit_type] = _cutoff(row) if row.active else None
        else:
            routine.setdefault(row.unit_type, {})[row.cadence] = _cutoff(row) if row.active else None
    return Schedule(
        routine={t: tuple(c for c in by.values() if c is not None) for t, by in routine.items()},
        daily=daily,
    )


def daily_days(
    periods: Iterable[SensitivePeriod],
    first: date,
    last: date,
    rules: dict[int, LevelRule] | None = None,
    cutoff: time = DAILY_TIME,
) -> set[date]:
    """The days of [first, last] on which one of `periods` (in force at a unit) asks for a daily
    report (its level's `daily_report`; `rules` as `level_rules()` answers, read once per page).
    A period set after a day's cut-off (`cutoff`, the daily report's time) asks nothing of that
    day: nobody could have reported for a period they did not know of.
    """
    rules = rules if rules is not None else level_rules()
    days: set[date] = set()
    for period in periods:
        rule = rules.get(period.level)
        if rule is None or not rule.daily_report:
            continue
        day, end = max(first, period.starts_on), min(last, period.ends_on)
        while day <= end:
            if period.created_at <= datetime.combine(day, cutoff, tzinfo=LOCAL_TZ):
                days.add(day)
            day = date.fromordinal(day.toordinal() + 1)
    return days


def expected_periods(
    schedule: Schedule, unit_type: str, first: date, last: date, daily: set[date]
) -> list[Period]:
    """The periods of [first, last] a unit of `unit_type` owes a report for: its routine
    cadences, and a daily report on each day of `daily` (its sensitive days)."""
    expected: list[Period] = []
    for cutoff in schedule.routine.get(unit_type, ()):
        expected.extend(periods_between(cutoff, first, last))
    day_cutoff = schedule.daily.get(unit_type, DAILY_DEFAULT)
    if day_cutoff is not None:
        for day in sorted(daily):
            expected.extend(periods_between(day_cutoff, day, day))
    return expected


# --- settings ------------------------------------------------------------------------------------


def schedule_rows() -> list[dict[str, Any]]:
    """Every unit type's cadences as the settings page shows them (defaults included)."""
    current = schedule_load()
    saved = {(r.unit_type, r.cadence): r for r in ReportSchedule.objects.all()}
    rows = []
    for unit_type, label in T.choices:
        for cadence in map(Cadence, CadenceChoice.values):  # the report cadences (no 季报)
            cutoff = current.cutoff(unit_type, cadence)
            row = saved.get((unit_type, cadence))
            rows.append(
                {
                    "unit_type": unit_type,
                    "unit_type_label": label,
                    "cadence": cadence.value,
                    "cadence_label": CADENCE_LABELS[cadence],
                    "active": cutoff is not None,
                    "weekday": (cutoff or _WEEKLY).weekday if cadence == Cadence.WEEKLY else None,
                    "day": (cutoff or _MONTHLY).day if cadence == Cadence.MONTHLY else None,
                    "due_time": f"{(cutoff.at if cutoff else time(16, 0)):%H:%M}",
                    "saved": row is not None,
                }
            )
    return rows


def schedule_save(
    *,
    actor: Any,
    unit_type: str,
    cadence: str,
    active: bool,
    due_time: time,
    weekday: int = 5,
    day: int = 25,
    request_meta: RequestMeta | None = None,
) -> ReportSchedule:
    ensure_capability(actor, CAPABILITY)
    errors: dict[str, str] = {}
    if unit_type not in T.values:
        errors["unit_type"] = "单位类型不存在。"
    if cadence not in CadenceChoice.values:
        errors["cadence"] = "报送周期须为 weekly、half_monthly、monthly 或 daily。"
    if not 1 <= int(weekday) <= 7:
        errors["weekday"] = "截止星期须为 1（星期一）到 7（星期日）。"
    if not 1 <= int(day) <= 31:
        errors["day"] = "截止日须为 1 到 31。"
    if errors:
        raise ValidationFailed("报送周期设置有误：" + "；".join(errors.values()), errors)
    with transaction.atomic():
        row = ReportSchedule.objects.select_for_update().filter(unit_type=unit_type, cadence=cadence).first()
        old = None if row is None else {"active": row.active, "due_time": f"{row.due_time:%H:%M}"}
        if row is None:
            row = ReportSchedule(unit_type=unit_type, cadence=cadence)
        row.active, row.due_time, row.weekday, row.day = bool(active), due_time, int(weekday), int(day)
        row.updated_by, row.updated_at = actor, timezone.now()
        row.save()
        audit_record(
            actor=actor,
            event=AuditEvent.DEADLINE_RULE_CHANGED,
            target=row,
            target_label=f"信息报送周期：{T(unit_type).label}{CADENCE_LABELS[Cadence(cadence)]}",
            request_meta=request_meta,
            old=old,
            new={
                "active": row.active,
                "due_time": f"{row.due_time:%H:%M}",
                "weekday": row.weekday,
                "day": row.day,
            },
        )
    return row
