"""The procedure of a petition as data (信访工作条例 arts. 17–36), and the one function that moves
a petition from one state to the next.

Each action names the states it may start from, the state it leads to (None: it stays), the
capabilities that may take it and which unit the actor must belong to (`Party`). `petition_transition`
locks the row inside the actor's scope (404 outside it), checks capability and unit (403), state
and guard (409, with the Chinese reason), validates the action's fields (422), applies its
effects (fields, deadlines through the calendar engine), writes the timeline event, the written
notices (文书) and the audit entry, all in one transaction.

Clocks: a petition has at most one open `Deadline` (rule acceptance → handling → review_decision
→ rereview_decision); `current_deadline` is its due date, or the earlier 交办 deadline written in
the notice. The petitioner's windows for review and re-review are computed by the engine at the
answer and kept in `window_ends`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of, has_capability
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.rules import MAX_EXTENSION_DAYS
from xinfang.deadlines.selectors import calendar_load, rule_for
from xinfang.deadlines.services import (
    deadline_close,
    deadline_create,
    deadline_extend,
    deadline_pause,
    deadline_resume,
)
from xinfang.documents.services import document_generate
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to
from xinfang.petitions.hooks import petition_changed, petition_snapshot

from .choices import Outcome, PetitionStatus, Satisfaction
from .models import Petition, PetitionEvent, SearchDocument, shared_depth
from .search import rescope_tokens

S = PetitionStatus
OWNER_TYPE = "petitions.petition"
TEXT_MAX = 5000
REPORT_CHECKS = {
    "facts": "事实清楚",
    "characterisation": "定性准确",
    "disposal": "处理恰当",
    "procedure": "手续完备",
}


class Action(models.TextChoices):
    ACCEPT = "accept", "受理"
    REJECT = "reject", "不予受理"
    DECLINE_AGAIN = "decline_again", "不再受理"
    TRANSFER = "transfer", "转送"
    ASSIGN = "assign", "交办"
    OBJECT = "object", "提出异议（退回）"
    SUBMIT_REPORT = "submit_report", "提交办结报告"
    APPROVE_REPORT = "approve_report", "审核通过"
    RETURN_REPORT = "return_report", "退回重办"
    ANSWER = "answer", "答复"
    REQUEST_EXTENSION = "request_extension", "申请延期"
    APPROVE_EXTENSION = "approve_extension", "批准延期"
    SCHEDULE_HEARING = "schedule_hearing", "安排听证"
    FINISH_HEARING = "finish_hearing", "听证结束"
    REQUEST_REVIEW = "request_review", "申请复查"
    DECIDE_REVIEW = "decide_review", "复查答复"
    REQUEST_REREVIEW = "request_rereview", "申请复核"
    DECIDE_REREVIEW = "decide_rereview", "复核答复"
    RECORD_VISIT = "record_visit", "回访评价"
    CLOSE = "close", "办结"
    TAKE_OWNERSHIP = "take_ownership", "领导包案"
    INSTRUCT = "instruct", "领导批示"


class RejectGround(models.TextChoices):
    """Legal grounds for 不予受理 (domain.md §3.2)."""

    OTHER_AUTHORITY = "other_authority", "属于人大、法院、检察院职权范围"
    LEGAL_CHANNEL = "legal_channel", "应当通过诉讼、仲裁、行政复议等法定途径解决"
    ALREADY_HANDLED = "already_handled", "已经受理或者正在办理"
    WRONG_LEVEL = "wrong_level", "未向依法有权处理的本级或者上一级机关提出"


class DeclineGround(models.TextChoices):
    """Grounds for 不再受理 (domain.md §3.3)."""

    WINDOW_PASSED = "window_passed", "未在规定期限内申请复查或者复核"
    FINALISED = "finalised", "已经复核终结，以同一事实和理由再次提出"


class Party(StrEnum):
    """Which unit the actor must belong to, besides holding the capability."""

    OFFICE = "office"  # the responsible unit (承办单位, else 登记单位) or a unit above it
    HANDLING = "handling"  # the responsible unit itself (the handler's own unit)
    RECEIVER = "receiver"  # the unit the matter was transferred or assigned to
    REVIEW_OFFICE = "review_office"  # the unit one level above the answering unit, or above
    REVIEWER = "reviewer"  # the reviewing unit of a pending review, or above
    CHAIN = "chain"  # OFFICE or HANDLING


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    capabilities: frozenset[str]
    party: Party
    guard: Callable[[Petition], str | None] | None = None
    # Within the party, whether this actor may act on what the step is about (e.g. only the unit
    # that issued a supervision confirms it): a refusal (403) or None. Hides the button too.
    permits: Callable[[Petition, Any], str | None] | None = None


HANDLING_STATES = frozenset({S.ACCEPTED, S.ASSIGNED, S.HANDLING})
OPEN_WORK = frozenset(
    {
        S.REGISTERED,
        S.ACCEPTED,
        S.TRANSFERRED,
        S.ASSIGNED,
        S.HANDLING,
        S.REPORT_PENDING,
        S.APPROVED,
        S.REVIEW,
        S.REREVIEW,
    }
)
ANSWERED_OR_CLOSED = frozenset({S.ANSWERED, S.CLOSED})
OFFICE_CAPS = frozenset({"petitions.accept"})
LEADER_CAPS = frozenset({"petitions.approve"})
HANDLER_CAPS = frozenset({"petitions.handle"})


def _no_hearing(p: Petition) -> str | None:
    return "听证尚未结束，听证期间不能提交办结报告。" if p.hearing_pending else None


def _extension_pending(p: Petition) -> str | None:
    return None if p.extension_requested_days else "没有待批准的延期申请。"


def _no_extension_pending(p: Petition) -> str | None:
    return "已有延期申请等待批准。" if p.extension_requested_days else None


def _hearing_pending(p: Petition) -> str | None:
    return None if p.hearing_pending else "没有进行中的听证。"


def _window_open(stage: int, label: str) -> Callable[[Petition], str | None]:
    def guard(p: Petition) -> str | None:
        if p.is_final:
            return "该信访事项已复核终结，不能再申请复查或复核。"
        if p.review_stage != stage:
            return f"当前答复不是可以申请{label}的答复。"
        if p.window_ends is None or timezone.localdate() > p.window_ends:
            return f"申请{label}期限已过（截至 {p.window_ends or '—'}），依法不再受理。"
        return None

    return guard


def objection_until(p: Petition) -> date | None:
    """The last day the receiving unit may object (5 working days from arrival, art. 23)."""
    if p.handling_unit is None or p.routed_at is None:
        return None
    return _engine_window("objection", p.handling_unit, timezone.localtime(p.routed_at).date())


def _objection_open(p: Petition) -> str | None:
    until = objection_until(p)
    if until is None:
        return "没有可以提出异议的转送或交办。"
    if timezone.localdate() > until:
        return f"异议期限已过：应在收到之日起 5 个工作日内（{until:%Y-%m-%d} 前）提出。"
    return None


def _not_final(p: Petition) -> str | None:
    return "该信访事项已终结。" if p.is_final else None


TRANSITIONS: dict[str, Step] = {
    Action.ACCEPT: Step(frozenset({S.REGISTERED, S.TRANSFERRED}), S.ACCEPTED, OFFICE_CAPS, Party.OFFICE),
    Action.REJECT: Step(frozenset({S.REGISTERED, S.TRANSFERRED}), S.NOT_ACCEPTED, OFFICE_CAPS, Party.OFFICE),
    Action.DECLINE_AGAIN: Step(
        frozenset({S.REGISTERED, S.TRANSFERRED}), S.DECLINED_AGAIN, OFFICE_CAPS, Party.OFFICE
    ),
    Action.TRANSFER: Step(frozenset({S.REGISTERED}), S.TRANSFERRED, OFFICE_CAPS, Party.OFFICE),
    Action.ASSIGN: Step(frozenset({S.REGISTERED, S.ACCEPTED}), S.ASSIGNED, OFFICE_CAPS, Party.OFFICE),
    Action.OBJECT: Step(
        frozenset({S.TRANSFERRED, S.ASSIGNED}),
        None,
        OFFICE_CAPS | HANDLER_CAPS,
        Party.RECEIVER,
        _objection_open,
    ),
    Action.SUBMIT_REPORT: Step(HANDLING_STATES, S.REPORT_PENDING, HANDLER_CAPS, Party.HANDLING, _no_hearing),
    Action.APPROVE_REPORT: Step(frozenset({S.REPORT_PENDING}), S.APPROVED, LEADER_CAPS, Party.OFFICE),
    Action.RETURN_REPORT: Step(frozenset({S.REPORT_PENDING}), S.HANDLING, LEADER_CAPS, Party.OFFICE),
    Action.ANSWER: Step(frozenset({S.APPROVED}), S.ANSWERED, HANDLER_CAPS, Party.HANDLING),
    Action.REQUEST_EXTENSION: Step(
        HANDLING_STATES, None, HANDLER_CAPS, Party.HANDLING, _no_extension_pending
    ),
    Action.APPROVE_EXTENSION: Step(HANDLING_STATES, None, LEADER_CAPS, Party.OFFICE, _extension_pending),
    Action.SCHEDULE_HEARING: Step(
        HANDLING_STATES | {S.REVIEW, S.REREVIEW},
        None,
        OFFICE_CAPS,
        Party.OFFICE,
        lambda p: "已安排听证，尚未结束。" if p.hearing_pending else None,
    ),
    Action.FINISH_HEARING: Step(
        HANDLING_STATES | {S.REVIEW, S.REREVIEW}, None, OFFICE_CAPS, Party.OFFICE, _hearing_pending
    ),
    Action.REQUEST_REVIEW: Step(
        ANSWERED_OR_CLOSED, S.REVIEW, OFFICE_CAPS, Party.REVIEW_OFFICE, _window_open(0, "复查")
    ),
    Action.DECIDE_REVIEW: Step(
        frozenset({S.REVIEW}), S.ANSWERED, frozenset({"petitions.review"}), Party.REVIEWER, _no_hearing
    ),
    Action.REQUEST_REREVIEW: Step(
        ANSWERED_OR_CLOSED, S.REREVIEW, OFFICE_CAPS, Party.REVIEW_OFFICE, _window_open(1, "复核")
    ),
    Action.DECIDE_REREVIEW: Step(
        frozenset({S.REREVIEW}), S.CLOSED, frozenset({"petitions.review"}), Party.REVIEWER, _no_hearing
    ),
    Action.RECORD_VISIT: Step(ANSWERED_OR_CLOSED, None, OFFICE_CAPS | HANDLER_CAPS, Party.CHAIN),
    Action.CLOSE: Step(frozenset({S.ANSWERED}), S.CLOSED, OFFICE_CAPS, Party.OFFICE, _not_final),
    Action.TAKE_OWNERSHIP: Step(OPEN_WORK | {S.ANSWERED}, None, LEADER_CAPS, Party.OFFICE),
    Action.INSTRUCT: Step(OPEN_WORK | {S.ANSWERED}, None, LEADER_CAPS, Party.OFFICE),
}


# --- who may act ------------------------------------------------------------------------------


def responsible_unit_id(petition: Petition) -> int:
    return petition.handling_unit_id or petition.unit_id


def _responsible_path(petition: Petition) -> str:
    return petition.handling_path or petition.unit_path


def _review_target(petition: Petition) -> Unit | None:
    """The unit one level above the unit that gave the latest answer (复查 / 复核 机关)."""
    answered = petition.answered_unit
    return answered.parent if answered is not None else None


def _in_party(petition: Petition, actor: Any, party: Party) -> bool:
    unit = getattr(actor, "unit", None)
    if unit is None:
        return False
    if party == Party.OFFICE:
        return _responsible_path(petition).startswith(unit.path)
    if party == Party.HANDLING:
        return responsible_unit_id(petition) == unit.pk
    if party == Party.RECEIVER:
        return petition.handling_unit_id == unit.pk
    if party == Party.REVIEW_OFFICE:
        target = _review_target(petition)
        return target is not None and target.path.startswith(unit.path)
    if party == Party.REVIEWER:
        return petition.review_unit is not None and petition.review_unit.path.startswith(unit.path)
    return _in_party(petition, actor, Party.OFFICE) or _in_party(petition, actor, Party.HANDLING)


PARTY_REFUSALS = {
    Party.OFFICE: "只有承办单位或其上级单位可以执行此操作。",
    Party.HANDLING: "只有承办单位的承办人可以执行此操作。",
    Party.RECEIVER: "只有接收转送或交办的单位可以提出异议。",
    Party.REVIEW_OFFICE: "复查（复核）申请须由答复单位的上一级机关登记。",
    Party.REVIEWER: "只有复查（复核）机关可以作出复查（复核）意见。",
    Party.CHAIN: "只有承办单位或其上级单位可以执行此操作。",
}


def allowed_actions(petition: Petition, actor: Any) -> list[str]:
    """The actions `actor` may take on `petition` now: the buttons to show and the API's list.
    Needs no query when `answered_unit__parent` and `review_unit` are loaded with the petition."""
    caps = capabilities_of(actor)
    return [
        action
        for action, step in TRANSITIONS.items()
        if petition.status in step.sources
        and caps & step.capabilities
        and _in_party(petition, actor, step.party)
        and (step.guard is None or step.guard(petition) is None)
        and (step.permits is None or step.permits(petition, actor) is None)
    ]


# --- the action's fields ----------------------------------------------------------------------


@dataclass
class Change:
    """What one transition does besides the state: its timeline data and the notices to write."""

    petition: Petition
    actor: Any
    fields: dict[str, Any]
    now: datetime
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    documents: list[tuple[str, Unit, dict[str, Any]]] = field(default_factory=list)
    target: str | None = None


def _text(fields: dict[str, Any], name: str, label: str, *, required: bool = True) -> str:
    value = fields.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}。", {name: f"请填写{label}。"})
    if len(value) > TEXT_MAX:
        raise ValidationFailed(f"{label}不能超过 {TEXT_MAX} 字。", {name: f"不能超过 {TEXT_MAX} 字。"})
    return value


def _date(fields: dict[str, Any], name: str, label: str, *, required: bool = True) -> date | None:
    value = fields.get(name)
    if value in (None, ""):
        if required:
            raise ValidationFailed(f"请填写{label}。", {name: f"请填写{label}，格式 YYYY-MM-DD。"})
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"{label}格式有误。", {name: "日期格式应为 YYYY-MM-DD。"}) from None


def _choice(fields: dict[str, Any], name: str, choices: type[models.TextChoices], label: str) -> str:
    value = fields.get(name) or ""
    if value not in choices.values:
        options = "；".join(f"{v}（{lbl}）" for v, lbl in choices.choices)
        raise ValidationFailed(f"请选择{label}。", {name: f"{label}须为以下之一：{options}"})
    return value


def _past_date(fields: dict[str, Any], name: str, label: str, *, not_before: date | None) -> date:
    day = _date(fields, name, label)
    assert day is not None
    if day > timezone.localdate():
        raise ValidationFailed(f"{label}不能晚于今天。", {name: "不能晚于今天。"})
    if not_before is not None and day < not_before:
        raise ValidationFailed(
            f"{label}不能早于 {not_before:%Y-%m-%d}。", {name: f"不能早于 {not_before:%Y-%m-%d}。"}
        )
    return day


def _cn(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _unit_field(fields: dict[str, Any], name: str, label: str, queryset: Any) -> Unit:
    raw = fields.get(name)
    try:
        unit = queryset.filter(is_active=True).get(pk=int(raw))
    except (Unit.DoesNotExist, TypeError, ValueError):
        raise ValidationFailed(f"请选择{label}。", {name: f"{label}不存在或不在可选范围内。"}) from None
    return unit


def _handler_field(fields: dict[str, Any], unit: Unit) -> User | None:
    raw = fields.get("handler")
    if raw in (None, ""):
        return None
    try:
        user = User.objects.get(pk=int(raw), is_active=True)
    except (User.DoesNotExist, TypeError, ValueError):
        raise ValidationFailed("承办人不存在。", {"handler": "承办人不存在或已停用。"}) from None
    if user.unit_id != unit.pk or not has_capability(user, "petitions.handle"):
        raise ValidationFailed(
            "承办人须为承办单位的承办人。", {"handler": f"{user} 不是{unit.name}的承办人。"}
        )
    return user


# --- clocks -----------------------------------------------------------------------------------


def _open_clock(petition: Petition) -> Deadline | None:
    return Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=petition.pk, is_open=True).first()


def _close_clock(change: Change) -> None:
    clock = _open_clock(change.petition)
    if clock is not None:
        deadline_close(deadline=clock, actor=change.actor, at=change.now)
    change.petition.current_deadline = None


def _start_clock(change: Change, rule: str, unit: Unit, start: date | datetime) -> Deadline:
    """Closes the open clock and opens the next one, by the rule set of `unit`'s type."""
    _close_clock(change)
    spec = rule_for(rule, unit.unit_type)
    clock = deadline_create(
        owner_type=OWNER_TYPE,
        owner_id=change.petition.pk,
        rule=rule,
        start=start,
        amount=spec.amount,
        unit=spec.unit,
        actor=change.actor,
    )
    change.data[f"{rule}_deadline"] = clock.due_date.isoformat() if clock.due_date else None
    change.data[f"{rule}_rule"] = f"{spec.amount} {spec.unit}（{spec.source_label}）"
    return clock


