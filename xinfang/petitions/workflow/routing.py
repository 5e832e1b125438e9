"""Effects of the steps that decide and route a matter: 受理, 不予受理, 不再受理, 转送, 交办, 异议."""

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import has_capability
from xinfang.core.dates import date_cn
from xinfang.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to
from xinfang.procedure.machine import Change, DocumentRequest

from ..choices import PetitionStatus as S
from ..models import Petition, SearchDocument, shared_depth
from ..notices import protected_context
from ..search import rescope_tokens
from ..selectors import routes_to_complained
from .clocks import clock_of, close_clock, engine_window, handling_rule, objection_until, start_clock
from .delivery import to_petitioner
from .parties import answering_organ, responsible_unit_id
from .schemas import AssignIn, DeclineGround, TransferIn


def set_handling_unit(change: Change[Petition], unit: Unit | None) -> None:
    p = change.case
    p.handling_unit = unit
    p.handling_path = unit.path if unit is not None else ""
    p.handling_shared_depth = shared_depth(p.unit_path, p.handling_path)
    document = SearchDocument.objects.filter(petition_id=p.pk).first()
    if document is not None:
        document.tokens = rescope_tokens(document.tokens, p.unit_path, p.handling_path)
        document.save(update_fields=["tokens"])


def accept_now(change: Change[Petition]) -> None:
    p = change.case
    p.accepted_at = change.now
    # the responsible unit's rule: an office may set its villages a shorter internal target
    clock = start_clock(change, handling_rule(p), p.handling_unit or p.unit, change.now)
    to_petitioner(
        change,
        DocumentRequest(
            "acceptance_notice", answering_organ(p), {"handling_deadline_cn": date_cn(clock.due_date)}
        ),
    )


def grounded(choices: type[models.TextChoices], kind: str) -> Callable[[Change[Petition]], None]:
    def apply(change: Change[Petition]) -> None:
        ground = str(change.input.ground)
        change.data.update(ground=ground, ground_label=choices(ground).label)
        p = change.case
        context: dict[str, Any] = {"ground_label": change.data["ground_label"], "note": change.note}
        if choices is DeclineGround:
            original = _original(change)
            _check_decline_ground(change, DeclineGround(ground), original)
            context |= {"original_number": original.number, "original_fact": _original_fact(original)}
        close_clock(change)
        p.closed_at = change.now
        to_petitioner(change, DocumentRequest(kind, answering_organ(p), context))

    return apply


def mark_invalid(change: Change[Petition]) -> None:
    """无效信息 (an advertisement, abuse, a test) through the portal: no notice, no acceptance."""
    change.data["reason"] = change.input.reason
    close_clock(change)
    change.case.closed_at = change.now


def _check_decline_ground(change: Change[Petition], ground: DeclineGround, original: Petition) -> None:
    """不再受理 only on a ground the original matter's facts bear out (信访工作条例 art. 35/36):
    已经复核终结 needs a re-review that ended it; 未在规定期限内申请复查或者复核 needs an answer
    whose 30-day window has run out without a request."""
    status = original.get_status_display()
    if ground == DeclineGround.FINALISED and not original.is_final:
        raise Conflict(
            f"原信访事项 {original.number}（{status}）未经复核终结，不能以“已经复核终结”为由不再受理。",
            {"original": original.number},
        )
    if ground == DeclineGround.WINDOW_PASSED:
        if original.is_final:
            raise Conflict(
                f"原信访事项 {original.number} 已经复核终结，应以“已经复核终结”为由不再受理。",
                {"original": original.number},
            )
        if original.window_ends is None:
            raise Conflict(
                f"原信访事项 {original.number}（{status}）尚未书面答复，复查（复核）申请期限尚未起算。",
                {"original": original.number},
            )
        if original.status in (S.REVIEW, S.REREVIEW) or original.window_ends >= timezone.localdate(
            change.now
        ):
            raise Conflict(
                f"原信访事项 {original.number} 的复查（复核）申请期限至 {original.window_ends:%Y-%m-%d}，"
                f"{'已在复查（复核）中' if original.status in (S.REVIEW, S.REREVIEW) else '尚未届满'}，"
                "不能以“未在规定期限内申请”为由不再受理。",
                {"original": original.number},
            )
    change.data.update(original=original.number, original_status=str(original.status))


def _original_fact(original: Petition) -> str:
    """What the 不再受理 notice says of the original matter: the answer it had and its window."""
    stage = ("处理意见", "复查意见", "复核意见")[min(original.review_stage, 2)]
    unit = original.answered_unit.name if original.answered_unit else ""
    fact = (
        f"{unit}已于{date_cn(original.answer_delivered_on)}送达{stage}"
        if original.answer_delivered_on
        else ""
    )
    if original.is_final:
        return f"{fact}，已经复核终结" if fact else "已经复核终结"
    if original.window_ends is not None:
        return f"{fact}，申请复查（复核）的期限已于{date_cn(original.window_ends)}届满"
    return fact


def _original(change: Change[Petition]) -> Petition:
    """The earlier matter a 不再受理 refers to: the one named by its number (within the actor's
    scope), else the one the registration linked as the original (重复件)."""
    from ..selectors import petitions_visible_to

    p = change.case
    number = change.input.original
    if not number:
        if p.repeat_of_id is None:
            message = "请选择原信访事项（不再受理须对照原信访事项的办理情况）。"
            raise ValidationFailed(message, {"original": message})
        return Petition.objects.select_related("answered_unit").get(pk=p.repeat_of_id)
    original = (
        petitions_visible_to(change.actor)
        .select_related("answered_unit")
        .exclude(pk=p.pk)
        .filter(number=number)
        .first()
    )
    if original is None:
        raise ValidationFailed(
            "原信访事项不存在。", {"original": f"编号为 {number} 的原信访事项不存在或不在您的范围内。"}
        )
    p.repeat_of = original
    return original


