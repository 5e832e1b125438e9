"""The sensitive-period calendar (敏感时期): reads and writes, shared by the whole product.

A period is set by an office for its own unit and every unit below it (`SensitivePeriod.unit`);
the periods in force at a unit are those set by it or by any unit above it, read by the ids of its
materialised path (`periods_for`, one query). Each level (一级 … 三级) requires a number of staff
per shift, a leader on duty around the clock or not, and a daily report (`level_rule`; the row an
administrator saved, else `LEVEL_DEFAULTS`). `cover_segments` splits a stretch of time into the
requirement in force at a unit, the strictest of overlapping periods, for the duty roster.

Who may do what: every signed-in user reads the periods in their scope (`periods_visible_to`:
set by a unit in their scope or by one above their unit); holders of `calendar.sensitive` set
and change periods for their unit and the units below it (`units_visible_to`); holders of
`rules.manage` change the level rules. Every change is audited (CALENDAR_CHANGED).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinfang.accounts.permissions import ensure_capability, has_capability, sees_subtree
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_access_denied, audit_record
from xinfang.core.bounds import DATE_MAX, DATE_MIN
from xinfang.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import scope_q, units_visible_to

from .engine import LOCAL_TZ
from .models import SensitiveLevel, SensitiveLevelRule, SensitivePeriod

CAPABILITY = "calendar.sensitive"  # set, change and delete periods
RULES_CAPABILITY = "rules.manage"  # change what each level requires

NAME_MAX_LENGTH = 60
REASON_MIN_LENGTH = 2
REASON_MAX_LENGTH = 500
MAX_DAYS = 366
STAFF_MIN, STAFF_MAX = 1, 20

# the names offered on the page (a free text: any other name is allowed)
SUGGESTED_NAMES = ("元旦", "全国两会", "清明节", "五一", "七一", "八一", "国庆节", "春节长假", "本地重大活动")


@dataclass(frozen=True)
class LevelRule:
    """What a level requires. `level` 0 is normal times (`NORMAL_RULE`)."""

    level: int
    staff_per_shift: int
    leader_all_day: bool
    daily_report: bool

    @property
    def label(self) -> str:
        return SensitiveLevel(self.level).label if self.level in SensitiveLevel.values else "平时"


LEVEL_DEFAULTS: dict[int, LevelRule] = {
    SensitiveLevel.FIRST: LevelRule(level=1, staff_per_shift=2, leader_all_day=True, daily_report=True),
    SensitiveLevel.SECOND: LevelRule(level=2, staff_per_shift=2, leader_all_day=False, daily_report=True),
    SensitiveLevel.THIRD: LevelRule(level=3, staff_per_shift=1, leader_all_day=False, daily_report=True),
}
# Normal times: one on each shift. That a leader leads every shift (带班) is the duty roster's
# own rule; here no leader is required around the clock and there is no daily report.
NORMAL_RULE = LevelRule(level=0, staff_per_shift=1, leader_all_day=False, daily_report=False)


@dataclass(frozen=True)
class CoverSegment:
    """A stretch [start, end) with one requirement: the strictest of the periods in force."""

    start: datetime
    end: datetime
    staff: int
    leader_all_day: bool
    period_names: tuple[str, ...]


# --- reads ------------------------------------------------------------------------------------


def _path_ids(unit: Unit) -> list[int]:
    """The unit and every unit above it, from its materialised path "/1/4/17/"."""
    ids = [int(part) for part in (unit.path or "").split("/") if part.isdigit()]
    return ids if unit.pk in ids else [*ids, unit.pk]


def periods_for(unit: Unit, start: date, end: date) -> list[SensitivePeriod]:
    """The periods in force at `unit` on any day of [start, end] (inclusive): set by the unit or
    any unit above it. Ordered by start day. One query (with each period's unit)."""
    return list(
        SensitivePeriod.objects.filter(unit_id__in=_path_ids(unit), starts_on__lte=end, ends_on__gte=start)
        .select_related("unit")
        .order_by("starts_on", "ends_on", "id")
    )


def _rule_of(row: SensitiveLevelRule) -> LevelRule:
    return LevelRule(
        level=row.level,
        staff_per_shift=row.staff_per_shift,
        leader_all_day=row.leader_all_day,
        daily_report=row.daily_report,
    )


def level_rules() -> dict[int, LevelRule]:
    """Every level's requirement (1, 2, 3), the saved row or the default. One query."""
    rules = dict(LEVEL_DEFAULTS)
    rules.update({row.level: _rule_of(row) for row in SensitiveLevelRule.objects.all()})
    return rules


def level_rule(level: int) -> LevelRule:
    """The requirement of `level` (1–3): the saved row, else the default. `level_rule(0)` is
    normal times (`NORMAL_RULE`, no query); any other level is a ValueError."""
    if level == 0:
        return NORMAL_RULE
    if level not in LEVEL_DEFAULTS:
        raise ValueError(f"unknown sensitive level {level!r}")
    row = SensitiveLevelRule.objects.filter(level=level).first()
    return _rule_of(row) if row is not None else LEVEL_DEFAULTS[level]


def _midnight(day: date) -> datetime:
    """00:00 of `day`, Asia/Shanghai."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def period_bounds(period: SensitivePeriod) -> tuple[datetime, datetime]:
    """[00:00 of the first day, 00:00 after the last day), Asia/Shanghai."""
    return _midnight(period.starts_on), _midnight(period.ends_on + timedelta(days=1))


def cover_segments(unit: Unit, start: datetime, end: datetime) -> list[CoverSegment]:
    """[start, end) cut into consecutive segments, each with the requirement in force at `unit`:
    the largest staff of the periods in force, a leader around the clock if any of them wants
    one, and their names (in order of start). Outside any period: 1, False, (). Segments
    returned are in Asia/Shanghai time, and neighbours always differ. An empty list when
    end <= start. At most 2 queries (the periods; the level rules only when there are any)."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("cover_segments needs aware datetimes")
    start, end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    if end <= start:
        return []
    periods = periods_for(unit, start.date(), end.date())
    return _segments(periods, level_rules() if periods else {}, start, end)


def cover_segments_many(
    units: Sequence[Unit], start: datetime, end: datetime
) -> dict[int, list[CoverSegment]]:
    """`cover_segments` for many units at once (a county's coverage check): each unit's id to
    its segments, in at most 2 queries whatever the number of units."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("cover_segments needs aware datetimes")
    start, end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    if end <= start:
        return {unit.pk: [] for unit in units}
    chains = {unit.pk: set(_path_ids(unit)) for unit in units}
    every = set().union(*chains.values()) if chains else set()
    periods = list(
        SensitivePeriod.objects.filter(
            unit_id__in=every, starts_on__lte=end.date(), ends_on__gte=start.date()
        )
        .select_related("unit")
        .order_by("starts_on", "ends_on", "id")
    )
    rules = level_rules() if periods else {}
    return {
        unit.pk: _segments([p for p in periods if p.unit_id in chains[unit.pk]], rules, start, end)
        for unit in units
    }


def _segments(
    periods: list[SensitivePeriod], rules: dict[int, LevelRule], start: datetime, end: datetime
) -> list[CoverSegment]:
    """[start, end) cut at the periods' bounds, each piece with the strictest requirement then."""
    spans = [(*period_bounds(period), period) for period in periods]
    cuts = sorted({start, end} | {moment for s, e, _ in spans for moment in (s, e) if start < moment < end})
    segments: list[CoverSegment] = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        active = [period for s, e, period in spans if s <= left < e]
        if active:
            staff = max(rules[period.level].staff_per_shift for period in active)
            leader = any(rules[period.level].leader_all_day for period in active)
            names = names_of(active)
        else:
            staff, leader, names = NORMAL_RULE.staff_per_shift, NORMAL_RULE.leader_all_day, ()
        if segments and _requirement(segments[-1]) == (staff, leader, names):
            segments[-1] = CoverSegment(segments[-1].start, right, staff, leader, names)
        else:
            segments.append(CoverSegment(left, right, staff, leader, names))
    return segments


def _requirement(segment: CoverSegment) -> tuple[int, bool, tuple[str, ...]]:
    return segment.staff, segment.leader_all_day, segment.period_names


def names_of(periods: Iterable[SensitivePeriod]) -> tuple[str, ...]:
    """The distinct names of `periods`, in order."""
    return tuple(dict.fromkeys(period.name for period in periods))


def periods_visible_to(actor: Any) -> QuerySet[SensitivePeriod]:
    """The periods the actor may read: set by a unit in their scope, or by a unit above theirs."""
    unit = getattr(actor, "unit", None)
    if unit is None or not getattr(actor, "is_authenticated", False):
        return SensitivePeriod.objects.none()
    return SensitivePeriod.objects.filter(scope_q(actor) | Q(unit_id__in=_path_ids(unit)))


def access_period_by_id(
    actor: Any, period_id: Any, request_meta: RequestMeta | None = None
) -> SensitivePeriod:
    """The period, or NotFound alike for a missing one and one out of scope (the latter audited)."""
    try:
        return periods_visible_to(actor).select_related("unit", "created_by").get(pk=int(period_id))
    except (SensitivePeriod.DoesNotExist, ValueError, TypeError, OverflowError):
        audit_access_denied(
            actor=actor, model=SensitivePeriod, target_id=period_id, request_meta=request_meta
        )
        raise NotFound() from None


def period_list(
    actor: Any, *, start: date | None = None, end: date | None = None, unit: Unit | None = None
) -> QuerySet[SensitivePeriod]:
    """The periods the actor may read that touch [start, end] (either may be open), ordered by
    start day; with `unit` (which the caller has checked is in scope) those in force at it."""
    qs = periods_visible_to(actor)
    if unit is not None:
        qs = qs.filter(unit_id__in=_path_ids(unit))
    if start is not None:
        qs = qs.filter(ends_on__gte=start)
    if end is not None:
        qs = qs.filter(starts_on__lte=end)
    return qs.select_related("unit", "created_by").order_by("starts_on", "ends_on", "id")


def period_in_force(period: SensitivePeriod, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return period.starts_on <= today <= period.ends_on


def may_change_period(actor: Any, period: SensitivePeriod) -> bool:
    """Whether the actor may change or delete the period (no query; the unit must be loaded):
    the capability, and the period set by their unit or, for roles that see below, a unit below."""
    unit = getattr(actor, "unit", None)
    if unit is None or not has_capability(actor, CAPABILITY):
        return False
    if period.unit_id == unit.pk:
        return True
    return sees_subtree(actor) and period.unit.path.startswith(unit.path)


# --- writes -----------------------------------------------------------------------------------


def _refuse(errors: dict[str, str], summary: str) -> None:
    if len(errors) == 1:
        raise ValidationFailed(next(iter(errors.values())), errors)
    if errors:
        raise ValidationFailed(summary, errors)


def _is_day(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _validate_period(*, name: str, starts_on: Any, ends_on: Any, level: Any, reason: str) -> None:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写敏感时期名称。"
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"名称不能超过 {NAME_MAX_LENGTH} 个字。"
    for field, value, label in (("starts_on", starts_on, "开始日期"), ("ends_on", ends_on, "结束日期")):
        if not _is_day(value):
            errors[field] = f"请填写{label}，格式为 YYYY-MM-DD。"
        elif not DATE_MIN <= value <= DATE_MAX:
            errors[field] = f"{label}须在 {DATE_MIN:%Y-%m-%d} 至 {DATE_MAX:%Y-%m-%d} 之间。"
    if "starts_on" not in errors and "ends_on" not in errors:
        if ends_on < starts_on:
            errors["ends_on"] = "结束日期不能早于开始日期。"
        elif (ends_on - starts_on).days + 1 > MAX_DAYS:
            errors["ends_on"] = f"一个敏感时期最长 {MAX_DAYS} 天，更长的请分段设置。"
    if isinstance(level, bool) or level not in SensitiveLevel.values:
        errors["level"] = "等级须为一级、二级或三级。"
    if len(reason) < REASON_MIN_LENGTH:
        errors["reason"] = f"请填写事由（至少 {REASON_MIN_LENGTH} 个字），例如依据的上级通知。"
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = f"事由不能超过 {REASON_MAX_LENGTH} 个字。"
    _refuse(errors, "敏感时期填写有误，请修改后再提交。")


def _unit_in_scope(actor: Any, unit: Any, request_meta: RequestMeta | None) -> Unit:
    """The unit the actor may act for (theirs or below), else NotFound as for a missing unit."""
    unit_id = getattr(unit, "pk", unit)
    found = units_visible_to(actor).filter(pk=unit_id).first() if isinstance(unit_id, int) else None
    if found is None:
        audit_access_denied(actor=actor, model=Unit, target_id=unit_id, request_meta=request_meta)
        raise NotFound("单位不存在或不在您的管辖范围内。", {"unit": "单位不存在或不在您的管辖范围内。"})
    return found


def _may_change(actor: Any, period: SensitivePeriod) -> None:
    """A period set above the actor's reach is seen, not changed (403)."""
    if not units_visible_to(actor).filter(pk=period.unit_id).exists():
        raise PermissionDenied(f"该敏感时期由{period.unit.name}设定，只能由该单位或其上级修改。")


def _snapshot(period: SensitivePeriod) -> dict[str, Any]:
    return {
        "name": period.name,
        "starts_on": period.starts_on.isoformat(),
        "ends_on": period.ends_on.isoformat(),
        "level": period.level,
        "reason": period.reason,
        "unit": period.unit_id,
        "themes": list(period.themes or []),
    }


def _label(period: SensitivePeriod, unit: Unit) -> str:
    return f"{unit.name} {period}"


# where the themes a period may name come from (the key persons' categories: registered by the
# app that keeps them, so that this layer knows none of them)
_theme_sources: list[Callable[[], list[tuple[str, str]]]] = []


def register_theme_source(source: Callable[[], list[tuple[str, str]]]) -> None:
    if source not in _theme_sources:
        _theme_sources.append(source)


def theme_choices() -> list[tuple[str, str]]:
    """(code, name) of every theme a period may name."""
    return [choice for source in _theme_sources for choice in source()]


def _valid_themes(themes: Sequence[str]) -> list[str]:
    if isinstance(themes, str) or len(themes) > 50:
        raise ValidationFailed("关注的重点人员类别有误。", {"themes": "须为类别代码的列表（至多 50 个）。"})
    known = {code for code, _ in theme_choices()}
    unknown = [t for t in themes if t not in known]
    if unknown:
        message = "没有这些重点人员类别：" + "、".join(str(t)[:30] for t in unknown[:5])
        raise ValidationFailed(message, {"themes": message})
    return sorted(set(themes))


@transaction.atomic
def period_save(
    *,
    actor: Any,
    unit: Unit | int,
    name: str,
    starts_on: date,
    ends_on: date,
    level: int,
    reason: str,
    period: SensitivePeriod | None = None,
    themes: Sequence[str] | None = None,
    request_meta: RequestMeta | None = None,
) -> SensitivePeriod:
    """Sets a period for `unit` (a Unit or its id; new, or `period` changed). Refusals: 403 without
    `calendar.sensitive` or for a period set above the actor's units; 404 for a unit (or period)
    out of scope; 422 with one Chinese message per field. Saving the same values again writes
    nothing and is not audited."""
    ensure_capability(actor, CAPABILITY)
    old: dict[str, Any] | None = None
    if period is not None:
        period = access_period_by_id(actor, period.pk, request_meta)
        period = SensitivePeriod.objects.select_for_update().select_related("unit").get(pk=period.pk)
        _may_change(actor, period)
        old = _snapshot(period)
    target_unit = _unit_in_scope(actor, unit, request_meta)
    name, reason = (name or "").strip(), (reason or "").strip()
    _validate_period(name=name, starts_on=starts_on, ends_on=ends_on, level=level, reason=reason)
    now = timezone.now()
    if period is None:
        period = SensitivePeriod(created_by=actor, created_at=now)
    period.unit, period.name, period.reason = target_unit, name, reason
    period.starts_on, period.ends_on, period.level = starts_on, ends_on, int(level)
    if themes is not None:
        period.themes = _valid_themes(themes)
    new = _snapshot(period)
    if old == new:
        return period
    period.updated_at = now
    period.save()
    audit_record(
        actor=actor, event=AuditEvent.CALENDAR_CHANGED, target=period, request_meta=request_meta,
        target_label=_label(period, target_unit),
        action="create_period" if old is None else "change_period",
        unit=target_unit.pk, unit_name=target_unit.name, old=old, new=new,
    )  # fmt: skip
    return period


@transaction.atomic
def period_delete(*, actor: Any, period: SensitivePeriod, request_meta: RequestMeta | None = None) -> None:
    """Deletes a period: 403 without the capability or for one set above the actor's units, 404
    out of scope. Audited with what it was."""
    ensure_capability(actor, CAPABILITY)
    period = access_period_by_id(actor, period.pk, request_meta)
    period = SensitivePeriod.objects.select_for_update().select_related("unit").get(pk=period.pk)
    _may_change(actor, period)
    audit_record(
        actor=actor, event=AuditEvent.CALENDAR_CHANGED, target=period, request_meta=request_meta,
        target_label=_label(period, period.unit), action="delete_period",
        unit=period.unit_id, unit_name=period.unit.name, old=_snapshot(period), new=None,
    )  # fmt: skip
    period.delete()


def _rule_snapshot(rule: LevelRule) -> dict[str, Any]:
    return {
        "staff_per_shift": rule.staff_per_shift,
        "leader_all_day": rule.leader_all_day,
        "daily_report": rule.daily_report,
    }


@transaction.atomic
def level_rule_save(
    *,
    actor: Any,
    level: int,
    staff_per_shift: int,
    leader_all_day: bool,
    daily_report: bool,
    request_meta: RequestMeta | None = None,
) -> LevelRule:
    """Sets what `level` requires (holders of `rules.manage`). Applies at once to every period of
    that level, running ones included. Saving the same values again is not audited."""
    ensure_capability(actor, RULES_CAPABILITY)
    errors: dict[str, str] = {}
    if isinstance(level, bool) or level not in SensitiveLevel.values:
        errors["level"] = "等级须为一级、二级或三级。"
    if (
        isinstance(staff_per_shift, bool)
        or not isinstance(staff_per_shift, int)
        or not STAFF_MIN <= staff_per_shift <= STAFF_MAX
    ):
        errors["staff_per_shift"] = f"每班在岗人数须为 {STAFF_MIN} 至 {STAFF_MAX} 之间的整数。"
    _refuse(errors, "等级要求填写有误，请修改后再提交。")
    row = SensitiveLevelRule.objects.select_for_update().filter(level=level).first()
    before = _rule_of(row) if row is not None else LEVEL_DEFAULTS[level]
    rule = LevelRule(
        level=level,
        staff_per_shift=staff_per_shift,
        leader_all_day=bool(leader_all_day),
        daily_report=bool(daily_report),
    )
    if row is not None and before == rule:
        return rule
    if row is None:
        row = SensitiveLevelRule(level=level)
    row.staff_per_shift, row.leader_all_day, row.daily_report = (
        rule.staff_per_shift,
        rule.leader_all_day,
        rule.daily_report,
    )
    row.updated_by = actor
    row.updated_at = timezone.now()
    row.save()
    audit_record(
        actor=actor, event=AuditEvent.CALENDAR_CHANGED, target=row, request_meta=request_meta,
        target_label=f"敏感时期{SensitiveLevel(level).label}", action="save_level_rule", level=level,
        old=_rule_snapshot(before), new=_rule_snapshot(rule),
    )  # fmt: skip
    return rule


def level_rule_rows() -> list[tuple[LevelRule, SensitiveLevelRule | None]]:
    """Each level's requirement with the row that sets it (None: the default), for the page and
    the API. One query."""
    rows = {row.level: row for row in SensitiveLevelRule.objects.select_related("updated_by")}
    result: list[tuple[LevelRule, SensitiveLevelRule | None]] = []
    for level, default in LEVEL_DEFAULTS.items():
        row = rows.get(level)
        result.append((_rule_of(row) if row is not None else default, row))
    return result