def _engine_window(rule: str, unit: Unit, start: date) -> date:
    spec = rule_for(rule, unit.unit_type)
    result = compute_deadline(
        start=start, amount=spec.amount, unit=spec.unit, calendar=calendar_load(), rule=rule
    )
    assert result.due_date is not None
    return result.due_date


def handling_rule(petition: Petition) -> str:
    """Important matters (紧急、集体、联名) may have a shorter internal target than ordinary ones."""
    important = petition.is_urgent or petition.is_collective or petition.is_joint_letter
    return "handling_important" if important else "handling"


def _refresh_current_deadline(petition: Petition) -> None:
    clock = _open_clock(petition)
    due = clock.due_date if clock is not None else None
    if due is not None and petition.assignment_due is not None:
        due = min(due, petition.assignment_due)
    petition.current_deadline = due


# --- effects ----------------------------------------------------------------------------------


def _set_handling_unit(change: Change, unit: Unit | None) -> None:
    p = change.petition
    p.handling_unit = unit
    p.handling_path = unit.path if unit is not None else ""
    p.handling_shared_depth = shared_depth(p.unit_path, p.handling_path)
    document = SearchDocument.objects.filter(petition_id=p.pk).first()
    if document is not None:
        document.tokens = rescope_tokens(document.tokens, p.unit_path, p.handling_path)
        document.save(update_fields=["tokens"])


