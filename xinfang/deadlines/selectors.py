"""Reads of the holiday calendar, of stored deadlines and of the deadline rules."""

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Count, QuerySet

from xinfang.organisation.models import UnitType

from .engine import DAY_UNITS, UNIT_LABELS, Calendar, compute_deadline
from .models import CalendarDay, CalendarYear, Deadline, DeadlineRuleSetting
from .rules import RULES, RuleDefinition, period_text

_cache_lock = threading.Lock()
_cached: tuple[tuple[object, ...], Calendar] | None = None


def _calendar_stamp() -> tuple[object, ...]:
    """One query of six aggregates over two small tables (~25 years, ~1,000 days).

    Every service that changes a day bumps its year's `revision`, so the sum of revisions grows
    with each change, whichever process made it. The row counts and latest `updated_at` of both
    tables also catch rows added, removed or edited outside the services (a shell, a data
    migration), as long as they set `updated_at`.
    """
    day_table = connection.ops.quote_name(CalendarDay._meta.db_table)
    year_table = connection.ops.quote_name(CalendarYear._meta.db_table)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {day_table}), (SELECT MAX(updated_at) FROM {day_table}), "
        f"(SELECT COUNT(*) FROM {year_table}), (SELECT SUM(revision) FROM {year_table}), "
        f"(SELECT MAX(updated_at) FROM {year_table}), "
        f"(SELECT COUNT(*) FROM {year_table} WHERE is_complete = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [True])
        return tuple(cursor.fetchone())


def _calendar_build() -> Calendar:
    rows = list(CalendarDay.objects.values_list("date", "kind", "name"))
    holidays = frozenset(day for day, kind, _ in rows if kind == CalendarDay.Kind.HOLIDAY)
    workdays = frozenset(day for day, kind, _ in rows if kind == CalendarDay.Kind.WORKDAY)
    covered = frozenset(CalendarYear.objects.filter(is_complete=True).values_list("year", flat=True))
    names = {day: name for day, _, name in rows if name}
    return Calendar(holidays=holidays, workdays=workdays, covered_years=covered, names=names)


def calendar_load() -> Calendar:
    """The calendar as the engine needs it, rebuilt only when the stamp query says it changed.

    Costs one small query per call; the rows themselves are read again only after a change,
    whichever process made it.
    """
    global _cached
    stamp = _calendar_stamp()
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _cache_lock:
        calendar = _calendar_build()
        _cached = (stamp, calendar)
    return calendar


def working_days_after(start: date, amount: int) -> date:
    """The `amount`-th working day after `start`, by the calendar engine and the cached calendar
    (临期 warnings, the 5-working-day 督办 limit)."""
    result = compute_deadline(start=start, amount=amount, unit="working_days", calendar=calendar_load())
    assert result.due_date is not None
    return result.due_date


def calendar_cache_clear() -> None:
    global _cached
    _cached = None


@dataclass(frozen=True)
class YearStatus:
    year: int
    is_covered: bool
    has_row: bool
    source: str
    holiday_count: int
    workday_count: int

    @property
    def warning(self) -> str | None:
        if self.is_covered:
            return None
        return (
            f"{self.year} 年的节假日安排尚未录入，系统按周一至周五及元旦、劳动节、国庆节固定日期"
            "推算期限，请在国务院公布后及时录入。"
        )


