"""The one transition function of every kind of case, and the actions it would allow.

`transition` does, in one transaction: capability (403), lock through the caller's scope (404),
state (409), party (403), guards (409), permits (403), input (422), the effect, the state, the
case's save, its timeline event, its notices (文书), its messages to the people it hands work to
and one audit entry. A refusal raises before
anything is written, and the transaction undoes an effect that raised halfway.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_access_denied, audit_entry, audit_record, audit_record_many
from xinfang.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.documents.services import document_generate
from xinfang.notifications.services import notify_event

from .inputs import validate
from .machine import Attachment, Change, Machine, Notice, Step, TimelineEntry

CaseT = TypeVar("CaseT", bound=models.Model)

MACHINES: dict[str, Machine[Any]] = {}
ATTACHMENTS: dict[str, list[Attachment[Any]]] = {}


def register_machine(machine: Machine[Any]) -> None:
    """Called from the owning app's `AppConfig.ready`; registering an owner type again replaces it."""
    MACHINES[machine.owner_type] = machine


def register_attachment(attachment: Attachment[Any]) -> None:
    """Offers `attachment.machine`'s steps on the host's page and API (see `Attachment`)."""
    rows = ATTACHMENTS.setdefault(attachment.host, [])
    rows[:] = [a for a in rows if a.machine.owner_type != attachment.machine.owner_type]
    rows.append(attachment)


def attachments_of(host: str) -> list[Attachment[Any]]:
    return ATTACHMENTS.get(host, [])


# --- who may act ----------------------------------------------------------------------------


def _refusal(step: Step[CaseT], case: CaseT, actor: User | None) -> str | None:
    """The first guard's refusal (409), or None."""
    for guard in step.guards:
        refusal = guard(case)
        if refusal:
            return refusal
    return None


def is_offered(
    machine: Machine[CaseT], code: str, case: CaseT, actor: User, capabilities: frozenset[str]
) -> bool:
    step = machine.steps[code]
    return (
        not step.by_system
        and machine.state_of(case) in step.sources
        and bool(capabilities & step.capabilities)
        and (step.party is None or step.party.includes(case, actor))
        and _refusal(step, case, actor) is None
        and (step.permits is None or step.permits(case, actor) is None)
    )


def allowed_actions(machine: Machine[CaseT], case: CaseT, actor: User) -> list[str]:
    """The steps `actor` may take on `case` now: the buttons to show and the API's list."""
    capabilities = frozenset(capabilities_of(actor))
    return [code for code in machine.steps if is_offered(machine, code, case, actor, capabilities)]


# --- the transition -------------------------------------------------------------------------


def _check(machine: Machine[CaseT], step: Step[CaseT], action: str, case: CaseT, actor: User | None) -> None:
    state = machine.state_of(case)
    if state not in step.sources:
        raise Conflict(
            f"{machine.label}当前为“{machine.state_label(state)}”，不能执行“{step.label}”。",
            {"status": state},
        )
    if actor is not None and step.party is not None and not step.party.includes(case, actor):
        raise PermissionDenied(f"{step.party.refusal}（{step.label}）")
    refusal = _refusal(step, case, actor)
    if refusal:
        raise Conflict(f"不能执行“{step.label}”：{refusal}", {"status": state})
    if actor is not None and step.permits is not None:
        refusal = step.permits(case, actor)
        if refusal:
            raise PermissionDenied(refusal)


def step_of(machine: Machine[CaseT], action: str, actor: User | None) -> Step[CaseT]:
    """The step named `action`: 422 when unknown, 403 when the actor may not take it at all."""
    step = machine.steps.get(action)
    if step is None:
        raise ValidationFailed(
            f"{machine.unknown_action}：{action}。", {"action": f"{machine.unknown_action}。"}
        )
    if actor is None:
        return step
    if step.by_system or not frozenset(capabilities_of(actor)) & step.capabilities:
        raise PermissionDenied(f"您的角色不能执行“{step.label}”。")
    return step


def _audit_extra(machine: Machine[CaseT], data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in machine.audit_omitted}


_MISS_GUARDS: ContextVar[int] = ContextVar("scope_miss_guards", default=0)


@contextmanager
def scope_misses_audited(actor: User | None, request_meta: RequestMeta | None) -> Iterator[None]:
    """Audits a lock's miss (NotFound with `missed`) as ACCESS_DENIED, if the record exists,
    after the transaction that raised it has rolled back: the outermost of nested guards writes
    it (a caller that locks within its own transaction wraps that transaction in one)."""
    depth = _MISS_GUARDS.set(_MISS_GUARDS.get() + 1)
    try:
        yield
    except NotFound as miss:
        if miss.missed is not None and actor is not None and _MISS_GUARDS.get() == 1:
            model, pk = miss.missed
            audit_access_denied(actor=actor, model=model, target_id=pk, request_meta=request_meta)
        raise
    finally:
        _MISS_GUARDS.reset(depth)


