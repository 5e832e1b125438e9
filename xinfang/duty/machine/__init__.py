"""A shift's procedure (值班, domain.md §6) as a machine: 待上岗 → 值班中 (the first sign-in) →
待接班 (handed over) → 已交班 (closed, once every handed-over item was accepted and the 带班领导
signed). Who serves is changed by steps too (排班调整, 请假, 准假替班, 换班), and so is the duty log
(值班记录, 紧急事项确认, 办结, 登记为信访件): each writes the shift's timeline and one audit entry.
"""

from typing import Any

from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of
from xinfang.core.exceptions import NotFound
from xinfang.organisation.models import Unit
from xinfang.procedure import engine
from xinfang.procedure.machine import Change, Form, Machine, Party, Step

from ..choices import SETTLED_ITEMS, MemberKind, ShiftStatus
from ..models import OWNER_TYPE, Shift, ShiftEvent, ShiftMember
from ..selectors import shifts_visible_to
from . import effects, schemas

S = ShiftStatus
ROSTER = frozenset({"duty.roster"})
HEAD = frozenset({"duty.manage"})
SERVE = frozenset({"duty.serve"})
REGISTER = frozenset({"petitions.register"})
BEFORE = frozenset({S.PLANNED})
RUNNING = frozenset({S.ON_DUTY, S.HANDED_OVER})
ANY_OPEN = frozenset({S.PLANNED, S.ON_DUTY, S.HANDED_OVER})


# --- parties and guards -------------------------------------------------------------------------


def _office(shift: Shift, actor: User) -> bool:
    return Unit.covers_path(shift.unit_path, actor.unit)


def _member(shift: Shift, actor: User) -> bool:
    return effects.member_of(shift, actor) is not None


def _leader(shift: Shift, actor: User) -> bool:
    member = effects.member_of(shift, actor)
    return member is not None and member.kind == MemberKind.LEADER


def _incoming(shift: Shift, actor: User) -> bool:
    handover = getattr(shift, "handover", None)
    if handover is None or handover.to_shift is None:
        return False
    return ShiftMember.objects.filter(shift=handover.to_shift, user_id=actor.pk, serving=True).exists()


OFFICE: Party[Shift] = Party("office", _office, "只有本单位或上级单位的办公室可以调整值班安排。")
MEMBER: Party[Shift] = Party("member", _member, "只有本班次在岗的值班人员可以执行此操作。")
LEADER: Party[Shift] = Party("leader", _leader, "只有本班次的带班领导可以执行此操作。")
INCOMING: Party[Shift] = Party("incoming", _incoming, "只有接班班次的值班人员可以接收或退回交接事项。")
MEMBER_OR_OFFICE: Party[Shift] = Party(
    "member_or_office",
    lambda s, a: _member(s, a) or (_office(s, a) and "duty.roster" in capabilities_of(a)),
    "只有本班次值班人员或本单位（上级单位）办公室可以执行此操作。",
)


MEMBER_OR_HEAD: Party[Shift] = Party(
    "member_or_head",
    lambda s, a: _member(s, a) or (_office(s, a) and "duty.manage" in capabilities_of(a)),
    "只有请假人本人或办公室负责人可以执行此操作。",
)


def published(shift: Shift) -> str | None:
    return None if shift.published else "值班表尚未发布。"


def items_settled(shift: Shift) -> str | None:
    left = effects.open_items(shift)
    if left:
        return f"尚有 {len(left)} 项交接事项未被接班人接收，不能交班完成。"
    return None


def signed(shift: Shift) -> str | None:
    return None if shift.signed_at is not None else "带班领导尚未在交接班记录上签字。"


def _not_checked_out(shift: Shift, actor: User) -> str | None:
    member = effects.member_of(shift, actor)
    return "您已离岗。" if member is not None and member.checked_out_at is not None else None


# --- the table ---------------------------------------------------------------------------------

