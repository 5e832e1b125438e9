"""Effects of the steps that handle and answer a matter: 办结报告, 答复, 复查, 复核, 延期, 听证,
回访, 办结, 领导包案, 批示."""

from collections.abc import Callable
from datetime import date

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from xinfang.accounts.models import User
from xinfang.accounts.permissions import has_capability
from xinfang.core.dates import date_cn
from xinfang.core.exceptions import Conflict, ValidationFailed
from xinfang.deadlines.services import deadline_extend, deadline_pause, deadline_resume
from xinfang.organisation.models import Unit
from xinfang.procedure.machine import Change, DocumentRequest

from ..choices import Outcome, Satisfaction
from ..models import Petition, PetitionEvent
from ..rules import EXTENSION_MAX_DAYS
from .clocks import CLOCK, clock_of, close_clock, engine_window, start_clock
from .delivery import to_petitioner
from .parties import OFFICE, answering_organ, rereview_target, review_target
from .schemas import REPORT_CHECKS, AnswerIn, RequestExtensionIn, RequestReviewIn, ScheduleHearingIn


def submit_report(change: Change[Petition]) -> None:
    p = change.case
    report = change.input.report
    unit = p.handling_unit or p.unit
    change.data["report"] = report
    change.documents.append(
        DocumentRequest(
            "closure_report",
            unit,
            {"report": report, "handler_name": str(change.actor), "handling_unit": unit.name},
        )
    )


def claim(change: Change[Petition]) -> None:
    """认领: a handler of the unit the matter was assigned to, without a named handler, takes it."""
    assert change.actor is not None
    change.case.handler = change.actor
    change.data.update(handler=change.actor.pk, handler_name=str(change.actor))


def approve_report(change: Change[Petition]) -> None:
    confirmed = {str(c) for c in change.input.checks}
    missing = [label for code, label in REPORT_CHECKS.items() if code not in confirmed]
    if missing:
        raise ValidationFailed(
            "办结报告须同时做到事实清楚、定性准确、处理恰当、手续完备，否则请退回重办。",
            {"checks": f"未确认：{'、'.join(missing)}。"},
        )
    change.data["checks"] = list(REPORT_CHECKS.values())


def return_report(change: Change[Petition]) -> None:
    change.data["reason"] = change.input.reason


def _past_date(day: date, name: str, label: str, *, not_before: date | None) -> date:
    if day > timezone.localdate():
        raise ValidationFailed(f"{label}不能晚于今天。", {name: "不能晚于今天。"})
    if not_before is not None and day < not_before:
        raise ValidationFailed(
            f"{label}不能早于 {not_before:%Y-%m-%d}。", {name: f"不能早于 {not_before:%Y-%m-%d}。"}
        )
    return day


def _answer_fields(change: Change[Petition], *, not_before: date | None) -> tuple[str, str, date]:
    data: AnswerIn = change.input
    outcome = str(data.outcome)
    delivered = _past_date(data.delivered_on, "delivered_on", "送达日期", not_before=not_before)
    change.data.update(
        outcome=outcome,
        outcome_label=Outcome(outcome).label,
        text=data.text,
        delivered_on=delivered.isoformat(),
    )
    return outcome, data.text, delivered


def _record_answer(
    change: Change[Petition], unit: Unit, outcome: str, delivered: date, *, stage: int
) -> None:
    p = change.case
    close_clock(change)
    p.assignment_due = None
    p.answered_unit = unit
    change.data["organ_name"] = unit.name
    p.answer_outcome = outcome
    p.answer_delivered_on = delivered
    p.review_stage = stage
    p.review_unit = None
    if stage < 2:
        p.window_ends = engine_window("review_window" if stage == 0 else "rereview_window", unit, delivered)
        change.data["window_ends"] = p.window_ends.isoformat()
    else:
        p.window_ends = None


def answer(change: Change[Petition]) -> None:
    p = change.case
    accepted = timezone.localtime(p.accepted_at).date() if p.accepted_at else None
    outcome, text, delivered = _answer_fields(change, not_before=accepted)
    unit = answering_organ(p)
    _record_answer(change, unit, outcome, delivered, stage=0)
    review_unit = review_target(p)
    to_petitioner(
        change,
        DocumentRequest(
            "handling_opinion",
            unit,
            {
                "outcome_label": Outcome(outcome).label,
                "text": text,
                "delivered_on_cn": date_cn(delivered),
                "review_window_cn": date_cn(p.window_ends),
                "review_unit": review_unit.name if review_unit else "",
            },
        ),
    )


def request_review(rule: str, label: str) -> Callable[[Change[Petition]], None]:
    def apply(change: Change[Petition]) -> None:
        p = change.case
        data: RequestReviewIn = change.input
        requested = _past_date(
            data.requested_on, "requested_on", f"申请{label}日期", not_before=p.answer_delivered_on
        )
        if p.window_ends is not None and requested > p.window_ends:
            raise Conflict(
                f"申请{label}已超过期限（送达之日起 30 日，截至 {p.window_ends:%Y-%m-%d}），依法不再受理。"
            )
        target = review_target(p)
        if target is None:
            raise Conflict(f"答复单位没有上一级机关，请向其上级机关申请{label}。")
        p.review_unit = target
        p.closed_at = None
        clock = start_clock(change, rule, target, requested)
        change.data.update(
            requested_on=requested.isoformat(),
            reason=data.reason,
            review_unit=target.name,
            decide_by=clock.due_date.isoformat() if clock.due_date else None,
        )

    return apply


