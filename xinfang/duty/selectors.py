"""Reads of duty: the shifts in scope, a roster month, who is on duty now, and the coverage check."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import sees_subtree
from xinfang.audit.services import audit_access_denied
from xinfang.core.db import Epoch
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
    running: dict[int, list[Shift]] = defaultdict(list)
    for s in (
        Shift.objects.filter(unit__in=units, published=True, starts_at__lte=at, ends_at__gt=at)
        .order_by("starts_at", "pk")
        .prefetch_related(
            Prefetch("members", queryset=ShiftMember.objects.filter(serving=True).select_related("user"))
        )
    ):
        running[s.unit_id].append(s)  # a 备勤 added by hand runs alongside the regular shift
    result = []
    for unit in units:
        shifts = running.get(unit.pk, [])
        row = OnDuty(unit, shifts[0] if shifts else None)
        seen: set[int] = set()
        for shift in shifts:
            for member in shift.members.all():
                if member.user_id in seen:
                    continue
                seen.add(member.user_id)
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
    do). Three queries whatever the number of units: the shifts with the counts they keep of who
    serves (times read as epoch seconds, not parsed one by one), the periods, the level rules;
    then one sweep per unit over its shifts' and periods' boundaries in time order."""
    from xinfang.deadlines.sensitive import cover_segments_many

    unit_list = list(units)
    begin, finish = int(start.timestamp()), int(end.timestamp())
    rows = (
        Shift.objects.filter(unit__in=unit_list, published=True, ends_at__gt=start, starts_at__lt=end)
        .annotate(s=Epoch("starts_at"), e=Epoch("ends_at"))
        .values_list("unit_id", "s", "e", "leaders_serving", "staff_serving")
    )
    # per unit: time → [leaders, staff, required staff] changes, swept in order
    changes: dict[int, dict[int, list[int]]] = defaultdict(dict)
    for unit_id, s, e, leaders, staff in rows:
        points = changes[unit_id]
        s, e = max(s, begin), min(e, finish)
        for at, sign in ((s, 1), (e, -1)):
            change = points.setdefault(at, [0, 0, 0])
            change[0] += sign * leaders
            change[1] += sign * staff
    segments_of = cover_segments_many(unit_list, start, end)
    tz = timezone.get_current_timezone()
    gaps: list[Gap] = []
    for unit in unit_list:
        points = changes.get(unit.pk, {})
        needed_at: dict[int, tuple[int, tuple[str, ...]]] = {}
        for seg in segments_of[unit.pk]:
            at = int(seg.start.timestamp())
            needed_at[at] = (seg.staff, seg.period_names)
            points.setdefault(at, [0, 0, 0])
        points.setdefault(begin, [0, 0, 0])
        gaps.extend(_sweep(unit, points, needed_at, finish, tz))
    return gaps


def _sweep(
    unit: Unit,
    points: dict[int, list[int]],
    needed_at: dict[int, tuple[int, tuple[str, ...]]],
    finish: int,
    tz: Any,
) -> list[Gap]:
    """One pass over a unit's boundaries: the running sums of leaders and staff between two of
    them are the cover then; consecutive stretches short of the same thing are one gap."""
    leaders = staff = 0
    needed = 1
    periods: tuple[str, ...] = ()
    gaps: list[Gap] = []
    open_gap: tuple[int, tuple[str, ...], int, tuple[str, ...]] | None = (
        None  # start, missing, needed, periods
    )
    ordered = sorted(at for at in points if at < finish)
    for at in ordered:
        change = points[at]
        leaders += change[0]
        staff += change[1]
        if at in needed_at:
            needed, periods = needed_at[at]
        missing = tuple(m for m, short in (("leader", leaders < 1), ("staff", staff < needed)) if short)
        key = (missing, needed, periods)
        if open_gap is not None and (open_gap[1], open_gap[2], open_gap[3]) != key:
            gaps.append(_gap(unit, open_gap, at, tz))
            open_gap = None
        if missing and open_gap is None:
            open_gap = (at, missing, needed, periods)
    if open_gap is not None:
        gaps.append(_gap(unit, open_gap, finish, tz))
    return gaps


def _gap(unit: Unit, found: tuple[int, tuple[str, ...], int, tuple[str, ...]], end: int, tz: Any) -> Gap:
    start, missing, needed, periods = found
    return Gap(
        unit.pk,
        unit.name,
        datetime.fromtimestamp(start, tz),
        datetime.fromtimestamp(end, tz),
        missing,
        needed,
        periods,
    )


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
