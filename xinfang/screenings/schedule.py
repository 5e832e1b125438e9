"""The screening schedule (排查周期): what each unit type owes, and the rounds a unit is expected
to file in a stretch of days (regular, quarterly, key and special).

Defaults (domain.md §8, seeds 001 and 003): villages, communities and 管理区 screen weekly (by
Friday 16:00); townships and streets fortnightly, i.e. half-monthly (the 15th and the month's
end, 16:00); hospitals, schools, companies, departments, petition offices and other units
monthly on the 24th (16:00); townships, streets and those units also hold the quarterly 三个排查
(disputes; disorderly areas and public-security problems; safety and fire hazards) by the 25th of
the quarter's last month. Every unit type that screens owes a key screening (重点排查) in each
sensitive period in force at it: due 16:00 on the period's first day, or the day after the period
was set when it was set on or after that day (`deadlines.periods.one_off_due`). An administrator
(rules.manage) changes any of them per unit type; each change is audited.

A special screening (专项排查) is no setting: the office that opens it names its units and its
due day (`services.special_open`).
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
from xinfang.deadlines.periods import Cadence, Cutoff, Period, one_off_due, period_of, periods_between
from xinfang.organisation.models import UnitType

from .choices import SCHEDULED_KINDS, RegularCadence, ScreeningKind
from .models import ScreeningSchedule, SpecialScreening

CAPABILITY = "rules.manage"
DUE = time(16, 0)
T = UnitType
K = ScreeningKind


@dataclass(frozen=True)
class TypeSchedule:
    """What one unit type owes: its regular cut-off, its quarterly one, and the time of day its
    key screening is due (None: that kind is off for the type)."""

    regular: Cutoff | None = None
    quarterly: Cutoff | None = None
    key: time | None = None

    def cutoff(self, kind: str) -> Cutoff | None:
        return {K.REGULAR: self.regular, K.QUARTERLY: self.quarterly}.get(ScreeningKind(kind))


_WEEKLY = Cutoff(Cadence.WEEKLY, DUE, weekday=5)
_HALF = Cutoff(Cadence.HALF_MONTHLY, DUE)
_MONTHLY = Cutoff(Cadence.MONTHLY, DUE, day=24)
_QUARTERLY = Cutoff(Cadence.QUARTERLY, DUE, day=25)
_VILLAGE = TypeSchedule(regular=_WEEKLY, key=DUE)
_TOWNSHIP = TypeSchedule(regular=_HALF, quarterly=_QUARTERLY, key=DUE)
_UNIT = TypeSchedule(regular=_MONTHLY, quarterly=_QUARTERLY, key=DUE)

DEFAULTS: dict[str, TypeSchedule] = {
    T.VILLAGE: _VILLAGE,
    T.COMMUNITY: _VILLAGE,
    T.MANAGEMENT_AREA: _VILLAGE,
    T.TOWNSHIP: _TOWNSHIP,
    T.STREET: _TOWNSHIP,
    T.HOSPITAL: _UNIT,
    T.SCHOOL: _UNIT,
    T.COMPANY: _UNIT,
    T.DEPARTMENT: _UNIT,
    T.PETITION_OFFICE: _UNIT,
    T.OTHER: _UNIT,
    T.COUNTY: TypeSchedule(),
    T.HOSPITAL_SECTION: TypeSchedule(),
}
# what a switched-off kind would be when switched on (the settings page's initial values)
SHOWN_WHEN_OFF = {K.REGULAR: _MONTHLY, K.QUARTERLY: _QUARTERLY}

Schedule = dict[str, TypeSchedule]


def _from_row(row: ScreeningSchedule) -> Cutoff | time:
    if row.kind == K.KEY:
        return row.due_time
    cadence = Cadence.QUARTERLY if row.kind == K.QUARTERLY else Cadence(row.cadence or Cadence.MONTHLY)
    return Cutoff(cadence, row.due_time, weekday=row.weekday, day=row.day)


def schedule_load() -> Schedule:
    """The schedule in force: the defaults, overridden by the saved rows. One query."""
    found: dict[str, dict[str, Any]] = {
        t: {"regular": s.regular, "quarterly": s.quarterly, "key": s.key} for t, s in DEFAULTS.items()
    }
    for row in ScreeningSchedule.objects.all():
        found.setdefault(row.unit_type, {})[row.kind] = _from_row(row) if row.active else None
    return {t: TypeSchedule(**values) for t, values in found.items()}


# --- what a unit owes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """A round a unit owes: its kind, the key that makes it once (`period_key`), its days, its
    cut-off and how it reads."""

    kind: str
    key: str
    start: date
    end: date
    due_at: datetime
    label: str
    cadence: str = ""
    sensitive_id: int | None = None
    special_id: int | None = None


def period_key(period: Period) -> str:
    return f"{period.cadence.value}:{period.start.isoformat()}"


def from_period(kind: str, period: Period) -> Expected:
    return Expected(
        kind=kind,
        key=period_key(period),
        start=period.start,
        end=period.end,
        due_at=period.due_at,
        label=period.label,
        cadence=period.cadence.value,
    )


def key_owed(period: SensitivePeriod) -> bool:
    """A period entered after it ended (a record kept afterwards) asks no key screening of anyone."""
    return period.created_at.astimezone(LOCAL_TZ).date() <= period.ends_on


def key_round(period: SensitivePeriod, at: time) -> Expected:
    """The key screening a sensitive period asks of a unit it covers."""
    return Expected(
        kind=K.KEY,
        key=f"key:{period.pk}",
        start=period.starts_on,
        end=period.ends_on,
        due_at=one_off_due(period.starts_on, at, period.created_at),
        label=f"{period.name}（{period.starts_on:%m月%d日}—{period.ends_on:%m月%d日}）",
        sensitive_id=period.pk,
    )


def special_round(special: SpecialScreening) -> Expected:
    return Expected(
        kind=K.SPECIAL,
        key=f"special:{special.pk}",
        start=special.starts_on,
        end=special.ends_on,
        due_at=special.due_at,
        label=f"{special.get_field_display()}：{special.title}",
        special_id=special.pk,
    )


def scheduled_rounds(own: TypeSchedule, first: date, last: date) -> list[Expected]:
    """The regular and quarterly rounds of [first, last] (each period with a day in it)."""
    found: list[Expected] = []
    for kind, cutoff in ((K.REGULAR, own.regular), (K.QUARTERLY, own.quarterly)):
        if cutoff is not None:
            found.extend(from_period(kind, p) for p in periods_between(cutoff, first, last))
    return found


def expected_rounds(
    own: TypeSchedule,
    first: date,
    last: date,
    sensitive: Iterable[SensitivePeriod] = (),
    specials: Iterable[SpecialScreening] = (),
) -> list[Expected]:
    """Every round a unit of a type with schedule `own` owes in [first, last]: its regular and
    quarterly rounds, a key round for each of `sensitive` (the periods in force at it that overlap
    the stretch) and a round for each of `specials` (those that name it)."""
    found = scheduled_rounds(own, first, last)
    if own.key is not None:
        found.extend(
            key_round(p, own.key)
            for p in sensitive
            if p.starts_on <= last and p.ends_on >= first and key_owed(p)
        )
    found.extend(special_round(s) for s in specials if s.starts_on <= last and s.ends_on >= first)
    return found


def regular_period(own: TypeSchedule, kind: str, day: date) -> Period | None:
    cutoff = own.cutoff(kind)
    return None if cutoff is None else period_of(cutoff, day)


# --- settings ------------------------------------------------------------------------------------

KIND_LABELS = {K.REGULAR: "定期排查", K.QUARTERLY: "季度三个排查", K.KEY: "重点排查（敏感时期）"}


def schedule_rows() -> list[dict[str, Any]]:
    """Every unit type's three kinds as the settings page shows them (defaults included)."""
    current = schedule_load()
    saved = {(r.unit_type, r.kind) for r in ScreeningSchedule.objects.all()}
    rows = []
    for unit_type, label in T.choices:
        own = current.get(unit_type, TypeSchedule())
        for kind in SCHEDULED_KINDS:
            cutoff = own.cutoff(kind)
            shown = cutoff or SHOWN_WHEN_OFF.get(kind)
            at = own.key if kind == K.KEY else (cutoff.at if cutoff else None)
            rows.append(
                {
                    "unit_type": unit_type,
                    "unit_type_label": label,
                    "kind": kind.value,
                    "kind_label": KIND_LABELS[kind],
                    "active": (own.key is not None) if kind == K.KEY else cutoff is not None,
                    "cadence": shown.cadence.value if shown is not None and kind == K.REGULAR else "",
                    "weekday": shown.weekday if shown is not None else 5,
                    "day": shown.day if shown is not None else 24,
                    "due_time": f"{(at or DUE):%H:%M}",
                    "saved": (unit_type, kind.value) in saved,
                }
            )
    return rows


