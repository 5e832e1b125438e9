"""A petition's clocks: at most one open `Deadline` (acceptance → handling → review_decision →
rereview_decision), and the petitioner's windows computed by the engine at each answer.

The open clock is read once per transition (`Change.memo`), however many effects ask for it.
"""

from datetime import date, datetime

from django.utils import timezone

from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_load, rule_for
from xinfang.deadlines.services import deadline_close, deadline_create
from xinfang.organisation.models import Unit
from xinfang.procedure.machine import Change

from ..models import OWNER_TYPE, Petition

CLOCK = "clock"


def open_clock(petition: Petition) -> Deadline | None:
    return Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=petition.pk, is_open=True).first()


def clock_of(change: Change[Petition]) -> Deadline | None:
    """The petition's open clock, read once per transition."""
    if CLOCK not in change.memo:
        change.memo[CLOCK] = open_clock(change.case)
    clock: Deadline | None = change.memo[CLOCK]
    return clock


def close_clock(change: Change[Petition]) -> None:
    clock = clock_of(change)
    if clock is not None:
        deadline_close(deadline=clock, actor=change.actor, at=change.now)
    change.memo[CLOCK] = None
    change.case.current_deadline = None


def start_clock(change: Change[Petition], rule: str, unit: Unit, start: date | datetime) -> Deadline:
    """Closes the open clock and opens the next one, by the rule set of `unit`'s type."""
    close_clock(change)
    spec = rule_for(rule, unit.unit_type)
    clock = deadline_create(
        owner_type=OWNER_TYPE,
        owner_id=change.case.pk,
        rule=rule,
        start=start,
        amount=spec.amount,
        unit=spec.unit,
        actor=change.actor,
    )
    change.memo[CLOCK] = clock
    change.data[f"{rule}_deadline"] = clock.due_date.isoformat() if clock.due_date else None
    change.data[f"{rule}_rule"] = f"{spec.amount} {spec.unit}（{spec.source_label}）"
    return clock


def engine_window(rule: str, unit: Unit, start: date) -> date:
    """The last day of a window fixed by law (review windows, objection), by the calendar engine."""
    spec = rule_for(rule, unit.unit_type)
    result = compute_deadline(
        start=start, amount=spec.amount, unit=spec.unit, calendar=calendar_load(), rule=rule
    )
    assert result.due_date is not None
    return result.due_date


def objection_until(p: Petition) -> date | None:
    """The last day the receiving unit may object (5 working days from arrival, art. 23)."""
    if p.handling_unit is None or p.routed_at is None:
        return None
    return engine_window("objection", p.handling_unit, timezone.localtime(p.routed_at).date())


def handling_rule(petition: Petition) -> str:
    """Important matters (紧急、集体、联名) may have a shorter internal target than ordinary ones."""
    important = petition.is_urgent or petition.is_collective or petition.is_joint_letter
    return "handling_important" if important else "handling"


def refresh_current_deadline(change: Change[Petition]) -> None:
    """`current_deadline`: the open clock's due day, or the earlier 交办 deadline."""
    petition = change.case
    clock = clock_of(change)
    due = clock.due_date if clock is not None else None
    if due is not None and petition.assignment_due is not None:
        due = min(due, petition.assignment_due)
    petition.current_deadline = due
