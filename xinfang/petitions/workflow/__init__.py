"""A petition's procedure: its machine (steps in `steps`, inputs in `schemas`, effects in
`routing` and `handling`, clocks in `clocks`, parties in `parties`, whom a step hands work to and
what they are told in `messages`), and `petition_transition`,
the one entry point of the petition page, the API and the tests, which also reaches the steps of
machines attached to a petition (督办: `xinfang.supervision.machine`).
"""

from typing import Any

from django.db import transaction

from xinfang.accounts.models import User
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta
from xinfang.procedure import engine
from xinfang.procedure.machine import Change, Machine, Step, TimelineEntry

from ..choices import PetitionStatus
from ..hooks import petition_changed, petition_snapshot
from ..models import OWNER_TYPE, Petition, PetitionEvent
from . import messages
from .clocks import objection_until, refresh_current_deadline
from .parties import responsible_unit_id
from .schemas import REPORT_CHECKS, DeclineGround, RejectGround
from .steps import STEPS, Action

__all__ = [
    "ACTION_LABELS",
    "MACHINE",
    "OWNER_TYPE",
    "REPORT_CHECKS",
    "TRANSITIONS",
    "Action",
    "DeclineGround",
    "RejectGround",
    "action_label",
    "allowed_actions",
    "objection_until",
    "petition_timeline",
    "petition_transition",
    "responsible_unit_id",
    "step_for",
    "timeline_documents",
]

SAVED_FIELDS = [
    "status",
    "current_deadline",
    "handling_unit",
    "handling_path",
    "handling_shared_depth",
    "handler",
    "accepted_at",
    "routed_at",
    "assignment_due",
    "owner_leader",
    "extension_requested_days",
    "hearing_pending",
    "review_stage",
    "answered_unit",
    "answer_outcome",
    "answer_delivered_on",
    "window_ends",
    "review_unit",
    "satisfaction",
    "is_final",
    "closed_at",
    "repeat_of",
]
LOCK_RELATED = (
    "unit__organ",
    "handling_unit__organ",
    "answered_unit__parent__organ",
    "review_unit__parent__organ",
    "category__parent",
)
BEFORE = "hook_snapshot"


def _lock(actor: User | None, petition: Petition) -> Petition:
    from ..selectors import petitions_visible_to

    rows = Petition.objects.all() if actor is None else petitions_visible_to(actor)
    locked = rows.select_for_update(of=("self",)).select_related(*LOCK_RELATED).filter(pk=petition.pk).first()
    if locked is None:
        raise NotFound(missed=(Petition, petition.pk))
    return locked


def _prepare(change: Change[Petition]) -> None:
    change.memo[BEFORE] = petition_snapshot(change.case)  # the hook's subscribers' view before


def _save(change: Change[Petition]) -> None:
    refresh_current_deadline(change)
    change.case.save(update_fields=SAVED_FIELDS)
    petition_changed(before=change.memo[BEFORE], petition=change.case)  # subscribers keep in step


def _record(change: Change[Petition]) -> PetitionEvent:
    return PetitionEvent.objects.create(
        petition=change.case,
        action=change.action,
        from_status=change.from_state,
        to_status=str(change.case.status),
        actor=change.actor,
        note=change.note,
        data=change.data,
        created_at=change.now,
    )


MACHINE: Machine[Petition] = Machine(
    owner_type=OWNER_TYPE,
    label="信访件",
    steps=STEPS,
    state_labels=dict(PetitionStatus.choices),
    lock=_lock,
    save=_save,
    record=_record,
    describe=lambda p: p.number,
    prepare=_prepare,
    audience=messages.audience,
    notice_about=messages.about,
)
engine.register_machine(MACHINE)

TRANSITIONS = STEPS
ACTION_LABELS: dict[str, str] = dict(Action.choices)


def step_for(action: str) -> Step[Any] | None:
    """A petition step, or a step of a machine attached to petitions (督办 …), by its code."""
    if action in STEPS:
        return STEPS[action]
    attachment = engine.attachment_for(OWNER_TYPE, action)
    return attachment.machine.steps[action] if attachment else None


def action_label(action: str) -> str:
    step = step_for(action)
    return step.label if step is not None else action


def allowed_actions(petition: Petition, actor: User) -> list[str]:
    """The petition's steps and those of its attached machines (督办 …) `actor` may take now.
    Needs no query of the petition when `answered_unit__parent` and `review_unit` are loaded."""
    return engine.host_allowed_actions(MACHINE, petition, actor)


def petition_transition(
    *,
    petition: Petition,
    action: str,
    actor: User | None,
    note: str = "",
    request_meta: RequestMeta | None = None,
    **fields: Any,
) -> Petition:
    """Performs `action` on `petition`: a step of its own machine, or of an attached one (then on
    the case it names or the only one it applies to). 404 outside scope, 403 for a role or unit
    the rules do not name, 409 for a step out of order, 422 for bad fields; nothing is written
    unless everything succeeds."""
    attachment = engine.attachment_for(OWNER_TYPE, action)
    if attachment is None:
        return engine.transition(
            MACHINE,
            case=petition,
            action=action,
            actor=actor,
            fields=fields,
            note=note,
            request_meta=request_meta,
        ).case
    with engine.scope_misses_audited(actor, request_meta), transaction.atomic():
        engine.step_of(attachment.machine, action, actor)
        host = _lock(actor, petition)
        case = engine.pick_case(attachment, host, action, fields)
        engine.transition(
            attachment.machine,
            case=case,
            action=action,
            actor=actor,
            fields=fields,
            note=note,
            request_meta=request_meta,
        )
    return _lock_free(actor, host)


def _lock_free(actor: User | None, petition: Petition) -> Petition:
    """The petition as it is now, for the caller's `allowed_actions` (its attached rows re-read)."""
    for attachment in engine.attachments_of(OWNER_TYPE):
        attachment.forget(petition)
    return petition


def petition_timeline(petition: Petition, events: list[PetitionEvent]) -> list[TimelineEntry]:
    """The petition's timeline: its own events (already loaded with their actors) and those of
    its attached machines, oldest first."""
    own = [
        TimelineEntry(
            action=e.action,
            action_label=action_label(e.action),
            from_status=e.from_status,
            to_status=e.to_status,
            actor=e.actor,
            note=e.note,
            data=e.data,
            created_at=e.created_at,
            order=(e.created_at, 0, e.pk),
            key=(OWNER_TYPE, e.pk),
            to_label=PetitionStatus(e.to_status).label
            if e.to_status in PetitionStatus.values
            else e.to_status,
        )
        for e in events
    ]
    return engine.timeline_of(MACHINE, petition, own)


def timeline_documents(
    entries: list[TimelineEntry], documents: list[Any]
) -> list[tuple[TimelineEntry, list[Any]]]:
    """Each timeline entry with the notices its step issued (a notice names its event by id, in
    the table of the machine whose kinds include its kind)."""
    machine_of_kind = {
        kind: attachment.machine.owner_type
        for attachment in engine.attachments_of(OWNER_TYPE)
        for kind in attachment.document_kinds
    }
    by_key: dict[tuple[str, int], list[Any]] = {}
    for document in documents:
        if document.event_id is not None:
            key = (machine_of_kind.get(document.kind, OWNER_TYPE), document.event_id)
            by_key.setdefault(key, []).append(document)
    return [(entry, by_key.get(entry.key, [])) for entry in entries]