def decide_review(change: Change[Petition]) -> None:
    p = change.case
    outcome, text, delivered = _answer_fields(change, not_before=None)
    unit = p.review_unit
    assert unit is not None
    _record_answer(change, unit, outcome, delivered, stage=1)
    to_petitioner(
        change,
        DocumentRequest(
            "review_opinion",
            unit,
            {
                "outcome_label": Outcome(outcome).label,
                "text": text,
                "rereview_window_cn": date_cn(p.window_ends),
                "rereview_unit": rereview.name if (rereview := rereview_target(unit)) else "",
            },
        ),
    )


def decide_rereview(change: Change[Petition]) -> None:
    p = change.case
    outcome, text, delivered = _answer_fields(change, not_before=None)
    unit = p.review_unit
    assert unit is not None
    _record_answer(change, unit, outcome, delivered, stage=2)
    p.is_final = True
    p.closed_at = change.now
    to_petitioner(
        change,
        DocumentRequest("rereview_opinion", unit, {"outcome_label": Outcome(outcome).label, "text": text}),
    )


def request_extension(change: Change[Petition]) -> None:
    p = change.case
    data: RequestExtensionIn = change.input
    clock = clock_of(change)
    granted = clock.extension_days if clock is not None else 0
    if data.days < 1 or granted + data.days > EXTENSION_MAX_DAYS:
        left = EXTENSION_MAX_DAYS - granted
        raise ValidationFailed(
            f"延期办理最多 {EXTENSION_MAX_DAYS} 日（已延长 {granted} 日，最多还可申请 {left} 日）。",
            {"days": f"须在 1 至 {left} 之间。"},
        )
    p.extension_requested_days = data.days
    change.data.update(days=data.days, reason=data.reason)


def approve_extension(change: Change[Petition]) -> None:
    p = change.case
    clock = clock_of(change)
    if clock is None:
        raise Conflict("没有正在计算的办理期限，不能延期。")
    days = p.extension_requested_days
    clock = deadline_extend(deadline=clock, days=days, actor=change.actor, reason=change.note)
    change.memo[CLOCK] = clock
    p.extension_requested_days = 0
    request = PetitionEvent.objects.filter(petition=p, action="request_extension").order_by("-pk").first()
    reason = request.data.get("reason", "") if request else ""
    change.data.update(days=days, new_deadline=clock.due_date.isoformat() if clock.due_date else None)
    to_petitioner(
        change,
        DocumentRequest(
            "extension_notice",
            answering_organ(p),
            {"days": days, "reason": reason, "new_deadline_cn": date_cn(clock.due_date)},
        ),
    )


def schedule_hearing(change: Change[Petition]) -> None:
    p = change.case
    data: ScheduleHearingIn = change.input
    held_at = data.held_at if timezone.is_aware(data.held_at) else timezone.make_aware(data.held_at)
    clock = clock_of(change)
    if clock is not None:
        change.memo[CLOCK] = deadline_pause(
            deadline=clock, actor=change.actor, reason="听证期间不计入办理期限"
        )
    p.hearing_pending = True
    local = timezone.localtime(held_at)
    change.data.update(held_at=local.isoformat(), place=data.place, participants=data.participants)
    assert change.actor is not None
    assert change.actor.unit is not None
    change.documents.append(
        DocumentRequest(
            "hearing_notice",
            change.actor.unit,
            {
                "hearing_at_cn": f"{date_cn(local.date())} {local:%H:%M}",
                "place": data.place,
                "participants": data.participants,
                "note": change.note,
            },
        )
    )


def finish_hearing(change: Change[Petition]) -> None:
    p = change.case
    scheduled = (
        PetitionEvent.objects.filter(petition=p, action="schedule_hearing")
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    held_at = parse_datetime(str((scheduled or {}).get("held_at", "")))
    if held_at is not None and held_at > change.now:
        local = timezone.localtime(held_at)
        raise Conflict(
            f"听证定于 {local:%Y-%m-%d %H:%M} 举行，尚未举行，不能结束听证。",
            {"held_at": local.isoformat()},
        )
    change.data["record"] = change.input.record
    clock = clock_of(change)
    if clock is not None and clock.is_paused:
        change.memo[CLOCK] = deadline_resume(deadline=clock, actor=change.actor)
    p.hearing_pending = False


def record_visit(change: Change[Petition]) -> None:
    p = change.case
    satisfaction = str(change.input.satisfaction)
    p.satisfaction = satisfaction
    change.data.update(satisfaction=satisfaction, satisfaction_label=Satisfaction(satisfaction).label)
    if satisfaction == Satisfaction.DISSATISFIED and p.window_ends and not p.is_final:
        label = "复查" if p.review_stage == 0 else "复核"
        change.data["hint"] = f"信访人不满意，可在 {p.window_ends:%Y-%m-%d} 前申请{label}。"


def close(change: Change[Petition]) -> None:
    change.case.closed_at = change.now


def take_ownership(change: Change[Petition]) -> None:
    p = change.case
    wanted = change.input.leader
    leader = change.actor
    if wanted is not None:
        leader = User.objects.select_related("unit").filter(pk=wanted, is_active=True).first()
        if leader is None:
            raise ValidationFailed("包案领导不存在。", {"leader": "包案领导不存在或已停用。"})
        if not has_capability(leader, "petitions.approve") or not OFFICE.includes(p, leader):
            raise ValidationFailed(
                "包案领导须为承办单位或其上级单位的领导。", {"leader": f"{leader} 不能包案。"}
            )
    assert leader is not None
    p.owner_leader = leader
    change.data.update(leader=leader.pk, leader_name=str(leader))


def instruct(change: Change[Petition]) -> None:
    change.data["text"] = change.input.text