def _accept_now(change: Change) -> None:
    p = change.petition
    p.accepted_at = change.now
    clock = _start_clock(change, handling_rule(p), change.petition.handling_unit or p.unit, change.now)
    change.documents.append(
        (
            "acceptance_notice",
            p.handling_unit or p.unit,
            {"handling_deadline_cn": _cn(clock.due_date)},
        )
    )


def _accept(change: Change) -> None:
    _accept_now(change)


def _grounded(choices: type[models.TextChoices], kind: str) -> Callable[[Change], None]:
    def apply(change: Change) -> None:
        ground = _choice(change.fields, "ground", choices, "法定理由")
        change.data.update(ground=ground, ground_label=choices(ground).label)
        p = change.petition
        if ground == DeclineGround.FINALISED:
            original = _original(change)
            if original.status != S.CLOSED:
                raise Conflict(f"原信访事项 {original.number} 尚未办结，不能以“已经终结”为由不再受理。")
        _close_clock(change)
        p.closed_at = change.now
        change.documents.append(
            (
                kind,
                p.handling_unit or p.unit,
                {"ground_label": change.data["ground_label"], "note": change.note},
            )
        )

    return apply


def _original(change: Change) -> Petition:
    """The earlier matter a 不再受理 refers to: the registered `repeat_of`, or `original` given now."""
    p = change.petition
    raw = change.fields.get("original")
    if raw not in (None, ""):
        from .selectors import petitions_visible_to

        try:
            original = petitions_visible_to(change.actor).exclude(pk=p.pk).get(pk=int(raw))
        except (Petition.DoesNotExist, TypeError, ValueError):
            raise ValidationFailed(
                "原信访事项不存在。", {"original": "原信访事项不存在或不在您的范围内。"}
            ) from None
        p.repeat_of = original
        change.data["original"] = original.number
        return original
    if p.repeat_of_id is None:
        raise ValidationFailed(
            "请指明原信访事项。", {"original": "以“已经终结”为由不再受理，须关联原信访事项。"}
        )
    return Petition.objects.get(pk=p.repeat_of_id)