def calendar_year_status(year: int) -> YearStatus:
    row = CalendarYear.objects.filter(year=year).first()
    counts = dict(
        CalendarDay.objects.filter(date__year=year)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return YearStatus(
        year=year,
        is_covered=bool(row and row.is_complete),
        has_row=row is not None,
        source=row.source if row else "",
        holiday_count=counts.get(CalendarDay.Kind.HOLIDAY, 0),
        workday_count=counts.get(CalendarDay.Kind.WORKDAY, 0),
    )


def calendar_days_of_year(year: int) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(date__year=year).order_by("date")


def calendar_days_between(first: date, last: date) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(date__range=(first, last)).order_by("date")


def calendar_known_years() -> list[int]:
    return list(CalendarYear.objects.order_by("year").values_list("year", flat=True))


def deadlines_open_affected_by(dates: Iterable[date]) -> QuerySet[Deadline]:
    """Open day-unit deadlines whose counting window may include one of `dates`.

    The window of a deadline is (start_date, due_date]; a change outside it cannot move the due
    date. Paused deadlines (due_date null) are left out: their due date is computed when they
    resume. Several dates are treated as their span [min, max], a superset that keeps the
    query to one indexed range (a calendar change is one day or one year).
    """
    days = sorted(set(dates))
    if not days:
        return Deadline.objects.none()
    return Deadline.objects.filter(
        is_open=True,
        unit__in=[str(unit) for unit in DAY_UNITS],
        due_date__gte=days[0],
        start_date__lt=days[-1],
    ).order_by("pk")


# --- deadline rules ---------------------------------------------------------------------------

ALL_UNIT_TYPES_LABEL = "全部单位类型"


def unit_type_label(unit_type: str) -> str:
    if not unit_type:
        return ALL_UNIT_TYPES_LABEL
    return UnitType(unit_type).label if unit_type in UnitType.values else unit_type


@dataclass(frozen=True)
class RuleSpec:
    """The time limit that applies to one rule for one unit type, and where it comes from."""

    rule: str
    label: str
    amount: int
    unit: str
    source: str  # "unit_type" | "installation" | "law"
    source_label: str

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS[self.unit]

    @property
    def text(self) -> str:
        return period_text(self.amount, self.unit)


def _law_spec(definition: RuleDefinition) -> RuleSpec:
    return RuleSpec(
        rule=definition.code, label=definition.label, amount=definition.amount,
        unit=str(definition.unit), source="law", source_label="法定时限",
    )  # fmt: skip


def rule_for(rule: str, unit_type: str) -> RuleSpec:
    """The limit of `rule` for units of `unit_type`: that unit type's internal target if set,
    else the installation-wide one (unit_type ""), else the law. One query; none for the rules
    that cannot be changed. Raises KeyError for a rule code `rules.RULES` does not know."""
    definition = RULES[rule]
    if not definition.configurable:
        return _law_spec(definition)
    rows = {
        row_unit_type: (amount, unit)
        for row_unit_type, amount, unit in DeadlineRuleSetting.objects.filter(
            rule=rule, unit_type__in={unit_type, ""}
        ).values_list("unit_type", "amount", "unit")
    }
    if unit_type and unit_type in rows:
        amount, unit = rows[unit_type]
        source, source_label = "unit_type", f"{unit_type_label(unit_type)}内部时限"
    elif "" in rows:
        amount, unit = rows[""]
        source, source_label = "installation", "本系统默认"
    else:
        return _law_spec(definition)
    return RuleSpec(
        rule=rule, label=definition.label, amount=amount, unit=unit, source=source,
        source_label=source_label,
    )  # fmt: skip


@dataclass(frozen=True)
class RuleOverride:
    unit_type: str
    unit_type_label: str
    amount: int
    unit: str
    note: str
    updated_by: str
    updated_at: datetime

    @property
    def text(self) -> str:
        return period_text(self.amount, self.unit)


@dataclass(frozen=True)
class RuleTableRow:
    definition: RuleDefinition
    overrides: list[RuleOverride | None]  # aligned with RuleTable.columns


@dataclass(frozen=True)
class RuleTable:
    """Every rule × (the installation-wide default, then each unit type that has a setting)."""

    columns: list[tuple[str, str]]  # (unit_type, label); the first is ("", "全部单位类型")
    rows: list[RuleTableRow]

    @property
    def override_count(self) -> int:
        return sum(cell is not None for row in self.rows for cell in row.overrides)


def rule_table() -> RuleTable:
    """One query. Settings of rules that cannot be changed (or that no longer exist) are left out:
    `rule_for` ignores them too."""
    settings_by_key: dict[tuple[str, str], RuleOverride] = {}
    for row in DeadlineRuleSetting.objects.select_related("updated_by"):
        definition = RULES.get(row.rule)
        if definition is None or not definition.configurable:
            continue
        settings_by_key[(row.rule, row.unit_type)] = RuleOverride(
            unit_type=row.unit_type,
            unit_type_label=unit_type_label(row.unit_type),
            amount=row.amount,
            unit=row.unit,
            note=row.note,
            updated_by=str(row.updated_by),
            updated_at=row.updated_at,
        )
    used = {unit_type for _, unit_type in settings_by_key if unit_type}
    order = list(UnitType.values)
    unit_types = sorted(used, key=lambda value: (order.index(value) if value in order else len(order), value))
    columns = [("", ALL_UNIT_TYPES_LABEL), *((value, unit_type_label(value)) for value in unit_types)]
    rows = [
        RuleTableRow(
            definition=definition,
            overrides=[settings_by_key.get((definition.code, unit_type)) for unit_type, _ in columns],
        )
        for definition in RULES.values()
    ]
    return RuleTable(columns=columns, rows=rows)
