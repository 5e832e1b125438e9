"""Reads of screening rounds: the rounds in scope, the rounds a unit owes (due, filed, missing),
the special screenings in scope, and the completeness grid (expected / filed / on time / late /
missing per unit, like the information reports' grid).

The grid is five queries however large the county (units, schedule, sensitive periods, special
screenings' units, rounds) and one pass in Python; the expected rounds of each unit type are
computed once per type, not once per unit."""

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import BUSINESS_ROLES, Role
from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.deadlines.models import SensitivePeriod
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import scope_q, units_visible_to

from .models import ScreeningChase, ScreeningRound, SpecialScreening, SpecialScreeningUnit
from .schedule import (
    Expected,
    Schedule,
    TypeSchedule,
    key_owed,
    key_round,
    schedule_load,
    scheduled_rounds,
    special_round,
)


def rounds_visible_to(actor: Any) -> QuerySet[ScreeningRound]:
    """The rounds filed by the actor's unit, and by the units below it for those who see a
    subtree: the one place the rounds' scope is decided."""
    return ScreeningRound.objects.filter(scope_q(actor, path_field="unit_path"))


def access_round_by_id(actor: Any, round_id: Any, request_meta: RequestMeta | None = None) -> ScreeningRound:
    try:
        return (
            rounds_visible_to(actor)
            .select_related("unit", "filed_by", "special", "sensitive_period")
            .get(pk=int(round_id))
        )
    except (ScreeningRound.DoesNotExist, ValueError, TypeError, OverflowError):
        audit_access_denied(actor=actor, model=ScreeningRound, target_id=round_id, request_meta=request_meta)
        raise NotFound() from None