def _unit(wanted: int, label: str, queryset: Any) -> Unit:
    unit: Unit | None = queryset.filter(is_active=True, pk=wanted).first()
    if unit is None:
        raise ValidationFailed(f"请选择{label}。", {"unit": f"{label}不存在或不在可选范围内。"})
    return unit


def _handler(wanted: int | None, unit: Unit) -> User | None:
    if wanted is None:
        return None
    # one answer for a missing, inactive, other unit's or wrong role's id: never name a user
    user = User.objects.filter(pk=wanted, is_active=True, unit=unit).first()
    if user is None or not has_capability(user, "petitions.handle"):
        message = f"承办人不存在或不是{unit.name}的承办人。"
        raise ValidationFailed(message, {"handler": message})
    return user


def _confirm_complained(change: Change[Petition], unit: Unit) -> dict[str, Any]:
    """Routing a matter to the unit it complains about (or one below it) takes a leader's
    confirmation with a reason, kept in the step's event and audit entry; the notice to that
    unit then names no petitioner. Returns the notice's overrides."""
    p = change.case
    if not routes_to_complained(p, unit):
        return {}
    if change.actor is not None and not has_capability(change.actor, "petitions.approve"):
        raise PermissionDenied(f"本件反映的正是{unit.name}（或其上级单位），交其办理须由领导确认并填写理由。")
    reason = (getattr(change.input, "complained_reason", "") or "").strip()
    if not reason:
        message = f"本件反映的正是{unit.name}（或其上级单位），交其办理须填写理由。"
        raise ValidationFailed(message, {"complained_reason": message})
    change.data.update(to_complained=True, complained_reason=reason)
    return protected_context(p, unit)


def transfer(change: Change[Petition]) -> None:
    p = change.case
    data: TransferIn = change.input
    unit = _unit(data.unit, "接收单位", Unit.objects.exclude(pk=responsible_unit_id(p)))
    if change.from_state == S.ACCEPTED and not change.note.strip():
        message = "本件已受理，转送其他有权处理的机关须说明理由。"
        raise ValidationFailed(message, {"note": message})
    protected = _confirm_complained(change, unit)
    set_handling_unit(change, unit)
    p.routed_at = change.now
    p.handler = None
    clock = start_clock(change, "acceptance", unit, change.now)
    objection = engine_window("objection", unit, timezone.localdate())
    change.data.update(unit=unit.pk, unit_name=unit.name, objection_until=objection.isoformat())
    change.documents.append(
        DocumentRequest(
            "transfer_notice",
            p.unit,
            {"to_unit": unit.name, "deadline_cn": date_cn(clock.due_date), "note": change.note} | protected,
        )
    )


def assign(change: Change[Petition]) -> None:
    p = change.case
    data: AssignIn = change.input
    scope = units_visible_to(change.actor)
    unit = _unit(data.unit, "承办单位", scope)
    handler = _handler(data.handler, unit)
    if handler is not None and handler.pk == p.complained_user_id:
        raise ValidationFailed("被反映人不能承办反映其本人的事项。", {"handler": "被反映人不能承办本件。"})
    protected = _confirm_complained(change, unit)
    wanted = set(data.co_units) - {unit.pk}
    co_units = list(scope.filter(pk__in=wanted)) if wanted else []
    if len(co_units) != len(wanted):
        raise ValidationFailed("协办单位有误。", {"co_units": "协办单位不存在或不在您的范围内。"})
    issuing = p.handling_unit or p.unit
    set_handling_unit(change, unit)
    if p.status == S.REGISTERED:
        accept_now(change)
    clock = clock_of(change)
    due = data.deadline
    if due is not None:
        if due < timezone.localdate():
            raise ValidationFailed("交办期限不能早于今天。", {"deadline": "不能早于今天。"})
        if clock is not None and clock.due_date is not None and due > clock.due_date:
            raise ValidationFailed(
                f"交办期限不能晚于法定办理期限 {clock.due_date:%Y-%m-%d}。",
                {"deadline": f"不能晚于 {clock.due_date:%Y-%m-%d}。"},
            )
    p.assignment_due = due
    p.handler = handler
    p.routed_at = change.now
    change.after_save.append(lambda: p.co_units.set(co_units))
    change.data.update(
        unit=unit.pk,
        unit_name=unit.name,
        handler=handler.pk if handler else None,
        handler_name=str(handler) if handler else "",
        deadline=due.isoformat() if due else None,
        co_units=[u.name for u in co_units],
    )
    change.documents.append(
        DocumentRequest(
            "assignment_notice",
            issuing,
            {
                "to_unit": unit.name,
                "handler_name": str(handler) if handler else "",
                "deadline_cn": date_cn(due or (clock.due_date if clock else None)),
                "note": change.note,
            }
            | protected,
        )
    )


def objection_target(p: Petition) -> str:
    """Where an objection returns the matter: a transfer to the office's register, an assignment
    to where it stood before (accepted, or registered if it never was)."""
    if p.status == S.TRANSFERRED:
        return S.REGISTERED
    return S.ACCEPTED if p.accepted_at else S.REGISTERED


def object_(change: Change[Petition]) -> None:
    p = change.case
    until = objection_until(p)
    was = p.handling_unit.name if p.handling_unit else ""
    returned_from = change.from_state
    set_handling_unit(change, None)
    p.handler = None
    p.assignment_due = None
    p.routed_at = None
    if returned_from == S.TRANSFERRED:
        start_clock(change, "acceptance", p.unit, change.now)
    change.data.update(
        reason=change.input.reason, returned_by=was, objection_until=until.isoformat() if until else None
    )