def _transfer(change: Change) -> None:
    p = change.petition
    unit = _unit_field(change.fields, "unit", "接收单位", Unit.objects.exclude(pk=responsible_unit_id(p)))
    _set_handling_unit(change, unit)
    p.routed_at = change.now
    p.handler = None
    clock = _start_clock(change, "acceptance", unit, change.now)
    objection = _engine_window("objection", unit, timezone.localdate())
    change.data.update(unit=unit.pk, unit_name=unit.name, objection_until=objection.isoformat())
    change.documents.append(
        (
            "transfer_notice",
            p.unit,
            {"to_unit": unit.name, "deadline_cn": _cn(clock.due_date), "note": change.note},
        )
    )


def _assign(change: Change) -> None:
    p = change.petition
    unit = _unit_field(change.fields, "unit", "承办单位", units_visible_to(change.actor))
    handler = _handler_field(change.fields, unit)
    co_ids = change.fields.get("co_units") or []
    co_units = list(units_visible_to(change.actor).filter(pk__in=co_ids).exclude(pk=unit.pk))
    if len(co_units) != len(set(co_ids) - {unit.pk}):
        raise ValidationFailed("协办单位有误。", {"co_units": "协办单位不存在或不在您的范围内。"})
    issuing = p.handling_unit or p.unit
    if p.status == S.REGISTERED:
        _set_handling_unit(change, unit)
        _accept_now(change)
    else:
        _set_handling_unit(change, unit)
    clock = _open_clock(p)
    due = _date(change.fields, "deadline", "交办期限", required=False)
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
    change.petition._co_units = co_units  # written after save (many-to-many)
    change.data.update(
        unit=unit.pk,
        unit_name=unit.name,
        handler=handler.pk if handler else None,
        handler_name=str(handler) if handler else "",
        deadline=due.isoformat() if due else None,
        co_units=[u.name for u in co_units],
    )
    change.documents.append(
        (
            "assignment_notice",
            issuing,
            {
                "to_unit": unit.name,
                "handler_name": str(handler) if handler else "",
                "deadline_cn": _cn(due or (clock.due_date if clock else None)),
                "note": change.note,
            },
        )
    )


