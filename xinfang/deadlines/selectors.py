"""Reads of the holiday calendar and of stored deadlines."""

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Count, QuerySet

from .engine import DAY_UNITS, Calendar
from .models import CalendarDay, CalendarYear, Deadline

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


def deadlines_of_owner(*, owner_type: str, owner_id: int) -> QuerySet[Deadline]:
    return Deadline.objects.filter(owner_type=owner_type, owner_id=owner_id).order_by("pk")
