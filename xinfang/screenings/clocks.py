"""Chasing screening rounds (催报): at each cut-off, every unit that owed a round and has not
filed it is chased once: its screeners (信息员, 调解员) and its head (主要领导, 分管领导) are told
(every user of a unit with none of those roles), and a `ScreeningChase` row records it (the
unique row is what makes it once, whoever the recipients are).

The cut-offs are the schedule's regular and quarterly ones per unit type, each sensitive
period's key screening (16:00 on its first day, or the day after it was set), and each special
screening's due moment. The sweep runs `ScreeningChaser.scan` every minute; it looks back to its
previous run (a cached mark), at most `CHASE_WINDOW`, and answers None (no audit entry) when it
chased nothing.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.deadlines.models import Deadline, SensitivePeriod
from xinfang.deadlines.periods import cutoffs_between
from xinfang.deadlines.registry import ScanResult, register_clock_handler
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.services import notify
from xinfang.organisation.models import Unit

from .choices import ScreeningKind
from .models import ScreeningChase, ScreeningRound, SpecialScreening, SpecialScreeningUnit
from .schedule import Expected, Schedule, from_period, key_owed, key_round, schedule_load, special_round
from .selectors import file_link, screeners_of

CHASE_OWNER = "screenings.chase"
CHASE_WINDOW = timedelta(hours=6)  # how far back a scan looks for cut-offs (not a deadline)
LAST_SCAN = "screenings:chase:last"
K = ScreeningKind

Due = tuple[Mapping[str, Any], Expected]


def register() -> None:
    register_clock_handler(CHASE_OWNER, ScreeningChaser())


def _units(**filters: Any) -> list[Mapping[str, Any]]:
    return list(Unit.objects.filter(is_active=True, **filters).values("pk", "path", "unit_type"))


def _scheduled(schedule: Schedule, start: datetime, end: datetime) -> list[Due]:
    by_type: dict[str, list[Expected]] = defaultdict(list)
    for unit_type, own in schedule.items():
        for kind, cutoff in ((K.REGULAR, own.regular), (K.QUARTERLY, own.quarterly)):
            if cutoff is not None:
                by_type[unit_type].extend(from_period(kind, p) for p in cutoffs_between(cutoff, start, end))
    types = [t for t, rounds in by_type.items() if rounds]
    if not types:
        return []
    return [(u, e) for u in _units(unit_type__in=types) for e in by_type[u["unit_type"]]]


def _key(schedule: Schedule, start: datetime, end: datetime) -> list[Due]:
    """Key rounds due in the window: a period is due on its first day, or the day after it was
    set; both lie among the periods that begin in the window's days or were set the day before
    them or during them."""
    first, last = start.astimezone(LOCAL_TZ).date(), end.astimezone(LOCAL_TZ).date()
    times = {t: own.key for t, own in schedule.items() if own.key is not None}
    if not times:
        return []
    candidates = SensitivePeriod.objects.filter(
        Q(starts_on__gte=first, starts_on__lte=last)
        | Q(created_at__gte=start - timedelta(days=2), created_at__lte=end)
    ).select_related("unit")
    found: list[Due] = []
    for period in candidates:
        if not key_owed(period):
            continue
        due_types = {}
        for unit_type, at in times.items():
            expected = key_round(period, at)  # type: ignore[arg-type]
            if start < expected.due_at <= end:
                due_types[unit_type] = expected
        if due_types:
            units = _units(path__startswith=period.unit.path, unit_type__in=list(due_types))
            found.extend((u, due_types[u["unit_type"]]) for u in units)
    return found


def _special(start: datetime, end: datetime) -> list[Due]:
    specials = {
        s.pk: special_round(s) for s in SpecialScreening.objects.filter(due_at__gt=start, due_at__lte=end)
    }
    if not specials:
        return []
    targets = SpecialScreeningUnit.objects.filter(special_id__in=specials, unit__is_active=True).values(
        "special_id", "unit_id", "unit_path", "unit__unit_type"
    )
    return [
        (
            {"pk": t["unit_id"], "path": t["unit_path"], "unit_type": t["unit__unit_type"]},
            specials[t["special_id"]],
        )
        for t in targets
    ]


def _due(schedule: Schedule, start: datetime, end: datetime) -> list[Due]:
    """(unit, round) for every round whose cut-off fell in (start, end]."""
    return [*_scheduled(schedule, start, end), *_key(schedule, start, end), *_special(start, end)]


def chase(*, now: datetime, window: timedelta = CHASE_WINDOW) -> tuple[int, int]:
    """Chases every round due in the window and still missing; returns (chased, notifications).
    A run looks back to the previous run of this process (a cached mark), at most `window`, so
    the minute's runs between cut-offs read little; a restarted worker looks back the window."""
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
    keys = sorted({e.key for _, e in due})
    filed = set(
        ScreeningRound.objects.filter(unit_id__in=unit_ids, period_key__in=keys).values_list(
            "unit_id", "period_key"
        )
    )
    chased = set(
        ScreeningChase.objects.filter(unit_id__in=unit_ids, period_key__in=keys).values_list(
            "unit_id", "period_key"
        )
    )
    seen: set[tuple[int, str]] = set()
    missing: list[Due] = []
    for unit, expected in due:
        key = (unit["pk"], expected.key)
        if key not in filed and key not in chased and key not in seen:
            seen.add(key)
            missing.append((unit, expected))
    if not missing:
        return 0, 0
    ScreeningChase.objects.bulk_create(
        [
            ScreeningChase(
                unit_id=u["pk"],
                unit_path=u["path"],
                kind=e.kind,
                period_key=e.key,
                period_start=e.start,
                due_at=e.due_at,
                chased_at=now,
            )
            for u, e in missing
        ],
        ignore_conflicts=True,
    )
    missing_units = {u["pk"] for u, _ in missing}
    people = screeners_of(missing_units)
    names = dict(Unit.objects.filter(pk__in=missing_units).values_list("pk", "name"))
    written = 0
    for unit, expected in missing:
        kind = ScreeningKind(expected.kind).label
        written += notify(
            recipients=people.get(unit["pk"], []),
            kind=NotificationKind.DEADLINE_OVERDUE,
            title=f"催报：{names.get(unit['pk'], '')}{expected.label}{kind}未报送",
            body=(
                f"{expected.label}的{kind}截止时间 {expected.due_at.astimezone(LOCAL_TZ):%m月%d日 %H:%M} 已过，"
                "尚未报送。没有发现矛盾纠纷也须报送（零报告）。"
            ),
            link=file_link(expected),
            dedupe_key=f"screenings:chase:{unit['pk']}:{expected.key}",
        )
    return len(missing), written


class ScreeningChaser:
    scan_minutes = 1

    def overdue(self, deadlines: Sequence[Deadline], *, now: datetime) -> int:
        return 0  # the chase keeps no Deadline rows: its cut-offs come from the schedule

    def scan(self, *, now: datetime) -> ScanResult | None:
        count, written = chase(now=now)
        return ScanResult(checked=count, created=written) if count else None


__all__ = ["CHASE_WINDOW", "ScreeningChaser", "chase"]