def _object(change: Change) -> None:
    p = change.petition
    reason = _text(change.fields, "reason", "异议理由")
    until = objection_until(p)
    was = p.handling_unit.name
    _set_handling_unit(change, None)
    p.handler = None
    p.assignment_due = None
    p.routed_at = None
    if p.status == S.TRANSFERRED:
        change.target = S.REGISTERED
        _start_clock(change, "acceptance", p.unit, change.now)
    else:
        change.target = S.ACCEPTED if p.accepted_at else S.REGISTERED
    change.data.update(reason=reason, returned_by=was, objection_until=until.isoformat() if until else None)


def _submit_report(change: Change) -> None:
    p = change.petition
    report = _text(change.fields, "report", "办结报告")
    change.data["report"] = report
    change.documents.append(
        (
            "closure_report",
            p.handling_unit or p.unit,
            {
                "report": report,
                "handler_name": str(change.actor),
                "handling_unit": (p.handling_unit or p.unit).name,
            },
        )
    )


def _approve_report(change: Change) -> None:
    checks = change.fields.get("checks")
    if checks is None:
        checks = list(REPORT_CHECKS)
    missing = [label for code, label in REPORT_CHECKS.items() if code not in checks]
    if missing:
        raise ValidationFailed(
            "办结报告须同时做到事实清楚、定性准确、处理恰当、手续完备，否则请退回重办。",
            {"checks": f"未确认：{'、'.join(missing)}。"},
        )
    change.data["checks"] = [REPORT_CHECKS[c] for c in REPORT_CHECKS]


