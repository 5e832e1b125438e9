"""A supervision's procedure (督查督办, domain.md §5) as a machine of its own, attached to the
petition it supervises: the petition page and API offer its steps next to the petition's, and
its history is its own (`SupervisionEvent`), merged into the petition's timeline.

States: 新建 → 待确认 (proposed, by the daily job) → 督办中 (open) → 已报告 (answered) → 已办结
(closed); a proposal may be 不予督办 (dismissed); an open one past its limit is 已升级
(escalated) and the unit above supervises anew. Steps taken by the jobs act as 系统.
"""

from typing import Any

from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.exceptions import NotFound
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.services import deadline_close, deadline_create
from xinfang.organisation.models import Unit
from xinfang.petitions.choices import OPEN_STATUSES
from xinfang.petitions.models import OWNER_TYPE as PETITION
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.petitions.workflow import messages as petition_messages
from xinfang.petitions.workflow.parties import CHAIN, OFFICE
from xinfang.procedure import engine
from xinfang.procedure.machine import Attachment, Change, Form, Machine, Party, Step, TimelineEntry

from ..choices import RUNNING_STATUSES, SupervisionKind, SupervisionStatus
from ..models import OWNER_TYPE, Supervision, SupervisionEvent
from ..selectors import (
    ROW_RELATED,
    petition_supervision_rows,
    petition_supervisions_forget,
    supervisions_visible_to,
)
from ..services.common import REPORT_WORKING_DAYS
from . import effects, schemas

ST = SupervisionStatus
NEW = ""
REPORT_RULE = "supervision_report"
OPEN_PETITION = frozenset(OPEN_STATUSES)
OFFICE_CAPS = frozenset({"supervision.manage", "petitions.accept"})
HANDLING_CAPS = frozenset({"petitions.handle", "petitions.accept"})
LEADER_CAPS = frozenset({"petitions.approve"})
LOG_CAPS = OFFICE_CAPS | HANDLING_CAPS | LEADER_CAPS
RUNNING = frozenset(RUNNING_STATUSES)


# --- parties and guards -------------------------------------------------------------------------

S_OFFICE: Party[Supervision] = Party("office", lambda s, a: OFFICE.includes(s.petition, a), OFFICE.refusal)
S_CHAIN: Party[Supervision] = Party("chain", lambda s, a: CHAIN.includes(s.petition, a), CHAIN.refusal)


def petition_open(s: Supervision) -> str | None:
    """A closed matter (办结, 不予受理, 不再受理) takes no further step, supervision included."""
    p = s.petition
    return None if p.status in OPEN_PETITION else f"信访件当前为“{p.get_status_display()}”，不能再督办。"


def routed_or_overdue(s: Supervision) -> str | None:
    """There is a unit to supervise: the matter was routed to one, or its deadline has passed."""
    p = s.petition
    if p.handling_unit_id is not None:
        return None
    if p.current_deadline is not None and p.current_deadline < timezone.localdate():
        return None
    return "本件尚未转送或交办，也未超过期限，没有需要督办的单位。"


def not_listed(s: Supervision) -> str | None:
    rows = petition_supervision_rows(s.petition)
    if any(r.kind == SupervisionKind.LISTED and r.status in RUNNING_STATUSES for r in rows):
        return "本件已挂牌督办。"
    return None


def normal_only(s: Supervision) -> str | None:
    return "挂牌督办事项不能办结，请摘牌。" if s.kind != SupervisionKind.NORMAL else None


def listed_only(s: Supervision) -> str | None:
    return "只有挂牌督办事项可以摘牌。" if s.kind != SupervisionKind.LISTED else None


def _at_or_above(actor: User, path: str, message: str) -> str | None:
    return None if Unit.covers_path(path, actor.unit) else message


def issuer(message: str) -> Any:
    """Only the supervising unit or one above it (confirms, dismisses, closes)."""
    return lambda s, actor: _at_or_above(actor, s.supervising_unit.path, message)


def responsible(message: str) -> Any:
    """Only the responsible unit or one above it (reports)."""
    return lambda s, actor: _at_or_above(actor, s.unit_path, message)


# --- the table ---------------------------------------------------------------------------------