def round_list(
    *,
    actor: Any,
    kind: str = "",
    unit: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[ScreeningRound]:
    """The rounds in scope, newest first; `unit` with the units below it; `start`/`end` the
    filing days (inclusive). A query: paginate it."""
    rows = rounds_visible_to(actor)
    if kind:
        rows = rows.filter(kind=kind)
    if unit is not None:
        target = units_visible_to(actor).filter(pk=unit).values_list("path", flat=True).first()
        rows = rows.filter(unit_path__startswith=target) if target else rows.none()
    if start is not None:
        rows = rows.filter(filed_at__gte=day_start(start))
    if end is not None:
        rows = rows.filter(filed_at__lt=day_start(end + timedelta(days=1)))
    return rows.select_related("unit", "filed_by").order_by("-filed_at", "-pk")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def specials_visible_to(actor: Any) -> QuerySet[SpecialScreening]:
    """The special screenings opened by a unit in the actor's scope, or that ask the actor's unit
    (or, for those who see a subtree, a unit below it) for a round."""
    unit = getattr(actor, "unit", None)
    if unit is None:
        return SpecialScreening.objects.none()
    asked = SpecialScreeningUnit.objects.filter(scope_q(actor, path_field="unit_path")).values("special_id")
    return SpecialScreening.objects.filter(Q(scope_q(actor, path_field="unit_path")) | Q(pk__in=asked))


def access_special_by_id(
    actor: Any, special_id: Any, request_meta: RequestMeta | None = None
) -> SpecialScreening:
    try:
        return specials_visible_to(actor).select_related("unit", "opened_by").get(pk=int(special_id))
    except (SpecialScreening.DoesNotExist, ValueError, TypeError, OverflowError):
        audit_access_denied(
            actor=actor, model=SpecialScreening, target_id=special_id, request_meta=request_meta
        )
        raise NotFound() from None


# --- what is expected -------------------------------------------------------------------------------


def _subtree(unit: Unit) -> Q:
    """The unit and those below it, as a range of paths an index can seek."""
    return Q(unit_path__gte=unit.path, unit_path__lt=unit.path[:-1] + "0")


def _ancestor_ids(unit: Unit) -> list[int]:
    return [int(p) for p in unit.path.strip("/").split("/") if p]


def _sensitive_by_unit(
    units: Sequence[Mapping[str, Any]], top: Unit, first: date, last: date
) -> dict[int, list[Any]]:
    """The sensitive periods in force at each unit (set by it or above it) that overlap the
    stretch, in one query."""
    rows = list(
        SensitivePeriod.objects.filter(starts_on__lte=last, ends_on__gte=first)
        .filter(Q(unit_id__in=_ancestor_ids(top)) | Q(unit__path__startswith=top.path))
        .select_related("unit")
        .order_by("starts_on", "pk")
    )
    if not rows:
        return {}
    return {u["pk"]: [p for p in rows if u["path"].startswith(p.unit.path)] for u in units}


def _specials_by_unit(
    top: Unit, first: date, last: date, only: int | None = None
) -> dict[int, list[SpecialScreening]]:
    """The special screenings that ask each unit at or below `top` (or the unit `only`) for a
    round in the stretch."""
    found: dict[int, list[SpecialScreening]] = defaultdict(list)
    specials: dict[int, SpecialScreening] = {}
    targets = (
        SpecialScreeningUnit.objects.filter(unit_id=only)
        if only
        else SpecialScreeningUnit.objects.filter(_subtree(top))
    )
    for target in (
        targets.filter(special__starts_on__lte=last, special__ends_on__gte=first)
        .select_related("special")
        .order_by("special__starts_on", "special_id")
    ):
        special = specials.setdefault(target.special_id, target.special)
        found[target.unit_id].append(special)
    return found


class ExpectedRounds:
    """The rounds each unit owes in [first, last], read with three queries for any number of
    units (the sensitive periods and the special screenings of the subtree of `top`)."""

    def __init__(
        self, units: Sequence[Mapping[str, Any]], top: Unit, first: date, last: date, schedule: Schedule
    ):
        self.first, self.last, self.schedule = first, last, schedule
        self.sensitive = _sensitive_by_unit(units, top, first, last)
        self.specials = _specials_by_unit(top, first, last, units[0]["pk"] if len(units) == 1 else None)
        self._by_type: dict[str, list[Expected]] = {}
        self._key: dict[tuple[int, Any], Expected] = {}
        self._special: dict[int, Expected] = {}

    def own(self, unit_type: str) -> TypeSchedule:
        return self.schedule.get(unit_type, TypeSchedule())

    def of(self, unit: Mapping[str, Any]) -> list[Expected]:
        unit_type = unit["unit_type"]
        own = self.own(unit_type)
        if unit_type not in self._by_type:
            self._by_type[unit_type] = scheduled_rounds(own, self.first, self.last)
        found = list(self._by_type[unit_type])
        if own.key is not None:
            for period in self.sensitive.get(unit["pk"], ()):
                if not key_owed(period):
                    continue
                cached = self._key.get((period.pk, own.key))
                if cached is None:
                    cached = self._key[(period.pk, own.key)] = key_round(period, own.key)
                found.append(cached)
        for special in self.specials.get(unit["pk"], ()):
            if special.pk not in self._special:
                self._special[special.pk] = special_round(special)
            found.append(self._special[special.pk])
        return found


# --- completeness -----------------------------------------------------------------------------

ON_TIME, LATE, MISSING, PENDING = "on_time", "late", "missing", "pending"
STATE_LABELS = {ON_TIME: "按时", LATE: "迟报", MISSING: "未报", PENDING: "未到期"}


@dataclass
class Cell:
    expected: Expected
    state: str
    round_id: int | None = None


@dataclass
class UnitRow:
    unit_id: int
    name: str
    unit_type: str
    depth: int
    cells: list[Cell] = field(default_factory=list)

    @cached_property
    def counts(self) -> Counter[str]:
        """The cells by state (read once the cells are set)."""
        return Counter(c.state for c in self.cells)

    def _count(self, *states: str) -> int:
        return sum(self.counts[state] for state in states)

    @property
    def expected(self) -> int:
        return self._count(ON_TIME, LATE, MISSING)

    @property
    def filed(self) -> int:
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

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.rows)

    @staticmethod
    def rate(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}%" if whole else "—"


def _state(expected: Expected, filed: tuple[bool, int] | None, now: datetime) -> Cell:
    """A filed round is on time or late as it was judged when filed (against the cut-off then in
    force: a later change of the schedule makes nobody late after the fact)."""
    if filed is not None:
        return Cell(expected, ON_TIME if filed[0] else LATE, filed[1])
    return Cell(expected, MISSING if expected.due_at <= now else PENDING)


