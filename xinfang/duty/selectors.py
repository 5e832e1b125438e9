"""Reads of duty: the shifts in scope, a roster month, who is on duty now, and the coverage check."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import sees_subtree
from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta
from xinfang.organisation.models import Unit

from .choices import MemberKind, RosterStatus
from .models import DutySlot, LogEntry, RosterMonth, Shift, ShiftMember


def _scope(actor: Any, field: str) -> Q:
    unit = getattr(actor, "unit", None)
    if unit is None:
        return Q(pk__in=[])
    if sees_subtree(actor):
        return Q(**{f"{field}__startswith": unit.path})
    return Q(**{f"{field}": unit.path})


def shifts_visible_to(actor: Any) -> QuerySet[Shift]:
    """The shifts of the actor's unit, and of the units below it for those who see a subtree:
    the one place duty's scope is decided (by the unit's path, as petitions do)."""
    return Shift.objects.filter(_scope(actor, "unit_path"))


def rosters_visible_to(actor: Any) -> QuerySet[RosterMonth]:
    return RosterMonth.objects.filter(_scope(actor, "unit_path"))


def entries_visible_to(actor: Any) -> QuerySet[LogEntry]:
    return LogEntry.objects.filter(_scope(actor, "shift__unit_path"))


def _missed(actor: Any, model: Any, pk: Any, request_meta: RequestMeta | None) -> NotFound:
    audit_access_denied(actor=actor, model=model, target_id=pk, request_meta=request_meta)
    return NotFound()


def access_shift_by_id(actor: Any, shift_id: Any, request_meta: RequestMeta | None = None) -> Shift:
    """A shift in scope, with its unit, roster and people; 404 (audited when it exists) otherwise."""
    try:
        return (
            shifts_visible_to(actor)
            .select_related("unit", "roster", "signed_by")
            .prefetch_related(
                Prefetch("members", queryset=ShiftMember.objects.select_related("user", "replaces__user"))
            )
            .get(pk=int(shift_id))
        )
    except (Shift.DoesNotExist, ValueError, TypeError):
        raise _missed(actor, Shift, shift_id, request_meta) from None


def access_roster_by_id(actor: Any, roster_id: Any, request_meta: RequestMeta | None = None) -> RosterMonth:
    try:
        return rosters_visible_to(actor).select_related("unit").get(pk=int(roster_id))
    except (RosterMonth.DoesNotExist, ValueError, TypeError):
        raise _missed(actor, RosterMonth, roster_id, request_meta) from None


def access_entry_by_id(actor: Any, entry_id: Any, request_meta: RequestMeta | None = None) -> LogEntry:
    try:
        return entries_visible_to(actor).select_related("shift__unit").get(pk=int(entry_id))
    except (LogEntry.DoesNotExist, ValueError, TypeError):
        raise _missed(actor, LogEntry, entry_id, request_meta) from None


def slots_of(unit: Unit) -> list[DutySlot]:
    """The unit's shifts of a day; a unit that set none keeps one 24-hour shift from 08:30."""
    slots = list(DutySlot.objects.filter(unit=unit))
    if slots:
        return slots
    from datetime import time

    return [DutySlot(unit=unit, label="全天", starts=time(8, 30), minutes=24 * 60, order=0)]


def roster_shifts(roster: RosterMonth) -> list[Shift]:
    """The month's shifts with their people, in order: two queries whatever the month."""
    members = ShiftMember.objects.select_related("user", "replaces__user").order_by("kind", "pk")
    return list(
        roster.shifts.order_by("starts_at", "pk").prefetch_related(Prefetch("members", queryset=members))
    )