def _return_report(change: Change) -> None:
    change.data["reason"] = _text(change.fields, "reason", "退回理由")


def _answer_fields(change: Change, *, not_before: date | None) -> tuple[str, str, date]:
    outcome = _choice(change.fields, "outcome", Outcome, "处理结果")
    text = _text(change.fields, "text", "答复意见")
    delivered = _past_date(change.fields, "delivered_on", "送达日期", not_before=not_before)
    change.data.update(
        outcome=outcome, outcome_label=Outcome(outcome).label, text=text, delivered_on=delivered.isoformat()
    )
    return outcome, text, delivered


def _answer(change: Change) -> None:
    p = change.petition
    accepted = timezone.localtime(p.accepted_at).date() if p.accepted_at else None
    outcome, text, delivered = _answer_fields(change, not_before=accepted)
    unit = p.handling_unit or p.unit
    _record_answer(change, unit, outcome, delivered, stage=0)
    review_unit = unit.parent
    change.documents.append(
        (
            "handling_opinion",
            unit,
            {
                "outcome_label": Outcome(outcome).label,
                "text": text,
                "delivered_on_cn": _cn(delivered),
                "review_window_cn": _cn(p.window_ends),
                "review_unit": review_unit.name if review_unit else "",
            },
        )
    )


def _record_answer(change: Change, unit: Unit, outcome: str, delivered: date, *, stage: int) -> None:
    p = change.petition
    _close_clock(change)
    p.assignment_due = None
    p.answered_unit = unit
    p.answer_outcome = outcome
    p.answer_delivered_on = delivered
    p.review_stage = stage
    p.review_unit = None
    if stage < 2:
        p.window_ends = _engine_window("review_window" if stage == 0 else "rereview_window", unit, delivered)
        change.data["window_ends"] = p.window_ends.isoformat()
    else:
        p.window_ends = None


def _request_review(rule: str, label: str) -> Callable[[Change], None]:
    def apply(change: Change) -> None:
        p = change.petition
        requested = _past_date(
            change.fields, "requested_on", f"申请{label}日期", not_before=p.answer_delivered_on
        )
        reason = _text(change.fields, "reason", f"申请{label}的理由")
        if p.window_ends is not None and requested > p.window_ends:
            raise Conflict(
                f"申请{label}已超过期限（送达之日起 30 日，截至 {p.window_ends:%Y-%m-%d}），依法不再受理。"
            )
        target = _review_target(p)
        if target is None:
            raise Conflict(f"答复单位没有上一级机关，请向其上级机关申请{label}。")
        p.review_unit = target
        p.closed_at = None
        clock = _start_clock(change, rule, target, requested)
        change.data.update(
            requested_on=requested.isoformat(),
            reason=reason,
            review_unit=target.name,
            decide_by=clock.due_date.isoformat() if clock.due_date else None,
        )

    return apply


def _decide_review(change: Change) -> None:
    p = change.petition
    outcome, text, delivered = _answer_fields(change, not_before=None)
    unit = p.review_unit
    _record_answer(change, unit, outcome, delivered, stage=1)
    change.documents.append(
        (
            "review_opinion",
            unit,
            {
                "outcome_label": Outcome(outcome).label,
                "text": text,
                "rereview_window_cn": _cn(p.window_ends),
                "rereview_unit": unit.parent.name if unit.parent else "",
            },
        )
    )


def _decide_rereview(change: Change) -> None:
    p = change.petition
    outcome, text, delivered = _answer_fields(change, not_before=None)
    unit = p.review_unit
    _record_answer(change, unit, outcome, delivered, stage=2)
    p.is_final = True
    p.closed_at = change.now
    change.documents.append(
        ("rereview_opinion", unit, {"outcome_label": Outcome(outcome).label, "text": text})
    )