def completeness(
    *,
    actor: Any,
    unit: Unit,
    first: date,
    last: date,
    now: datetime | None = None,
    schedule: Schedule | None = None,
) -> Completeness:
    """For every unit in scope at or below `unit`: each round it owed in [first, last] (regular,
    quarterly, key, special) and whether it was filed on time, late, not at all, or is not due
    yet. Five queries (units, schedule, sensitive periods, special screenings, rounds)."""
    now = now or timezone.now()
    schedule = schedule if schedule is not None else schedule_load()
    units = list(
        units_visible_to(actor)
        .filter(path__startswith=unit.path, is_active=True)
        .order_by("path")
        .values("pk", "name", "unit_type", "depth", "path")
    )
    expected = ExpectedRounds(units, unit, first, last, schedule)
    filed: dict[tuple[int, str], tuple[bool, int]] = {
        (unit_id, key): (on_time, pk)
        for unit_id, key, on_time, pk in ScreeningRound.objects.filter(
            _subtree(unit), period_start__lte=last, period_end__gte=first
        ).values_list("unit_id", "period_key", "on_time", "pk")
    }
    rows = []
    for row in units:
        line = UnitRow(row["pk"], row["name"], row["unit_type"], row["depth"])
        line.cells = [_state(e, filed.get((row["pk"], e.key)), now) for e in expected.of(row)]
        rows.append(line)
    return Completeness(unit=unit, first=first, last=last, rows=rows)


def chased_counts(actor: Any, unit: Unit, first: date, last: date) -> dict[int, int]:
    """How many times each unit was chased (催报) for a round due in [first, last]."""
    rows = (
        ScreeningChase.objects.filter(
            _subtree(unit), due_at__gte=day_start(first), due_at__lt=day_start(last + timedelta(days=1))
        )
        .filter(unit_id__in=units_visible_to(actor).values("pk"))
        .values("unit_id")
        .annotate(n=Count("pk"))
    )
    return {r["unit_id"]: r["n"] for r in rows}


# --- what a unit owes -------------------------------------------------------------------------------


def owed(unit: Unit, first: date, last: date, now: datetime | None = None) -> list[Cell]:
    """The rounds `unit` owes in [first, last] with their state, the latest due first (its own
    page: due, filed, missing). Five queries."""
    now = now or timezone.now()
    row = {"pk": unit.pk, "unit_type": unit.unit_type, "path": unit.path}
    expected = ExpectedRounds([row], unit, first, last, schedule_load())
    keys = [e.key for e in expected.of(row)]
    filed = {
        key: (on_time, pk)
        for key, on_time, pk in ScreeningRound.objects.filter(
            unit_id=unit.pk, period_key__in=keys
        ).values_list("period_key", "on_time", "pk")
    }
    cells = [_state(e, filed.get(e.key), now) for e in expected.of(row)]
    return sorted(cells, key=lambda c: (c.expected.due_at, c.expected.key), reverse=True)


__all__ = [
    "Completeness",
    "ExpectedRounds",
    "UnitRow",
    "completeness",
    "owed",
    "round_list",
    "rounds_visible_to",
]


def file_link(expected: Expected) -> str:
    """The filing form of one expected round (`/screenings/new/?kind=…&period=…`)."""
    from django.urls import reverse
    from django.utils.http import urlencode

    query: dict[str, str] = {"kind": str(expected.kind)}
    if expected.sensitive_id is not None:
        query["sensitive"] = str(expected.sensitive_id)
    elif expected.special_id is not None:
        query["special"] = str(expected.special_id)
    else:
        query["period"] = expected.start.isoformat()
    return f"{reverse('screenings:new')}?{urlencode(query)}"


SCREENERS = (Role.INFORMANT, Role.MEDIATOR)
HEADS = (Role.PRINCIPAL, Role.LEADER)


def screeners_of(unit_ids: set[int]) -> dict[int, list[int]]:
    """Per unit: its screeners (信息员, 调解员) and its head (主要领导, 分管领导), else every active
    user of the unit who holds a business role (a village of cadres only). One query."""
    roles: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for pk, unit_id, role in User.objects.filter(is_active=True, unit_id__in=unit_ids).values_list(
        "pk", "unit_id", "role_assignments__role"
    ):
        roles[unit_id][pk].add(role or "")
    wanted = {*SCREENERS, *HEADS}
    business = {r.value for r in BUSINESS_ROLES}
    found: dict[int, list[int]] = {}
    for unit_id, people in roles.items():
        chosen = sorted(pk for pk, held in people.items() if held & wanted)
        found[unit_id] = chosen or sorted(pk for pk, held in people.items() if held & business)
    return found
