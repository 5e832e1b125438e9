"""Chasing reports (催报): at each cut-off of the schedule, every unit that owed a report for the
period and has not filed one is chased once: its information officers and its head are told, and
a `ReportChase` row records it (the unique row is what makes it once, whoever the recipients are).

The sweep runs `ReportChaser.scan` every minute; it looks at the cut-offs of the last
`CHASE_WINDOW` (so a sweep that was down for a while still chases what fell due meanwhile), and
answers None (no audit entry) when it chased nothing.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.deadlines.models import Deadline, SensitivePeriod
from xinfang.deadlines.periods import CADENCE_LABELS, Cadence, Period, cutoffs_between
from xinfang.deadlines.registry import ScanResult, register_clock_handler
from xinfang.deadlines.sensitive import level_rules
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.services import notify
from xinfang.organisation.models import Unit

from .choices import PERIODIC_KINDS, ReportStatus
from .models import InfoReport, ReportChase
from .schedule import Schedule, schedule_load

CHASE_OWNER = "inforeports.chase"
CHASE_WINDOW = timedelta(hours=6)  # how far back a scan looks for cut-offs (not a deadline)
CHASED_ROLES = (Role.INFORMANT, Role.PRINCIPAL, Role.LEADER)


def register() -> None:
    register_clock_handler(CHASE_OWNER, ReportChaser())


def _due(schedule: Schedule, start: datetime, end: datetime) -> list[tuple[Any, Period]]:
    """(unit, period) for every report whose cut-off fell in (start, end]: routine reports of each
    unit type, and daily reports of the units in a sensitive period that asks for them."""
    found: list[tuple[Any, Period]] = []
    by_type: dict[str, list[Period]] = defaultdict(list)
    for unit_type, cutoffs in schedule.routine.items():
        for cutoff in cutoffs:
            by_type[unit_type].extend(cutoffs_between(cutoff, start, end))
    daily_types = {t: c for t, c in schedule.daily.items() if c is not None}
    daily: dict[str, list[Period]] = {t: list(cutoffs_between(c, start, end)) for t, c in daily_types.items()}
    types = [t for t, periods in by_type.items() if periods]
    if types:
        for unit in Unit.objects.filter(is_active=True, unit_type__in=types).values(
            "pk", "path", "unit_type"
        ):
            found.extend((unit, p) for p in by_type[unit["unit_type"]])
    days = {p.start for periods in daily.values() for p in periods}
    if days:
        rules = level_rules()
        in_force = [
            p
            for p in SensitivePeriod.objects.filter(
                starts_on__lte=max(days), ends_on__gte=min(days)
            ).select_related("unit")
            if rules.get(p.level) is not None and rules[p.level].daily_report
        ]
        seen: set[tuple[int, date]] = set()
        for period in in_force:
            units = Unit.objects.filter(
                is_active=True, path__startswith=period.unit.path, unit_type__in=list(daily)
            ).values("pk", "path", "unit_type")
            for unit in units:
                for day_period in daily[unit["unit_type"]]:
                    key = (unit["pk"], day_period.start)
                    known = period.created_at <= day_period.due_at  # set before the cut-off
                    if period.starts_on <= day_period.start <= period.ends_on and known and key not in seen:
                        seen.add(key)
                        found.append((unit, day_period))
    return found


LAST_SCAN = "inforeports:chase:last"


def chase(*, now: datetime, window: timedelta = CHASE_WINDOW) -> tuple[int, int]:
    """Chases every report due in the window and still missing; returns (chased, notifications).
    A run looks back to the previous run of this process (a cached mark), at most `window`, so
    the minute's runs between cut-offs read nothing; a restarted worker looks back the window."""
    last = cache.get(LAST_SCAN)
    start = now - window
    if isinstance(last, datetime) and start < last <= now:
        start = last
    found = _chase(now=now, start=start)
    cache.set(LAST_SCAN, now, timeout=int(window.total_seconds()))
    return found


@transaction.atomic
def _chase(*, now: datetime, start: datetime) -> tuple[int, int]:
    """The chase rows and their notifications commit together: a failure leaves nothing marked
    chased that nobody was told of, and the next run tries again."""
    due = _due(schedule_load(), start, now)
    if not due:
        return 0, 0
    unit_ids = sorted({u["pk"] for u, _ in due})
    starts = sorted({p.start for _, p in due})
    received = set(
        InfoReport.objects.filter(unit_id__in=unit_ids, kind__in=PERIODIC_KINDS, period_start__in=starts)
        .exclude(status=ReportStatus.RETURNED)
        .values_list("unit_id", "cadence", "period_start")
        .distinct()
    )
    chased = set(
        ReportChase.objects.filter(unit_id__in=unit_ids, period_start__in=starts).values_list(
            "unit_id", "cadence", "period_start"
        )
    )
    missing = [
        (u, p)
        for u, p in due
        if (u["pk"], p.cadence.value, p.start) not in received
        and (u["pk"], p.cadence.value, p.start) not in chased
    ]
    if not missing:
        return 0, 0
    ReportChase.objects.bulk_create(
        [
            ReportChase(
                unit_id=u["pk"],
                unit_path=u["path"],
                cadence=p.cadence.value,
                period_start=p.start,
                due_at=p.due_at,
                chased_at=now,
            )
            for u, p in missing
        ],
        ignore_conflicts=True,
    )
    people: dict[int, set[int]] = defaultdict(set)
    for pk, unit_id in (
        User.objects.filter(
            is_active=True, unit_id__in={u["pk"] for u, _ in missing}, role_assignments__role__in=CHASED_ROLES
        )
        .values_list("pk", "unit_id")
        .distinct()
    ):
        people[unit_id].add(pk)
    names = dict(Unit.objects.filter(pk__in={u["pk"] for u, _ in missing}).values_list("pk", "name"))
    link = reverse("inforeports:new")
    written = 0
    for unit, period in missing:
        label = CADENCE_LABELS[period.cadence]
        written += notify(
            recipients=sorted(people.get(unit["pk"], ())),
            kind=NotificationKind.DEADLINE_OVERDUE,
            title=f"催报：{names.get(unit['pk'], '')}{period.label}{label}未报送",
            body=(
                f"{period.label}的{label}截止时间 {period.due_at:%m月%d日 %H:%M} 已过，尚未报送。"
                "没有情况也须报送零报告。"
            ),
            link=link,
            dedupe_key=f"inforeports:chase:{unit['pk']}:{period.cadence.value}:{period.start.isoformat()}",
        )
    return len(missing), written


class ReportChaser:
    scan_minutes = 1

    def overdue(self, deadlines: Sequence[Deadline], *, now: datetime) -> int:
        return 0  # the chase keeps no Deadline rows: its cut-offs come from the schedule

    def scan(self, *, now: datetime) -> ScanResult | None:
        count, written = chase(now=now)
        return ScanResult(checked=count, created=written) if count else None


__all__ = ["CHASE_WINDOW", "Cadence", "ReportChaser", "chase"]