STEPS: dict[str, Step[Shift]] = {
    "staff_shift": Step(
        "排班调整",
        BEFORE,
        None,
        ROSTER,
        OFFICE,
        effects.staff_shift,
        schemas.StaffShiftIn,
        form=Form(
            "调整本班次值班人员", "保存", "btn-outline-primary", "已发布的值班表调整后，通知被调整的人员。"
        ),
    ),
    "request_leave": Step(
        "请假",
        BEFORE,
        None,
        SERVE,
        MEMBER_OR_OFFICE,
        effects.request_leave,
        schemas.LeaveIn,
        (published,),
        form=Form("请假（由办公室负责人批准并安排替班）", "申请请假", "btn-outline-secondary"),
    ),
    "reject_leave": Step(
        "不准假（撤回请假）",
        BEFORE,
        None,
        SERVE,
        MEMBER_OR_HEAD,
        effects.reject_leave,
        schemas.RejectLeaveIn,
        form=Form("不准假，或本人撤回请假", "不准假 / 撤回", "btn-outline-secondary"),
    ),
    "approve_leave": Step(
        "准假替班",
        BEFORE,
        None,
        HEAD,
        OFFICE,
        effects.approve_leave,
        schemas.ApproveLeaveIn,
        form=Form(
            "批准请假并安排替班",
            "批准并替班",
            "btn-outline-success",
            "替班人须与请假人职责相同，且该时段没有其他值班。",
        ),
    ),
    "swap": Step(
        "换班",
        BEFORE,
        None,
        HEAD,
        OFFICE,
        effects.swap,
        schemas.SwapIn,
        form=Form("换班（办公室负责人批准）", "批准换班", "btn-outline-secondary"),
    ),
    "check_in": Step(
        "到岗签到",
        ANY_OPEN,
        lambda s: S.ON_DUTY if s.status == S.PLANNED else s.status,
        SERVE,
        MEMBER,
        effects.check_in,
        schemas.NoteIn,
        (published,),
        form=Form("到岗签到", "签到", "btn-success"),
    ),
    "check_out": Step(
        "离岗",
        RUNNING,
        None,
        SERVE,
        MEMBER,
        effects.check_out,
        schemas.NoteIn,
        permits=_not_checked_out,
        form=Form("离岗", "离岗", "btn-outline-secondary", "交班前离岗将记录在案。"),
    ),
    "log_entry": Step(
        "值班记录",
        frozenset({S.ON_DUTY}),
        None,
        SERVE,
        MEMBER,
        effects.log_entry,
        schemas.LogIn,
        form=Form("登记来电来访", "记录", "btn-primary", "紧急事项立即通知带班领导。"),
    ),
    "acknowledge": Step(
        "确认紧急事项",
        RUNNING | {S.CLOSED},
        None,
        SERVE,
        LEADER,
        effects.acknowledge,
        schemas.EntryIn,
        form=Form("确认紧急事项", "确认", "btn-danger"),
    ),
    "close_entry": Step(
        "办结值班记录",
        RUNNING,
        None,
        SERVE,
        MEMBER,
        effects.close_entry,
        schemas.CloseEntryIn,
        form=Form("办结值班记录", "办结", "btn-outline-success"),
    ),
    "register_entry": Step(
        "登记为信访件",
        RUNNING,
        None,
        REGISTER,
        MEMBER,
        effects.register_entry,
        schemas.RegisterEntryIn,
    ),
    "hand_over": Step(
        "交班",
        RUNNING,
        S.HANDED_OVER,
        SERVE,
        MEMBER,
        effects.hand_over,
        schemas.HandOverIn,
        form=Form("交班（列出未办结事项交下一班）", "交班", "btn-warning"),
    ),
    "accept_item": Step(
        "接收交接事项",
        frozenset({S.HANDED_OVER}),
        None,
        SERVE,
        INCOMING,
        effects.accept_item,
        schemas.ItemIn,
        form=Form("接收交接事项", "接收", "btn-success"),
    ),
    "return_item": Step(
        "退回交接事项",
        frozenset({S.HANDED_OVER}),
        None,
        SERVE,
        INCOMING,
        effects.return_item,
        schemas.ReturnItemIn,
        form=Form("退回交接事项", "退回", "btn-outline-danger"),
    ),
    "sign": Step(
        "带班领导签字",
        frozenset({S.HANDED_OVER}),
        None,
        SERVE,
        LEADER,
        effects.sign,
        schemas.NoteIn,
        (items_settled,),
        form=Form("带班领导签字", "签字", "btn-outline-primary"),
    ),
    "close": Step(
        "交班完成",
        frozenset({S.HANDED_OVER}),
        S.CLOSED,
        SERVE | ROSTER,
        MEMBER_OR_OFFICE,
        effects.close,
        schemas.NoteIn,
        (items_settled, signed),
        form=Form("交班完成", "交班完成", "btn-success"),
    ),
}


