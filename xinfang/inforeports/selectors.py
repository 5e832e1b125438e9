"""Reads of information reports: the reports in scope, the office's inbox (待签收), and the
completeness grid (expected / received / on time per unit and period, like a health information
system's reporting rates)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta
from xinfang.deadlines.models import SensitivePeriod
from xinfang.deadlines.periods import Cadence, Period, bounds_of
from xinfang.deadlines.sensitive import level_rules
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import scope_q, units_visible_to

from .choices import PERIODIC_KINDS, CadenceChoice, ReportStatus
from .models import InfoReport, ReportChase
from .schedule import DAILY_DEFAULT, Schedule, daily_days, expected_periods, schedule_load


def reports_visible_to(actor: Any) -> QuerySet[InfoReport]:
    """The reports filed by the actor's unit, and by the units below it for those who see a
    subtree, and those addressed to the actor's unit (a skip-level report, 越级报告): the one place
    the reports' scope is decided."""
    unit = getattr(actor, "unit", None)
    if unit is None:
        return InfoReport.objects.none()
    return InfoReport.objects.filter(scope_q(actor, path_field="unit_path") | Q(to_unit_id=unit.pk))


def access_report_by_id(actor: Any, report_id: Any, request_meta: RequestMeta | None = None) -> InfoReport:
    try:
        return (
            reports_visible_to(actor)
            .select_related("unit", "to_unit", "filed_by", "signed_by", "forwarded_to")
            .get(pk=int(report_id))
        )
    except (InfoReport.DoesNotExist, ValueError, TypeError):
        audit_access_denied(actor=actor, model=InfoReport, target_id=report_id, request_meta=request_meta)
        raise NotFound() from None