STEPS: dict[str, Step[Supervision]] = {
    "supervise": Step(
        "督办",
        frozenset({NEW}),
        ST.OPEN,
        OFFICE_CAPS,
        S_OFFICE,
        effects.supervise,
        schemas.SuperviseIn,
        (petition_open, routed_or_overdue),
        form=Form(
            "督办（督查督办通知单）", "督办", "btn-outline-danger", "生成督查督办通知单，并通知责任单位。"
        ),
    ),
    "confirm_supervision": Step(
        "确认督办",
        frozenset({ST.PROPOSED}),
        ST.OPEN,
        OFFICE_CAPS,
        S_OFFICE,
        effects.confirm,
        schemas.ConfirmIn,
        (petition_open,),
        issuer("只有督办单位或其上级单位可以确认督办。"),
        form=Form("确认督办提议", "确认督办", "btn-outline-danger"),
        absent="没有待确认的督办提议。",
    ),
    "dismiss_supervision": Step(
        "不予督办",
        frozenset({ST.PROPOSED}),
        ST.DISMISSED,
        OFFICE_CAPS,
        S_OFFICE,
        effects.dismiss,
        schemas.DismissIn,
        (petition_open,),
        issuer("只有督办单位或其上级单位可以决定不予督办。"),
        form=Form(
            "不予督办",
            "不予督办",
            "btn-outline-secondary",
            "本次逾期不再提议督办；本件以后的期限再逾期时，系统仍会提议。",
        ),
        absent="没有待确认的督办提议。",
    ),
    "answer_supervision": Step(
        "报告督办办理情况",
        frozenset({ST.OPEN}),
        ST.ANSWERED,
        HANDLING_CAPS,
        S_CHAIN,
        effects.answer,
        schemas.AnswerIn,
        (petition_open,),
        responsible("只有责任单位或其上级单位可以报告督办事项的办理情况。"),
        form=Form("报告督办事项办理情况", "报告办理情况"),
        absent="没有督办中的事项。",
    ),
    "close_supervision": Step(
        "督办办结",
        frozenset({ST.ANSWERED}),
        ST.CLOSED,
        OFFICE_CAPS,
        S_OFFICE,
        effects.close,
        schemas.CloseIn,
        (petition_open, normal_only),
        issuer("只有督办单位或其上级单位可以办结督办事项。"),
        form=Form("督办事项办结", "督办办结", "btn-outline-success"),
        absent="没有已报告待办结的督办事项。",
    ),
    "list_supervision": Step(
        "挂牌督办",
        frozenset({NEW}),
        ST.OPEN,
        LEADER_CAPS,
        S_OFFICE,
        effects.list_,
        schemas.ListIn,
        (petition_open, not_listed),
        form=Form(
            "挂牌督办（六定、五包）",
            "挂牌督办",
            "btn-danger",
            "六定：定案件领导、定责任单位、定责任人、定督办单位、定督办人、定办理时限，缺一不可。",
        ),
    ),
    "delist_supervision": Step(
        "摘牌",
        RUNNING,
        ST.CLOSED,
        LEADER_CAPS,
        S_OFFICE,
        effects.delist,
        schemas.DelistIn,
        (petition_open, listed_only),
        form=Form("摘牌", "摘牌", "btn-outline-dark"),
        absent="本件没有挂牌督办事项。",
    ),
    "log_supervision": Step(
        "督办进展",
        RUNNING,
        None,
        LOG_CAPS,
        S_CHAIN,
        effects.log,
        schemas.LogIn,
        (petition_open,),
        form=Form("记录督办进展", "记录进展", "btn-outline-secondary"),
        absent="没有进行中的督办事项。",
    ),
    # the daily jobs' steps: never offered to a user
    "propose_supervision": Step(
        "提议督办",
        frozenset({NEW}),
        ST.PROPOSED,
        frozenset(),
        None,
        effects.propose,
        schemas.SystemIn,
        (petition_open,),
        by_system=True,
    ),
    "escalate_supervision": Step(
        "逾期升级",
        frozenset({ST.OPEN}),
        ST.ESCALATED,
        frozenset(),
        None,
        effects.escalate,
        schemas.SystemIn,
        by_system=True,
    ),
    "open_escalated_supervision": Step(
        "升级督办",
        frozenset({NEW}),
        ST.OPEN,
        frozenset(),
        None,
        effects.open_escalated,
        schemas.SystemIn,
        by_system=True,
    ),
    "end_supervision": Step(
        "督办随信访事项结束",
        frozenset({ST.PROPOSED, ST.OPEN, ST.ANSWERED}),
        ST.CLOSED,
        frozenset(),
        None,
        effects.end_with_petition,
        schemas.SystemIn,
        by_system=True,
    ),
}


# --- how the engine reaches a supervision -----------------------------------------------------------