# --- the machine ---------------------------------------------------------------------------------


def _lock(actor: User | None, shift: Shift) -> Shift:
    rows = Shift.objects.all() if actor is None else shifts_visible_to(actor)
    locked = (
        rows.select_for_update(of=("self",))
        .select_related("unit", "roster")
        .prefetch_related("members__user")
        .filter(pk=shift.pk)
        .first()
    )
    if locked is None:
        raise NotFound(missed=(Shift, shift.pk))
    return locked


def _save(change: Change[Shift]) -> None:
    shift = change.case
    shift.save(update_fields=["status", *change.memo.get("fields", [])])
    from ..clocks import on_shift_change

    on_shift_change(change)


def _record(change: Change[Shift]) -> ShiftEvent:
    return ShiftEvent.objects.create(
        shift=change.case,
        action=change.action,
        from_status=change.from_state,
        to_status=change.case.status,
        actor=change.actor,
        note=change.note,
        data=change.data,
        created_at=change.now,
    )


def _audience(shift: Shift, user_ids: set[int]) -> set[int]:
    """Those who may learn of the shift: the users whose unit is its unit or above it."""
    chain = [int(pk) for pk in shift.unit_path.strip("/").split("/") if pk]
    return set(User.objects.filter(pk__in=user_ids, unit_id__in=chain).values_list("pk", flat=True)) | (
        set(ShiftMember.objects.filter(shift=shift, user_id__in=user_ids).values_list("user_id", flat=True))
        | set(
            ShiftMember.objects.filter(
                user_id__in=user_ids, shift__unit_path__startswith=shift.unit_path
            ).values_list("user_id", flat=True)
        )
    )


def _about(shift: Shift) -> tuple[Any, str]:
    from django.urls import reverse

    return shift, reverse("duty:shift", args=[shift.pk])


MACHINE: Machine[Shift] = Machine(
    owner_type=OWNER_TYPE,
    label="班次",
    steps=STEPS,
    state_labels=dict(S.choices),
    lock=_lock,
    save=_save,
    record=_record,
    describe=lambda s: s.number,
    unknown_action="未知的值班操作",
    audience=_audience,
    notice_about=_about,
    audit_omitted=frozenset({"matter", "phone", "name", "text", "reason"}),
)


def register() -> None:
    engine.register_machine(MACHINE)


def shift_transition(
    *,
    shift: Shift,
    action: str,
    actor: User | None,
    note: str = "",
    request_meta: Any = None,
    **fields: Any,
) -> Shift:
    """The one entry of pages, API, jobs and tests to any duty step."""
    change = engine.transition(
        MACHINE, case=shift, action=action, actor=actor, fields=fields, note=note, request_meta=request_meta
    )
    return change.case


def allowed_actions(shift: Shift, actor: User) -> list[str]:
    return engine.allowed_actions(MACHINE, shift, actor)


__all__ = [
    "MACHINE",
    "STEPS",
    "SETTLED_ITEMS",
    "allowed_actions",
    "capabilities_of",
    "register",
    "shift_transition",
]