def _request_extension(change: Change) -> None:
    p = change.petition
    raw = change.fields.get("days")
    try:
        days = int(raw)
        if isinstance(raw, bool) or str(raw).strip() != str(days):
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationFailed("请填写延期天数。", {"days": "延期天数须为正整数。"}) from None
    reason = _text(change.fields, "reason", "延期理由")
    clock = _open_clock(p)
    granted = clock.extension_days if clock is not None else 0
    if days < 1 or granted + days > MAX_EXTENSION_DAYS:
        left = MAX_EXTENSION_DAYS - granted
        raise ValidationFailed(
            f"延期办理最多 {MAX_EXTENSION_DAYS} 日（已延长 {granted} 日，最多还可申请 {left} 日）。",
            {"days": f"须在 1 至 {left} 之间。"},
        )
    p.extension_requested_days = days
    change.data.update(days=days, reason=reason)


def _approve_extension(change: Change) -> None:
    p = change.petition
    clock = _open_clock(p)
    if clock is None:
        raise Conflict("没有正在计算的办理期限，不能延期。")
    days = p.extension_requested_days
    clock = deadline_extend(deadline=clock, days=days, actor=change.actor, reason=change.note)
    p.extension_requested_days = 0
    reason = PetitionEvent.objects.filter(petition=p, action=Action.REQUEST_EXTENSION).order_by("-pk").first()
    reason_text = reason.data.get("reason", "") if reason else ""
    change.data.update(days=days, new_deadline=clock.due_date.isoformat() if clock.due_date else None)
    change.documents.append(
        (
            "extension_notice",
            p.handling_unit or p.unit,
            {"days": days, "reason": reason_text, "new_deadline_cn": _cn(clock.due_date)},
        )
    )


def _schedule_hearing(change: Change) -> None:
    p = change.petition
    raw = change.fields.get("held_at")
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw)
        except ValueError:
            raw = None
    if not isinstance(raw, datetime):
        raise ValidationFailed("请填写听证时间。", {"held_at": "请填写听证时间，例如 2026-12-01T09:30。"})
    held_at = raw if timezone.is_aware(raw) else timezone.make_aware(raw)
    place = _text(change.fields, "place", "听证地点")
    participants = _text(change.fields, "participants", "参加人员")
    clock = _open_clock(p)
    if clock is not None:
        deadline_pause(deadline=clock, actor=change.actor, reason="听证期间不计入办理期限")
    p.hearing_pending = True
    local = timezone.localtime(held_at)
    change.data.update(held_at=local.isoformat(), place=place, participants=participants)
    change.documents.append(
        (
            "hearing_notice",
            change.actor.unit,
            {
                "hearing_at_cn": f"{_cn(local.date())} {local:%H:%M}",
                "place": place,
                "participants": participants,
                "note": change.note,
            },
        )
    )


def _finish_hearing(change: Change) -> None:
    p = change.petition
    change.data["record"] = _text(change.fields, "record", "听证记录")
    clock = _open_clock(p)
    if clock is not None and clock.is_paused:
        deadline_resume(deadline=clock, actor=change.actor)
    p.hearing_pending = False


def _record_visit(change: Change) -> None:
    p = change.petition
    satisfaction = _choice(change.fields, "satisfaction", Satisfaction, "满意度")
    p.satisfaction = satisfaction
    change.data.update(satisfaction=satisfaction, satisfaction_label=Satisfaction(satisfaction).label)
    if satisfaction == Satisfaction.DISSATISFIED and p.window_ends and not p.is_final:
        label = "复查" if p.review_stage == 0 else "复核"
        change.data["hint"] = f"信访人不满意，可在 {p.window_ends:%Y-%m-%d} 前申请{label}。"


def _close(change: Change) -> None:
    change.petition.closed_at = change.now


def _take_ownership(change: Change) -> None:
    p = change.petition
    raw = change.fields.get("leader")
    leader = change.actor
    if raw not in (None, ""):
        try:
            leader = User.objects.select_related("unit").get(pk=int(raw), is_active=True)
        except (User.DoesNotExist, TypeError, ValueError):
            raise ValidationFailed("包案领导不存在。", {"leader": "包案领导不存在或已停用。"}) from None
        if not has_capability(leader, "petitions.approve") or not _in_party(p, leader, Party.OFFICE):
            raise ValidationFailed(
                "包案领导须为承办单位或其上级单位的领导。", {"leader": f"{leader} 不能包案。"}
            )
    p.owner_leader = leader
    change.data.update(leader=leader.pk, leader_name=str(leader))


def _instruct(change: Change) -> None:
    change.data["text"] = _text(change.fields, "text", "批示内容")