def transition(
    machine: Machine[CaseT],
    *,
    case: CaseT,
    action: str,
    actor: User | None,
    fields: Mapping[str, Any] | None = None,
    note: str = "",
    request_meta: RequestMeta | None = None,
) -> Change[CaseT]:
    """Performs `action` on `case` (a saved case, or an unsaved one for a creation step) as
    `actor` (None: a job, shown as 系统). Returns the change, with the saved case and its event.
    A case outside the actor's scope answers NotFound and is audited as an access violation."""
    with scope_misses_audited(actor, request_meta):
        return _transition(
            machine,
            case=case,
            action=action,
            actor=actor,
            fields=fields,
            note=note,
            request_meta=request_meta,
        )


_transition_receivers: list[Callable[[Change[Any]], None]] = []


def subscribe_transitions(receiver: Callable[[Change[Any]], None]) -> None:
    """Calls `receiver(change)` after every transition of every machine, in its transaction,
    after its event, notices and messages (key persons watch the duty log and incidents for
    the people they know). Registered from an AppConfig.ready; twice is a no-op."""
    if receiver not in _transition_receivers:
        _transition_receivers.append(receiver)


@transaction.atomic
def _transition(
    machine: Machine[CaseT],
    *,
    case: CaseT,
    action: str,
    actor: User | None,
    fields: Mapping[str, Any] | None = None,
    note: str = "",
    request_meta: RequestMeta | None = None,
) -> Change[CaseT]:
    step = step_of(machine, action, actor)
    locked = machine.lock(actor, case)
    _check(machine, step, action, locked, actor)
    values = dict(fields or {})
    if note and not values.get("note"):
        values["note"] = note
    data = validate(step.schema, values)
    from_state = machine.state_of(locked)
    target = step.target(locked) if callable(step.target) else step.target
    change = Change(
        machine=machine,
        action=action,
        case=locked,
        actor=actor,
        input=data,
        now=timezone.now(),
        note=data.note,
        from_state=from_state,
        target=target,
        created=locked.pk is None,
    )
    if machine.prepare is not None:
        machine.prepare(change)
    step.effect(change)
    to_state = change.target or from_state
    setattr(change.case, machine.state_field, to_state)
    machine.save(change)
    for write in change.after_save:
        write()
    change.event = machine.record(change)
    _issue_documents(change, request_meta)
    _send_notices(change, step)
    for receiver in _transition_receivers:
        receiver(change)
    audit_record(
        actor=actor,
        event=AuditEvent.STATE_TRANSITION,
        target=machine.audit_target(change.case) if machine.audit_target else change.case,
        target_label=machine.describe(change.case),
        request_meta=request_meta,
        action=action,
        old=from_state,
        new=to_state,
        event_id=change.event.pk,
        **_audit_extra(machine, change.data),
    )
    return change


@transaction.atomic
def transition_batch(machine: Machine[CaseT], *, cases: list[CaseT], action: str) -> list[Change[CaseT]]:
    """A job's creation step for many new cases at once (逾期提议 at a million petitions): the
    same guards, effect, state, timeline event and audit entry per case as `transition`, written
    with bulk statements. The caller has locked or chosen the rows (a job acts unscoped, as 系统);
    a case a guard refuses is left out. Returns the changes written."""
    step = step_of(machine, action, None)
    if not (step.by_system and machine.initial in step.sources):
        raise ValueError(f"{action} is not a creation step taken by a job")
    if machine.save_many is None or machine.record_many is None:
        raise ValueError(f"{machine.owner_type} writes no batches")
    now = timezone.now()
    data = validate(step.schema, {})
    changes: list[Change[CaseT]] = []
    for case in cases:
        if machine.state_of(case) not in step.sources or _refusal(step, case, None) is not None:
            continue
        target = step.target(case) if callable(step.target) else step.target
        change = Change(
            machine=machine,
            action=action,
            case=case,
            actor=None,
            input=data,
            now=now,
            note="",
            from_state=machine.initial,
            target=target,
            created=True,
        )
        step.effect(change)
        setattr(case, machine.state_field, change.target or machine.initial)
        changes.append(change)
    if not changes:
        return changes
    machine.save_many(changes)
    events = machine.record_many(changes)
    entries = []
    for change, event in zip(changes, events, strict=True):
        change.event = event
        entries.append(
            audit_entry(
                actor=None,
                event=AuditEvent.STATE_TRANSITION,
                target=machine.audit_target(change.case) if machine.audit_target else change.case,
                target_label=machine.describe(change.case),
                action=action,
                old=change.from_state,
                new=machine.state_of(change.case),
                event_id=event.pk,
                **_audit_extra(machine, change.data),
            )
        )
    audit_record_many(entries)
    return changes


