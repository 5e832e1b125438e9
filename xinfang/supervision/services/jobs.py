"""The daily jobs of supervision: escalation of overdue supervisions and proposals for overdue
petitions. They run without an actor, are idempotent, and write one audit entry per run."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.services import notify
from xinfang.organisation.models import Unit
from xinfang.petitions.choices import CLOSED_STATUSES, OPEN_STATUSES
from xinfang.petitions.models import Petition
from xinfang.procedure.engine import transition, transition_batch

from .. import machine as supervision_machine
from ..choices import ACTIVE_STATUSES, RUNNING_STATUSES, Method, SupervisionKind, Trigger
from ..models import OWNER_TYPE, Supervision
from ..selectors import staff_by_unit, unit_leaders
from .common import (
    PROPOSAL_BATCH,
    PROPOSAL_ROLES,
    ST,
    notify_users,
    report_deadline,
)


@dataclass(frozen=True)
class EscalationReport:
    escalated: int
    at_top: int  # overdue, but the supervising unit has no unit above it
    closed_with_petition: int = 0  # ended because their petition was closed


@transaction.atomic
def supervision_escalate_overdue(*, actor: Any, today: date | None = None) -> EscalationReport:
    """逾期升级: an open supervision past its time limit becomes 已升级 and the unit above its
    supervising unit supervises anew (one level up). Idempotent: an escalated one is not open.
    Both are steps of the supervision machine taken as 系统, each with its timeline event.

    Supervisions of petitions closed in the meantime (办结, 不予受理, 不再受理) end first: a
    closed matter takes no further step (the procedure's rule), so nothing could answer them."""
    today = today or timezone.localdate()
    closed = _close_with_petition()
    overdue = list(
        Supervision.objects.select_related("supervising_unit__parent", "responsible_unit", "petition")
        .filter(status=ST.OPEN, deadline__lt=today)
        .order_by("pk")
    )
    escalated: list[Supervision] = []
    at_top = 0
    deadline = report_deadline(today) if overdue else today
    for old in overdue:
        parent = old.supervising_unit.parent
        if parent is None:
            at_top += 1
            continue
        escalated.append(_escalate(old, parent, deadline=deadline))
    leaders = unit_leaders([s.supervising_unit_id for s in escalated])
    for new in escalated:
        notify_users(
            recipients=leaders.get(new.supervising_unit_id, []),
            kind="escalation",
            title=f"督办升级：{new.petition.number}",
            body=(
                f"{new.responsible_unit.name}未在期限内报告本件的办理情况，"
                f"已升级由{new.supervising_unit.name}督办（第 {new.level} 级）。"
            ),
            petition=new.petition,
            dedupe_key=f"supervision-{new.pk}-escalated",
        )
    audit_record(
        actor=actor,
        event=AuditEvent.RECORD_CHANGED,
        target_type=OWNER_TYPE,
        target_label="督办逾期升级",
        action="supervision_escalate",
        today=today,
        escalated=len(escalated),
        at_top=at_top,
        closed_with_petition=closed,
    )
    return EscalationReport(escalated=len(escalated), at_top=at_top, closed_with_petition=closed)


def _close_with_petition() -> int:
    ended = list(
        Supervision.objects.filter(
            status__in=ACTIVE_STATUSES | RUNNING_STATUSES, petition__status__in=CLOSED_STATUSES
        ).order_by("pk")
    )
    for supervision in ended:
        transition(supervision_machine.MACHINE, case=supervision, action="end_supervision", actor=None)
    return len(ended)


def _escalate(old: Supervision, parent: Unit, *, deadline: date) -> Supervision:
    transition(supervision_machine.MACHINE, case=old, action="escalate_supervision", actor=None)
    new = Supervision(
        petition=old.petition,
        kind=old.kind,
        trigger=Trigger.NOT_REPORTED,
        method=old.method,
        deadline=deadline,
        supervising_unit=parent,
        responsible_unit=old.responsible_unit,
        unit_path=old.unit_path,
        level=old.level + 1,
        case_leader=old.case_leader,
        responsible_person=old.responsible_person,
        five_packages=old.five_packages,
        note=f"原督办（{old.supervising_unit.name}，期限 {old.deadline:%Y-%m-%d}）逾期未报告，升级督办。",
        escalated_from=old,
        created_at=timezone.now(),
    )
    # with the higher level's own 督查督办通知单 to the responsible unit
    return transition(
        supervision_machine.MACHINE, case=new, action="open_escalated_supervision", actor=None
    ).case


def supervision_propose_overdue(
    *, actor: Any, today: date | None = None, batch_size: int = PROPOSAL_BATCH
) -> int:
    """逾期提议: every open petition past its current deadline that has no proposed or open
    supervision gets a proposed one (无正当理由超期未办结) for the office to confirm.

    Built for a million petitions: the overdue ids come from the (status, current_deadline)
    index alone, then each batch of ids is read as value rows, without those already
    supervised, and inserted in one statement. Idempotent; the partial unique constraint keeps
    two overlapping runs from proposing twice. Returns the number proposed.
    """
    today = today or timezone.localdate()
    ids = sorted(
        Petition.objects.filter(status__in=OPEN_STATUSES, current_deadline__lt=today).values_list(
            "pk", flat=True
        )
    )
    proposed = 0
    by_unit: dict[int, int] = {}
    if ids:
        parents = dict(Unit.objects.values_list("pk", "parent_id"))
        deadline = report_deadline(today)
        now = timezone.now()
        supervised = Supervision.objects.filter(petition_id=OuterRef("pk"), status__in=ACTIVE_STATUSES)
        # 不予督办: the office found this lateness justified; a new deadline passing is new lateness
        dismissed = Supervision.objects.filter(
            petition_id=OuterRef("pk"), status=ST.DISMISSED, overdue_since=OuterRef("current_deadline")
        )
        for start in range(0, len(ids), batch_size):
            rows = (
                Petition.objects.filter(pk__in=ids[start : start + batch_size])
                .filter(~Exists(supervised), ~Exists(dismissed))
                .values(
                    "pk",
                    "number",
                    "status",
                    "unit_id",
                    "unit_path",
                    "handling_unit_id",
                    "handling_path",
                    "current_deadline",
                )
            )
            batch = [_proposal(row, parents, deadline=deadline, now=now) for row in rows]
            batch = [change.case for change in _propose(batch)]
            proposed += len(batch)
            for proposal in batch:
                unit = proposal.supervising_unit_id
                by_unit[unit] = by_unit.get(unit, 0) + 1
    _notify_proposals(by_unit, today=today)
    audit_record(
        actor=actor,
        event=AuditEvent.RECORD_CREATED,
        target_type=OWNER_TYPE,
        target_label="逾期督办提议",
        action="supervision_propose",
        today=today,
        overdue=len(ids),
        proposed=proposed,
    )
    return proposed


def _propose(batch: list[Supervision]) -> list[Any]:
    """One batch through the machine's creation step; if another run proposed some of the same
    petitions meanwhile (the one-proposal constraint refuses), each is tried on its own."""
    try:
        with transaction.atomic():
            return transition_batch(supervision_machine.MACHINE, cases=batch, action="propose_supervision")
    except IntegrityError:
        done = []
        for supervision in batch:
            supervision.pk = None
            try:
                with transaction.atomic():
                    done.extend(
                        transition_batch(
                            supervision_machine.MACHINE, cases=[supervision], action="propose_supervision"
                        )
                    )
            except IntegrityError:
                continue
        return done


def _notify_proposals(by_unit: dict[int, int], *, today: date) -> None:
    """One notice per supervising unit and run to its supervisors and front desk (who confirm or
    dismiss): how many proposals wait, with a link to the 待确认 tab; once per unit and day."""
    staff = staff_by_unit(by_unit, PROPOSAL_ROLES)
    link = reverse("supervision:list") + "?tab=proposed"
    for unit_id, count in by_unit.items():
        if staff.get(unit_id):
            notify(
                recipients=staff[unit_id],
                kind=NotificationKind.SUPERVISION,
                title=f"逾期督办提议：{count} 件待确认",
                body=f"{count} 件信访事项已超过期限，系统提议督办，请逐件确认督办或决定不予督办。",
                link=link,
                dedupe_key=f"supervision-proposals:{unit_id}:{today.isoformat()}",
            )


def _proposal(
    row: Mapping[str, Any], parents: Mapping[int, int | None], *, deadline: date, now: Any
) -> Supervision:
    """A routed matter is supervised by the office that routed it; a matter still at its
    registering unit by the unit above (or itself, at the top)."""
    handling = row["handling_unit_id"]
    if handling is not None and handling != row["unit_id"]:
        supervising, responsible, path = row["unit_id"], handling, row["handling_path"]
    else:
        responsible, path = row["unit_id"], row["unit_path"]
        supervising = parents.get(responsible) or responsible
    return Supervision(
        petition=Petition(pk=row["pk"], number=row["number"], status=row["status"]),
        kind=SupervisionKind.NORMAL,
        trigger=Trigger.DEADLINE_MISSED,
        method=Method.LETTER,
        deadline=deadline,
        supervising_unit_id=supervising,
        responsible_unit_id=responsible,
        unit_path=path,
        five_packages={},
        overdue_since=row["current_deadline"],
        note=f"当前期限 {row['current_deadline']:%Y-%m-%d} 已过，系统提议督办，待确认。",
        created_at=now,
    )