EFFECTS: dict[str, Callable[[Change], None]] = {
    Action.ACCEPT: _accept,
    Action.REJECT: _grounded(RejectGround, "rejection_notice"),
    Action.DECLINE_AGAIN: _grounded(DeclineGround, "decline_notice"),
    Action.TRANSFER: _transfer,
    Action.ASSIGN: _assign,
    Action.OBJECT: _object,
    Action.SUBMIT_REPORT: _submit_report,
    Action.APPROVE_REPORT: _approve_report,
    Action.RETURN_REPORT: _return_report,
    Action.ANSWER: _answer,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.SCHEDULE_HEARING: _schedule_hearing,
    Action.FINISH_HEARING: _finish_hearing,
    Action.REQUEST_REVIEW: _request_review("review_decision", "复查"),
    Action.DECIDE_REVIEW: _decide_review,
    Action.REQUEST_REREVIEW: _request_review("rereview_decision", "复核"),
    Action.DECIDE_REREVIEW: _decide_rereview,
    Action.RECORD_VISIT: _record_visit,
    Action.CLOSE: _close,
    Action.TAKE_OWNERSHIP: _take_ownership,
    Action.INSTRUCT: _instruct,
}

ACTION_LABELS: dict[str, str] = dict(Action.choices)


def register_action(
    code: str, label: str, step: Step, effect: Callable[[Change], None], *, saved_fields: tuple[str, ...] = ()
) -> None:
    """Adds an action of another app (督办 …) to the procedure, so that it runs through the same
    transition function: scope, capability, unit, state, guard, timeline, notices and audit.
    Called from that app's `AppConfig.ready`; registering a code twice replaces it."""
    TRANSITIONS[code] = step
    EFFECTS[code] = effect
    ACTION_LABELS[code] = label
    for name in saved_fields:
        if name not in SAVED_FIELDS:
            SAVED_FIELDS.append(name)


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


def _lock(petition: Petition, actor: Any) -> Petition:
    from .selectors import petitions_visible_to

    try:
        return (
            petitions_visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("unit", "handling_unit", "answered_unit__parent", "review_unit", "category")
            .get(pk=petition.pk)
        )
    except Petition.DoesNotExist:
        raise NotFound() from None


@transaction.atomic
def petition_transition(
    *,
    petition: Petition,
    action: str,
    actor: Any,
    note: str = "",
    request_meta: RequestMeta | None = None,
    **fields: Any,
) -> Petition:
    """Performs `action`: 404 outside scope, 403 for a role or unit the rules do not name, 409
    for a step out of order, 422 for bad fields. Nothing is written unless everything succeeds."""
    if action not in TRANSITIONS:
        raise ValidationFailed(f"未知的办理操作：{action}。", {"action": "未知的办理操作。"})
    step = TRANSITIONS[action]
    label = ACTION_LABELS[action]
    if not capabilities_of(actor) & step.capabilities:
        raise PermissionDenied(f"您的角色不能执行“{label}”。")
    petition = _lock(petition, actor)
    if petition.status not in step.sources:
        raise Conflict(
            f"信访件当前为“{petition.get_status_display()}”，不能执行“{label}”。", {"status": petition.status}
        )
    if not _in_party(petition, actor, step.party):
        raise PermissionDenied(f"{PARTY_REFUSALS[step.party]}（{label}）")
    refusal = step.guard(petition) if step.guard else None
    if refusal:
        raise Conflict(f"不能执行“{label}”：{refusal}", {"status": petition.status})
    refusal = step.permits(petition, actor) if step.permits else None
    if refusal:
        raise PermissionDenied(refusal)
    note = (note or "").strip()
    if len(note) > TEXT_MAX:
        raise ValidationFailed(f"说明不能超过 {TEXT_MAX} 字。", {"note": f"不能超过 {TEXT_MAX} 字。"})
    before = petition_snapshot(petition)  # the hook's subscribers (stats): their view before
    old_status = petition.status
    change = Change(
        petition=petition, actor=actor, fields=fields, now=timezone.now(), note=note, target=step.target
    )
    EFFECTS[action](change)
    new_status = change.target or old_status
    petition.status = new_status
    _refresh_current_deadline(petition)
    petition.save(update_fields=SAVED_FIELDS)
    petition_changed(before=before, petition=petition)  # the hook's subscribers keep in step
    co_units = getattr(petition, "_co_units", None)
    if co_units is not None:
        petition.co_units.set(co_units)
    event = PetitionEvent.objects.create(
        petition=petition,
        action=action,
        from_status=old_status,
        to_status=new_status,
        actor=actor,
        note=note,
        data=change.data,
        created_at=change.now,
    )
    for kind, unit, context in change.documents:
        document_generate(
            kind=kind,
            unit=unit,
            actor=actor,
            petition=petition,
            context=context,
            event_id=event.pk,
            request_meta=request_meta,
        )
    audit_record(
        actor=actor,
        event=AuditEvent.STATE_TRANSITION,
        target=petition,
        target_label=petition.number,
        request_meta=request_meta,
        action=action,
        old=old_status,
        new=new_status,
        event_id=event.pk,
        **{k: v for k, v in change.data.items() if k not in ("text", "report", "record")},
    )
    return petition
