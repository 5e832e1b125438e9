"""Brute-force recounts of the statistics straight from the petitions and their clocks, written
independently of `stats.services` (one ORM query per figure, one per petition for its clocks),
for the tests to compare every summary figure with."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from xinfang.deadlines.models import Deadline
from xinfang.organisation.models import Unit
from xinfang.petitions.choices import OPEN_STATUSES, PetitionStatus
from xinfang.petitions.models import Category, Petition
from xinfang.stats.selectors import month_first_day, month_last_day, month_shift, months_between


def month_range(first: int, last: int) -> Q:
    start = timezone.make_aware(datetime.combine(month_first_day(first), time.min))
    end = timezone.make_aware(datetime.combine(month_last_day(last) + timedelta(days=1), time.min))
    return Q(received_at__gte=start, received_at__lt=end)


def subtree(unit: Unit) -> Q:
    return Q(unit__path__startswith=unit.path)


def _latest_clock(petition: Petition, rules: tuple[str, ...]) -> Deadline | None:
    return (
        Deadline.objects.filter(owner_type="petitions.petition", owner_id=petition.pk, rule__in=rules)
        .order_by("-pk")
        .first()
    )


def _ended_in_time(clock: Deadline | None) -> tuple[bool, bool]:
    """(ended, ended on or before its due day)."""
    if clock is None or clock.is_open:
        return False, False
    ended_on = timezone.localtime(clock.closed_at).date()
    return True, clock.due_date is not None and ended_on <= clock.due_date


def measures(petitions: Any) -> dict[str, int]:
    """The numerators and denominators of the rates, petition by petition."""
    result = dict.fromkeys(
        (
            "intake",
            "collective",
            "skip_level",
            "repeat",
            "accept_decided",
            "accept_timely",
            "answered",
            "answer_timely",
            "first_closed",
            "first_once",
            "evaluated",
            "satisfied",
        ),
        0,
    )
    for p in petitions:
        result["intake"] += 1
        result["collective"] += p.is_collective
        result["skip_level"] += p.is_skip_level
        result["repeat"] += p.repeat_of_id is not None
        decided, timely = _ended_in_time(_latest_clock(p, ("acceptance",)))
        result["accept_decided"] += decided
        result["accept_timely"] += timely
        answered, in_time = _ended_in_time(_latest_clock(p, ("handling", "handling_important")))
        result["answered"] += answered
        result["answer_timely"] += in_time
        if p.repeat_of_id is None and p.status == PetitionStatus.CLOSED:
            result["first_closed"] += 1
            result["first_once"] += p.review_stage == 0
        result["evaluated"] += p.satisfaction != ""
        result["satisfied"] += p.satisfaction in ("satisfied", "basically_satisfied")
    return result


def overdue(base: Q, today: date) -> int:
    return Petition.objects.filter(base, status__in=OPEN_STATUSES, current_deadline__lt=today).count()


def dashboard(unit: Unit, *, first: int, last: int, today: date, until: date) -> dict[str, Any]:
    """Every figure of the leaders' dashboard for `unit`'s subtree, recounted."""
    scope = subtree(unit)
    period = Petition.objects.filter(scope, month_range(first, last))
    children = list(Unit.objects.filter(parent=unit))
    top_level = Category.objects.filter(parent__isnull=True)
    by_category = {c.code: period.filter(Q(category=c) | Q(category__parent=c)).count() for c in top_level}
    units_overdue = {child.pk: overdue(Q(unit__path__startswith=child.path), today) for child in children}
    units_overdue[unit.pk] = overdue(Q(unit=unit), today)
    return {
        "open_by_step": {s: Petition.objects.filter(scope, status=s).count() for s in OPEN_STATUSES},
        "overdue": overdue(scope, today),
        "due_soon": Petition.objects.filter(
            scope, status__in=OPEN_STATUSES, current_deadline__gte=today, current_deadline__lte=until
        ).count(),
        "channels": {
            channel: tuple(
                Petition.objects.filter(scope, month_range(m, m), channel=channel).count()
                for m in (last, month_shift(last, -1), month_shift(last, -12))
            )
            for channel in ("letter", "visit", "call", "online", "reception_day", "referral")
        },
        "trend": [
            Petition.objects.filter(scope, month_range(m, m)).count()
            for m in months_between(month_shift(last, -11), last)
        ],
        "categories": {code: n for code, n in by_category.items() if n},
        "units_overdue": {pk: n for pk, n in units_overdue.items() if n},
        "collective": period.filter(is_collective=True).count(),
        "skip_level": period.filter(is_skip_level=True).count(),
        "measures": measures(period),
    }
