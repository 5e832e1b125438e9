"""The visit clock (走访期限): a person is due a contact visit `contact_days` after the last one
(or after being entered), a rule of the calendar engine counted in hours (24 a day: no holiday defers it). A sensitive period whose themes
include the person's category raises the frequency for as long as it is in force (一级 daily,
二级 every 3 days, 三级 weekly; the plan's own frequency when that is more often). An overdue
visit tells the 包案责任人 and the 稳控责任人. A person under 24-hour monitoring owes a movement report
(动态, a visit entry) every day. The hourly scan moves the clocks of the persons a
sensitive period in force now covers, so a period set today makes visits fall due today."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from xinfang.deadlines.engine import Unit as TimeUnit
from xinfang.deadlines.models import Deadline, SensitivePeriod
from xinfang.deadlines.registry import ScanResult, register_clock_handler, register_rule
from xinfang.deadlines.rules import RuleDefinition
from xinfang.deadlines.services import deadline_close, deadline_create
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.services import notify

from .choices import PersonStatus
from .models import OWNER_TYPE, KeyPerson

VISIT = "keyperson_visit"
# how often a person of a matching category is visited while a sensitive period of each level
# is in force (days)
SENSITIVE_CONTACT_DAYS = {1: 1, 2: 3, 3: 7}
OPEN = (PersonStatus.ACTIVE, PersonStatus.REMOVAL_REQUESTED)

# counted in hours (a day is 24 of them): a visit falls due on a weekend or in a holiday like any
# other day, unlike the legal time limits counted in days, which a day off at their end defers
RULES = (RuleDefinition(VISIT, "重点人员走访期限", 30 * 24, TimeUnit.HOURS, True, "上次走访（列管）"),)


def register() -> None:
    for rule in RULES:
        register_rule(rule)
    register_clock_handler(OWNER_TYPE, VisitClocks())


def sensitive_days(
    person: KeyPerson, day: date, periods: Sequence[SensitivePeriod] | None = None
) -> int | None:
    """The frequency a sensitive period in force at the person's unit on `day` asks for, when one
    of its themes is the person's category (None: no such period)."""
    if periods is None:
        from xinfang.deadlines.sensitive import periods_for

        periods = periods_for(person.unit, day, day)
    code = person.category.code
    found = [
        SENSITIVE_CONTACT_DAYS.get(p.level)
        for p in periods
        if code in (p.themes or []) and person.unit_path.startswith(p.unit.path)
    ]
    days = [d for d in found if d]
    return min(days) if days else None


MONITORED_DAYS = 1  # a person under 24-hour monitoring: a movement report (动态) every day


def effective_days(person: KeyPerson, day: date, periods: Sequence[SensitivePeriod] | None = None) -> int:
    if person.monitored:
        return MONITORED_DAYS
    raised = sensitive_days(person, day, periods)
    return min(person.contact_days, raised) if raised else person.contact_days


def restart(
    person: KeyPerson, *, since: datetime, now: datetime, periods: Sequence[SensitivePeriod] | None = None
) -> None:
    """Closes the person's open visit clock and starts one from `since` (the last visit)."""
    for clock in Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=person.pk, rule=VISIT, is_open=True):
        deadline_close(deadline=clock, actor=None, at=now)
    clock = deadline_create(
        owner_type=OWNER_TYPE,
        owner_id=person.pk,
        rule=VISIT,
        start=since,
        amount=effective_days(person, timezone.localdate(now), periods) * 24,
        unit=TimeUnit.HOURS,
    )
    person.next_visit_due = clock.due_at
    KeyPerson.objects.filter(pk=person.pk).update(next_visit_due=clock.due_at)


def stop(person: KeyPerson, now: datetime) -> None:
    for clock in Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=person.pk, rule=VISIT, is_open=True):
        deadline_close(deadline=clock, actor=None, at=now)
    person.next_visit_due = None
    KeyPerson.objects.filter(pk=person.pk).update(next_visit_due=None)


def raise_for_periods(now: datetime) -> int:
    """Moves the clocks of the persons whom a sensitive period in force today asks to visit more
    often than their clock says. Returns how many moved."""
    today = timezone.localdate(now)
    periods = [
        p
        for p in SensitivePeriod.objects.filter(starts_on__lte=today, ends_on__gte=today).select_related(
            "unit"
        )
        if p.themes
    ]
    moved = 0
    for period in periods:
        persons = KeyPerson.objects.filter(
            status__in=OPEN, unit_path__startswith=period.unit.path, category__code__in=period.themes
        ).select_related("unit", "category")
        for person in persons:
            since = person.last_visit_at or person.created_at
            days = effective_days(person, today, periods)
            current = Deadline.objects.filter(
                owner_type=OWNER_TYPE, owner_id=person.pk, rule=VISIT, is_open=True
            ).first()
            if current is not None and current.amount <= days * 24:
                continue
            restart(person, since=since, now=now, periods=periods)
            moved += 1
            if person.next_visit_due is not None and person.next_visit_due <= now:
                # due already: told now, not at the sweep's next run (the same notice, once)
                clock = Deadline.objects.filter(
                    owner_type=OWNER_TYPE, owner_id=person.pk, rule=VISIT, is_open=True
                ).first()
                if clock is not None:
                    VisitClocks().overdue([clock], now=now)
    return moved


class VisitClocks:
    scan_minutes = 60

    def overdue(self, deadlines: Sequence[Deadline], *, now: datetime) -> int:
        written = 0
        persons = {
            p.pk: p for p in KeyPerson.objects.filter(pk__in=[d.owner_id for d in deadlines], status__in=OPEN)
        }
        for clock in deadlines:
            person = persons.get(clock.owner_id)
            if person is None:
                continue
            written += notify(
                recipients=[
                    pk for pk in (person.case_owner_id, person.stability_owner_id, person.monitor_id) if pk
                ],
                kind=NotificationKind.DEADLINE_OVERDUE,
                title=f"重点人员走访逾期：{person.number}",
                body=f"{person.number}应于 {timezone.localtime(clock.due_at):%m月%d日} 前走访，尚未走访。",
                owner=person,
                link=reverse("keypersons:detail", args=[person.pk]),
                dedupe_key=f"keypersons:visit:{clock.pk}",
            )
        return written

    def scan(self, *, now: datetime) -> Any:
        moved = raise_for_periods(now)
        return ScanResult(checked=moved, created=0) if moved else None