def schedule_save(
    *,
    actor: Any,
    unit_type: str,
    kind: str,
    active: bool,
    due_time: time,
    cadence: str = "",
    weekday: int = 5,
    day: int = 24,
    request_meta: RequestMeta | None = None,
) -> ScreeningSchedule:
    ensure_capability(actor, CAPABILITY)
    errors: dict[str, str] = {}
    if unit_type not in T.values:
        errors["unit_type"] = "单位类型不存在。"
    if kind not in [k.value for k in SCHEDULED_KINDS]:
        errors["kind"] = "排查类别须为 regular（定期排查）、quarterly（季度三个排查）或 key（重点排查）。"
    if kind == K.REGULAR and cadence not in RegularCadence.values:
        errors["cadence"] = "排查周期须为每周、每半月或每月。"
    if not 1 <= int(weekday) <= 7:
        errors["weekday"] = "截止星期须为 1（星期一）到 7（星期日）。"
    if not 1 <= int(day) <= 31:
        errors["day"] = "截止日须为 1 到 31。"
    if errors:
        raise ValidationFailed("排查周期设置有误：" + "；".join(errors.values()), errors)
    with transaction.atomic():
        row = ScreeningSchedule.objects.select_for_update().filter(unit_type=unit_type, kind=kind).first()
        old = None if row is None else _snapshot(row)
        if row is None:
            row = ScreeningSchedule(unit_type=unit_type, kind=kind)
        row.active, row.due_time, row.weekday, row.day = bool(active), due_time, int(weekday), int(day)
        row.cadence = cadence if kind == K.REGULAR else ""
        row.updated_by, row.updated_at = actor, timezone.now()
        row.save()
        audit_record(
            actor=actor,
            event=AuditEvent.DEADLINE_RULE_CHANGED,
            target=row,
            target_label=f"排查周期：{T(unit_type).label}{KIND_LABELS[ScreeningKind(kind)]}",
            request_meta=request_meta,
            old=old,
            new=_snapshot(row),
        )
    return row


def _snapshot(row: ScreeningSchedule) -> dict[str, Any]:
    return {
        "active": row.active,
        "cadence": row.cadence,
        "weekday": row.weekday,
        "day": row.day,
        "due_time": f"{row.due_time:%H:%M}",
    }