def shift_list(
    *, actor: Any, unit: int | None = None, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[Shift]:
    qs = shifts_visible_to(actor).select_related("unit")
    if unit is not None:
        qs = qs.filter(unit_id=unit)
    if start is not None:
        qs = qs.filter(ends_at__gt=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    return qs.order_by("starts_at", "pk")


# --- who is on duty now --------------------------------------------------------------------------


@dataclass
class OnDuty:
    unit: Unit
    shift: Shift | None
    leaders: list[ShiftMember] = field(default_factory=list)
    staff: list[ShiftMember] = field(default_factory=list)


def on_duty_now(units: list[Unit], *, at: datetime | None = None) -> list[OnDuty]:
    """今日值班: for each unit, the published shift running at `at` (now) and who serves on it.
    Two queries for any number of units."""
    at = at or timezone.now()
    shifts = {
        s.unit_id: s
        for s in Shift.objects.filter(unit__in=units, published=True, starts_at__lte=at, ends_at__gt=at)
        .order_by("starts_at")
        .prefetch_related(
            Prefetch("members", queryset=ShiftMember.objects.filter(serving=True).select_related("user"))
        )
    }
    result = []
    for unit in units:
        shift = shifts.get(unit.pk)
        row = OnDuty(unit, shift)
        if shift is not None:
            for member in shift.members.all():
                (row.leaders if member.kind == MemberKind.LEADER else row.staff).append(member)
        result.append(row)
    return result


def duty_units_for(user: User) -> list[Unit]:
    """The units whose duty a user's home page shows: their own and the one above."""
    unit = user.unit
    if unit is None:
        return []
    return [unit, unit.parent] if unit.parent_id else [unit]  # type: ignore[list-item]


# --- coverage ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    unit_id: int
    unit_name: str
    start: datetime
    end: datetime
    missing: tuple[str, ...]  # "leader", "staff"
    needed_staff: int = 1
    periods: tuple[str, ...] = ()

    @property
    def missing_label(self) -> str:
        labels = {"leader": "带班领导", "staff": f"值班员（需 {self.needed_staff} 人）"}
        return "、".join(labels[m] for m in self.missing)


def coverage_gaps(*, units: QuerySet[Unit] | list[Unit], start: datetime, end: datetime) -> list[Gap]:
    """Every stretch of [start, end) in which a unit's published shifts have no 带班领导 or fewer
    值班员 than required (more in a sensitive period: `deadlines.sensitive.cover_segments`; a
    period whose level keeps a leader present all day needs one every minute, as normal times
    do). Three queries whatever the number of units: the shifts with their counts, the periods,
    the level rules."""
    from xinfang.deadlines.sensitive import cover_segments_many

    unit_list = list(units)
    rows = (
        Shift.objects.filter(unit__in=unit_list, published=True, ends_at__gt=start, starts_at__lt=end)
        .annotate(
            leaders=Count("members", filter=Q(members__serving=True, members__kind=MemberKind.LEADER)),
            staff=Count("members", filter=Q(members__serving=True, members__kind=MemberKind.STAFF)),
        )
        .values_list("unit_id", "starts_at", "ends_at", "leaders", "staff")
    )
    by_unit: dict[int, list[tuple[datetime, datetime, int, int]]] = defaultdict(list)
    for unit_id, s, e, leaders, staff in rows:
        by_unit[unit_id].append((max(s, start), min(e, end), leaders, staff))
    gaps: list[Gap] = []
    segments_of = cover_segments_many(unit_list, start, end)
    for unit in unit_list:
        for seg in segments_of[unit.pk]:
            gaps.extend(
                _unit_gaps(unit, by_unit.get(unit.pk, []), seg.start, seg.end, seg.staff, seg.period_names)
            )
    return _merge(gaps)


def _unit_gaps(
    unit: Unit,
    shifts: list[tuple[datetime, datetime, int, int]],
    start: datetime,
    end: datetime,
    needed: int,
    periods: tuple[str, ...],
) -> list[Gap]:
    """Sweeps the shifts' boundaries inside [start, end): between two boundaries the cover is
    the sum of the shifts running then."""
    points = {start, end}
    for s, e, _, _ in shifts:
        if s < end and e > start:
            points.add(max(s, start))
            points.add(min(e, end))
    ordered = sorted(points)
    gaps = []
    for a, b in zip(ordered, ordered[1:], strict=False):
        leaders = sum(n for s, e, n, _ in shifts if s <= a and e >= b)
        staff = sum(n for s, e, _, n in shifts if s <= a and e >= b)
        missing = tuple(m for m, short in (("leader", leaders < 1), ("staff", staff < needed)) if short)
        if missing:
            gaps.append(Gap(unit.pk, unit.name, a, b, missing, needed, periods))
    return gaps


def _merge(gaps: list[Gap]) -> list[Gap]:
    merged: list[Gap] = []
    for gap in gaps:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.unit_id == gap.unit_id
            and last.end == gap.start
            and last.missing == gap.missing
            and last.needed_staff == gap.needed_staff
        ):
            merged[-1] = Gap(
                last.unit_id,
                last.unit_name,
                last.start,
                gap.end,
                last.missing,
                last.needed_staff,
                last.periods,
            )
        else:
            merged.append(gap)
    return merged


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def day_start(day: date, *, after: bool = False) -> datetime:
    """00:00 local of `day` (`after`: of the day after it)."""
    if after:
        day = date.fromordinal(day.toordinal() + 1)
    return timezone.make_aware(datetime.combine(day, datetime.min.time()), timezone.get_current_timezone())


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[the first day 00:00, the next month's first day 00:00), local time."""
    tz = timezone.get_current_timezone()
    first = month.replace(day=1)
    return (
        timezone.make_aware(datetime.combine(first, datetime.min.time()), tz),
        timezone.make_aware(datetime.combine(next_month(first), datetime.min.time()), tz),
    )


def published_months_with_gaps(unit: Unit) -> list[RosterMonth]:
    """The unit's published months (this one and the next) whose roster leaves a gap from now on:
    the warning on the office's home page."""
    today = timezone.localdate()
    months = RosterMonth.objects.filter(
        unit=unit, status=RosterStatus.PUBLISHED, month__gte=today.replace(day=1)
    )
    found = []
    now = timezone.now()
    for roster in months.order_by("month")[:2]:
        start, end = month_bounds(roster.month)
        # from now on: hours already past cannot be covered any more, so they warn of nothing
        if coverage_gaps(units=[unit], start=max(start, now), end=end):
            found.append(roster)
    return found


# --- the pages' reads (views.py) -------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One of a unit's people as the duty forms offer them: a leader may lead a shift (带班)."""

    user: User
    is_leader: bool
    roles: tuple[str, ...] = ()  # the role labels (接访员, 分管领导 …)


def unit_people(unit: Unit) -> list[Person]:
    """The active people of a unit who may serve on its shifts (business roles, not the system
    administrators), leaders first. One query (with their roles)."""
    from xinfang.accounts.models import RoleAssignment
    from xinfang.accounts.roles import BUSINESS_ROLES, Role

    leader_roles = {Role.LEADER, Role.PRINCIPAL}
    rows = RoleAssignment.objects.filter(
        user__unit=unit, user__is_active=True, role__in=sorted(BUSINESS_ROLES)
    ).select_related("user")
    people: dict[int, Person] = {}
    for row in rows.order_by("user__pk", "role"):
        known = people.get(row.user_id)
        people[row.user_id] = Person(
            row.user,
            row.role in leader_roles or (known is not None and known.is_leader),
            (*(known.roles if known is not None else ()), Role(row.role).label),
        )
    return sorted(people.values(), key=lambda p: (not p.is_leader, p.user.pk))


def adjacent_shifts(shift: Shift) -> tuple[Shift | None, Shift | None]:
    """The unit's shift just before and just after `shift` (published ones for a published
    shift, as the handover reads them). Two queries."""
    rows = Shift.objects.filter(unit_id=shift.unit_id, published=shift.published).exclude(pk=shift.pk)
    before = rows.filter(starts_at__lt=shift.starts_at).order_by("-starts_at", "-pk").first()
    after = rows.filter(starts_at__gt=shift.starts_at).order_by("starts_at", "pk").first()
    return before, after


def upcoming_shifts(shift: Shift, *, limit: int = 62) -> list[Shift]:
    """The unit's other shifts not yet started, from now on (换班's 对换班次). One query."""
    from .choices import ShiftStatus

    return list(
        Shift.objects.filter(unit_id=shift.unit_id, status=ShiftStatus.PLANNED, starts_at__gte=timezone.now())
        .exclude(pk=shift.pk)
        .order_by("starts_at", "pk")[:limit]
    )


@dataclass
class ShiftRecord:
    """What a shift's page shows besides the shift: its duty log (the entries it answers for),
    its handover with the items, the handovers it received, and its history."""

    log: list[LogEntry]
    handover: Any  # Handover | None
    items: list[Any]  # HandoverItem
    received: list[Any]  # Handover (to this shift) with their items
    events: list[Any]  # ShiftEvent


def shift_record(shift: Shift) -> ShiftRecord:
    """Five queries whatever the number of entries, items and events. The shift's own handover
    (with its items) is also set on `shift`, so that the machine's guards read it without a
    query of their own."""
    from .models import Handover, HandoverItem, ShiftEvent

    log = list(
        LogEntry.objects.filter(current_shift=shift)
        .select_related("recorded_by", "acknowledged_by", "shift")
        .order_by("at", "pk")
    )
    items_in_order = HandoverItem.objects.select_related("decided_by").order_by("pk")
    handover = (
        Handover.objects.filter(shift=shift)
        .select_related("to_shift", "handed_by")
        .prefetch_related(Prefetch("items", queryset=items_in_order))
        .first()
    )
    shift.handover = handover  # type: ignore[assignment]
    items = list(handover.items.all()) if handover is not None else []
    received = list(
        Handover.objects.filter(to_shift=shift)
        .select_related("shift", "handed_by")
        .prefetch_related(Prefetch("items", queryset=items_in_order))
        .order_by("handed_at")
    )
    events = list(ShiftEvent.objects.filter(shift=shift).select_related("actor").order_by("created_at", "pk"))
    return ShiftRecord(log, handover, items, received, events)