def report_list(
    *,
    actor: Any,
    kind: str = "",
    status: str = "",
    unit: int | None = None,
    inbox: bool = False,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[InfoReport]:
    """The reports in scope, newest first; `inbox`: those addressed to the actor's unit that wait
    to be signed for (待签收)."""
    rows = reports_visible_to(actor)
    if inbox:
        rows = rows.filter(to_unit_id=getattr(actor, "unit_id", None), status=ReportStatus.SUBMITTED)
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    if unit is not None:
        target = units_visible_to(actor).filter(pk=unit).values_list("path", flat=True).first()
        rows = rows.filter(unit_path__startswith=target) if target else rows.none()
    if start is not None:
        rows = rows.filter(filed_at__gte=start)
    if end is not None:
        rows = rows.filter(filed_at__lt=end)
    return rows.select_related("unit", "to_unit", "filed_by").order_by("-filed_at", "-pk")


def inbox_count(actor: Any) -> int:
    unit_id = getattr(actor, "unit_id", None)
    if unit_id is None:
        return 0
    return InfoReport.objects.filter(to_unit_id=unit_id, status=ReportStatus.SUBMITTED).count()


# --- completeness -----------------------------------------------------------------------------

ON_TIME, LATE, MISSING, PENDING = "on_time", "late", "missing", "pending"
STATE_LABELS = {ON_TIME: "按时", LATE: "迟报", MISSING: "未报", PENDING: "未到期"}


@dataclass
class Cell:
    period: Period
    state: str
    filed_at: datetime | None = None


@dataclass
class UnitRow:
    unit_id: int
    name: str
    unit_type: str
    depth: int
    cells: list[Cell] = field(default_factory=list)

    def _count(self, *states: str) -> int:
        return sum(1 for c in self.cells if c.state in states)

    @property
    def expected(self) -> int:
        return self._count(ON_TIME, LATE, MISSING)

    @property
    def received(self) -> int:
        return self._count(ON_TIME, LATE)

    @property
    def on_time(self) -> int:
        return self._count(ON_TIME)

    @property
    def late(self) -> int:
        return self._count(LATE)

    @property
    def missing(self) -> int:
        return self._count(MISSING)


@dataclass
class Completeness:
    unit: Unit
    first: date
    last: date
    rows: list[UnitRow]

    @property
    def expected(self) -> int:
        return sum(r.expected for r in self.rows)

    @property
    def received(self) -> int:
        return sum(r.received for r in self.rows)

    @property
    def on_time(self) -> int:
        return sum(r.on_time for r in self.rows)

    @staticmethod
    def rate(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}%" if whole else "—"


def _subtree(unit: Unit) -> Q:
    """The unit and those below it, as a range of paths an index can seek (a LIKE prefix is not
    planned on an index by SQLite, nor by PostgreSQL under most collations)."""
    return Q(unit_path__gte=unit.path, unit_path__lt=unit.path[:-1] + "0")


def _earliest(first: date) -> date:
    """The first day of the earliest period of any cadence that overlaps a range from `first`."""
    return min(bounds_of(Cadence(c), first)[0] for c in CadenceChoice.values)  # the report cadences


def _ancestor_ids(unit: Unit) -> list[int]:
    return [int(p) for p in unit.path.strip("/").split("/") if p]


def _periods_by_unit(
    units: Sequence[Any], top: Unit, first: date, last: date
) -> dict[int, list[SensitivePeriod]]:
    """The sensitive periods in force at each unit (set by it or above it), in one query."""
    rows = list(
        SensitivePeriod.objects.filter(starts_on__lte=last, ends_on__gte=first)
        .filter(Q(unit_id__in=_ancestor_ids(top)) | Q(unit__path__startswith=top.path))
        .select_related("unit")
    )
    found: dict[int, list[SensitivePeriod]] = {}
    for unit in units:
        found[unit["pk"]] = [p for p in rows if unit["path"].startswith(p.unit.path)]
    return found


def completeness(
    *,
    actor: Any,
    unit: Unit,
    first: date,
    last: date,
    now: datetime | None = None,
    schedule: Schedule | None = None,
) -> Completeness:
    """For every unit in scope at or below `unit`: each report it owed in [first, last] (its
    routine cadences and, on sensitive days, a daily report) and whether it came in on time,
    late, not at all, or is not due yet. Five queries (units, schedule, periods, level rules,
    reports), however many units: a county of 320 units over a quarter is one pass in Python."""
    now = now or timezone.now()
    schedule = schedule or schedule_load()
    units = list(
        units_visible_to(actor)
        .filter(path__startswith=unit.path, is_active=True)
        .order_by("path")
        .values("pk", "name", "unit_type", "depth", "path")
    )
    periods = _periods_by_unit(units, unit, first, last)
    rules = level_rules()
    received: dict[tuple[int, str, date], datetime] = {
        (r["unit_id"], r["cadence"], r["period_start"]): r["first"]
        for r in InfoReport.objects.filter(
            _subtree(unit),
            kind__in=PERIODIC_KINDS,
            period_start__gte=_earliest(first),
            period_start__lte=last,
        )
        .exclude(cadence="")
        .exclude(status=ReportStatus.RETURNED)  # returned for more detail: not in until filed again
        .values("unit_id", "cadence", "period_start")
        .annotate(first=Min("filed_at"))
    }
    rows = []
    for row in units:
        cutoff = schedule.daily.get(row["unit_type"]) or DAILY_DEFAULT
        days = daily_days(periods.get(row["pk"], ()), first, last, rules, cutoff.at)
        line = UnitRow(row["pk"], row["name"], row["unit_type"], row["depth"])
        for period in expected_periods(schedule, row["unit_type"], first, last, days):
            filed = received.get((row["pk"], period.cadence.value, period.start))
            if filed is not None:
                state = ON_TIME if filed <= period.due_at else LATE
            else:
                state = MISSING if period.due_at <= now else PENDING
            line.cells.append(Cell(period, state, filed))
        rows.append(line)
    return Completeness(unit=unit, first=first, last=last, rows=rows)


def chased_counts(actor: Any, unit: Unit, first: date, last: date) -> dict[int, int]:
    """How many times each unit was chased (催报) for a report due in [first, last]."""
    rows = (
        ReportChase.objects.filter(_subtree(unit), period_start__gte=_earliest(first), period_start__lte=last)
        .filter(unit_id__in=units_visible_to(actor).values("pk"))
        .values("unit_id")
        .annotate(n=Count("pk"))
    )
    return {r["unit_id"]: r["n"] for r in rows}


__all__ = ["Cadence", "Completeness", "UnitRow", "completeness", "report_list", "reports_visible_to"]