def _issue_documents(change: Change[Any], request_meta: RequestMeta | None) -> None:
    for request in change.documents:
        document_generate(
            kind=request.kind,
            unit=request.unit,
            actor=change.actor,
            owner=request.owner if request.owner is not None else change.case,
            context=dict(request.context),
            event_id=change.event.pk if change.event is not None else None,
            request_meta=request_meta,
        )


def _person(recipient: Any) -> int:
    return recipient if isinstance(recipient, int) else int(recipient.pk)


def _send_notices(change: Change[Any], step: Step[Any]) -> None:
    """The step's messages (its `notifies` and those its effect left in `change.notices`), after
    its event: to the machine's audience only, never to the actor (who needs no message about
    their own act), each person once per event (`notify_event`, keyed by the event)."""
    notices = [*change.notices, *(step.notifies(change) if step.notifies is not None else ())]
    if not notices:
        return
    machine = change.machine
    if machine.audience is None or machine.notice_about is None or change.event is None:
        raise ValueError(f"{machine.owner_type} sends messages but names no audience")
    actor_id = change.actor.pk if change.actor is not None else None
    named = {_person(r) for notice in notices for r in notice.recipients if r is not None} - {actor_id}
    allowed = machine.audience(change.case, named) if named else set()
    messages: list[Notice] = []
    for notice in notices:
        people = [pk for pk in map(_person, filter(None, notice.recipients)) if pk in allowed]
        if people:
            messages.append(Notice(people, notice.title, notice.body, notice.kind))
    if not messages:
        return
    owner, link = machine.notice_about(change.case)
    notify_event(
        messages=messages, owner=owner, link=link, event_key=f"{machine.owner_type}:{change.event.pk}"
    )


# --- a host case and its attached machines ------------------------------------------------------


def host_allowed_actions(machine: Machine[CaseT], case: CaseT, actor: User) -> list[str]:
    """The host's own allowed steps, then those of its attached machines' cases."""
    capabilities = frozenset(capabilities_of(actor))
    actions = [code for code in machine.steps if is_offered(machine, code, case, actor, capabilities)]
    for attachment in attachments_of(machine.owner_type):
        sub = attachment.machine
        rows = list(attachment.cases(case))
        fresh = attachment.new_case(case)
        for code, step in sub.steps.items():
            candidates: Iterable[Any] = [fresh] if sub.initial in step.sources else rows
            if any(is_offered(sub, code, row, actor, capabilities) for row in candidates):
                actions.append(code)
    return actions


def attachment_for(host: str, action: str) -> Attachment[Any] | None:
    for attachment in attachments_of(host):
        if action in attachment.machine.steps:
            return attachment
    return None


def pick_case(attachment: Attachment[CaseT], host: Any, action: str, fields: Mapping[str, Any]) -> CaseT:
    """The case of `attachment` that `action` on `host` is about: a new one for a creation step;
    the one named by the `key` field; else the host's only case the step applies to."""
    machine = attachment.machine
    step = machine.steps[action]
    if machine.initial in step.sources:
        return attachment.new_case(host)
    rows = list(attachment.cases(host))
    raw = fields.get(attachment.key)
    if raw in (None, ""):
        candidates = [
            r for r in rows if machine.state_of(r) in step.sources and _refusal(step, r, None) is None
        ]
        if not candidates:
            raise Conflict(step.absent or f"本件没有可以{step.label}的{machine.label}。")
        if len(candidates) > 1:
            raise ValidationFailed(
                f"请指明{attachment.key_label}。",
                {attachment.key: f"本件有多个{machine.label}，请填写{attachment.key_label}。"},
            )
        return candidates[0]
    try:
        wanted = int(str(raw))
    except (TypeError, ValueError):
        wanted = -1
    for row in rows:
        if row.pk == wanted:
            return row
    host_label = MACHINES[attachment.host].label if attachment.host in MACHINES else "案件"
    raise ValidationFailed(
        f"{machine.label}不存在。", {attachment.key: f"{machine.label}不存在或不属于本{host_label}。"}
    )


def timeline_of(machine: Machine[CaseT], case: CaseT, own: list[TimelineEntry]) -> list[TimelineEntry]:
    """The host's own timeline entries merged with its attached machines' entries, oldest first."""
    entries = list(own)
    for attachment in attachments_of(machine.owner_type):
        entries.extend(attachment.timeline(case))
    return sorted(entries, key=lambda e: e.order)