def _lock(actor: User | None, s: Supervision) -> Supervision:
    if s.pk is None:  # a new supervision: lock its petition through the actor's scope
        petitions = Petition.objects.all() if actor is None else petitions_visible_to(actor)
        petition = (
            petitions.select_for_update(of=("self",))
            .select_related("unit", "handling_unit")
            .filter(pk=s.petition_id)
            .first()
        )
        if petition is None:
            raise NotFound(missed=(Petition, s.petition_id))
        s.petition = petition
        return s
    rows = Supervision.objects.all() if actor is None else supervisions_visible_to(actor)
    locked = (
        rows.select_for_update(of=("self",))
        .select_related("petition__unit", "petition__handling_unit", "supervising_unit__parent", *ROW_RELATED)
        .filter(pk=s.pk)
        .first()
    )
    if locked is None:
        raise NotFound(missed=(Supervision, s.pk))
    return locked


def _clock(change: Change[Supervision]) -> None:
    """The time limit as a `Deadline` when it was computed (5 working days), so that a holiday
    change moves it; a date the supervisor chose stays as chosen. Leaving 督办中 stops it."""
    s = change.case
    if change.from_state == ST.OPEN and s.status != ST.OPEN:
        clock = Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=s.pk, is_open=True).first()
        if clock is not None:
            deadline_close(deadline=clock, actor=change.actor, at=change.now)
    if s.status == ST.OPEN and change.from_state != ST.OPEN and change.memo.get("computed_deadline"):
        deadline_create(
            owner_type=OWNER_TYPE,
            owner_id=s.pk,
            rule=REPORT_RULE,
            start=timezone.localdate(),
            amount=REPORT_WORKING_DAYS,
            unit="working_days",
            actor=change.actor,
        )


def _save(change: Change[Supervision]) -> None:
    s = change.case
    if change.created:
        s.save()
    else:
        s.save(update_fields=["status", *change.memo.get("fields", [])])
    _clock(change)
    change.after_save.append(lambda: petition_supervisions_forget(s.petition))


def _record(change: Change[Supervision]) -> SupervisionEvent:
    change.data.setdefault("supervision", change.case.pk)
    return SupervisionEvent.objects.create(
        supervision=change.case,
        action=change.action,
        from_status=change.from_state,
        to_status=change.case.status,
        actor=change.actor,
        note=change.note,
        data=change.data,
        created_at=change.now,
    )


def _save_many(changes: list[Change[Supervision]]) -> None:
    Supervision.objects.bulk_create([change.case for change in changes])


def _record_many(changes: list[Change[Supervision]]) -> list[Any]:
    events = []
    for change in changes:
        change.data.setdefault("supervision", change.case.pk)
        events.append(
            SupervisionEvent(
                supervision=change.case,
                action=change.action,
                from_status=change.from_state,
                to_status=change.case.status,
                actor=None,
                note=change.note,
                data=change.data,
                created_at=change.now,
            )
        )
    return list(SupervisionEvent.objects.bulk_create(events))


MACHINE: Machine[Supervision] = Machine(
    owner_type=OWNER_TYPE,
    label="督办事项",
    steps=STEPS,
    state_labels=dict(ST.choices),
    lock=_lock,
    save=_save,
    record=_record,
    describe=lambda s: f"{s.petition.number} {s.get_kind_display()}",
    save_many=_save_many,
    record_many=_record_many,
    # a supervision's messages go to those who see its petition, and open the petition's page
    audience=lambda s, user_ids: petition_messages.audience(s.petition, user_ids),
    notice_about=lambda s: petition_messages.about(s.petition),
)


def _timeline(petition: Petition) -> list[TimelineEntry]:
    events = SupervisionEvent.objects.filter(supervision__petition_id=petition.pk).select_related("actor")
    labels = {code: step.label for code, step in STEPS.items()}
    return [
        TimelineEntry(
            action=e.action,
            action_label=labels.get(e.action, e.action),
            from_status=e.from_status,
            to_status=e.to_status,
            actor=e.actor,
            note=e.note,
            data=e.data,
            created_at=e.created_at,
            order=(e.created_at, 1, e.pk),
            key=(OWNER_TYPE, e.pk),
            # the timeline shows the petition's state; a supervision step leaves it unchanged
            to_label=ST(e.to_status).label if e.to_status in ST.values else e.to_status,
        )
        for e in events
    ]


ATTACHMENT: Attachment[Supervision] = Attachment(
    host=PETITION,
    machine=MACHINE,
    cases=petition_supervision_rows,
    new_case=lambda petition: Supervision(petition=petition),
    key="supervision",
    key_label="督办事项编号",
    timeline=_timeline,
    forget=petition_supervisions_forget,
    document_kinds=frozenset({"supervision_notice"}),
)


def register() -> None:
    """From `SupervisionConfig.ready`: the machine, and its steps on the petition's page and API."""
    engine.register_machine(MACHINE)
    engine.register_attachment(ATTACHMENT)
