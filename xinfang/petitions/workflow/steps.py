"""The procedure of a petition as data (信访工作条例 arts. 17–36): the machine's steps."""

from collections.abc import Callable

from django.db import models
from django.utils import timezone

from xinfang.procedure.machine import Form, Step

from ..choices import Channel
from ..choices import PetitionStatus as S
from ..hooks import review_requested_on
from ..models import Petition
from . import handling, routing
from . import messages as tell
from . import schemas as inputs
from .clocks import objection_until
from .parties import ANSWERING, CHAIN, HANDLING, OFFICE, RECEIVER, REVIEW_OFFICE, REVIEWER


class Action(models.TextChoices):
    ACCEPT = "accept", "受理"
    REJECT = "reject", "不予受理"
    DECLINE_AGAIN = "decline_again", "不再受理"
    TRANSFER = "transfer", "转送"
    ASSIGN = "assign", "交办"
    OBJECT = "object", "提出异议（退回）"
    CLAIM = "claim", "认领"
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
    MARK_INVALID = "mark_invalid", "标记无效"


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
UNDECIDED = frozenset({S.REGISTERED, S.TRANSFERRED})
OFFICE_CAPS = frozenset({"petitions.accept"})
LEADER_CAPS = frozenset({"petitions.approve"})
HANDLER_CAPS = frozenset({"petitions.handle"})
REVIEW_CAPS = frozenset({"petitions.review"})


# --- guards (409) ----------------------------------------------------------------------------


def no_hearing(p: Petition) -> str | None:
    return "听证尚未结束，听证期间不能提交办结报告。" if p.hearing_pending else None


def extension_pending(p: Petition) -> str | None:
    return None if p.extension_requested_days else "没有待批准的延期申请。"


def unclaimed(p: Petition) -> str | None:
    return "本件已有承办人。" if p.handler_id else None


def no_extension_pending(p: Petition) -> str | None:
    return "已有延期申请等待批准。" if p.extension_requested_days else None


def hearing_pending(p: Petition) -> str | None:
    return None if p.hearing_pending else "没有进行中的听证。"


def hearing_not_scheduled(p: Petition) -> str | None:
    return "已安排听证，尚未结束。" if p.hearing_pending else None


def window_open(stage: int, label: str) -> Callable[[Petition], str | None]:
    def guard(p: Petition) -> str | None:
        if p.is_final:
            return "该信访事项已复核终结，不能再申请复查或复核。"
        if p.review_stage != stage:
            return f"当前答复不是可以申请{label}的答复。"
        if p.window_ends is None:
            return f"申请{label}期限已过（截至 —），依法不再受理。"
        if timezone.localdate() > p.window_ends:
            # a request made within the window through the portal may still be registered
            online = review_requested_on(p)
            if online is None or online > p.window_ends:
                return f"申请{label}期限已过（截至 {p.window_ends}），依法不再受理。"
        return None

    return guard


def objection_open(p: Petition) -> str | None:
    until = objection_until(p)
    if until is None:
        return "没有可以提出异议的转送或交办。"
    if timezone.localdate() > until:
        return f"异议期限已过：应在收到之日起 5 个工作日内（{until:%Y-%m-%d} 前）提出。"
    return None


def online_only(p: Petition) -> str | None:
    return None if p.channel == Channel.ONLINE else "只有网上信访可以标记为无效信息。"


def not_final(p: Petition) -> str | None:
    return "该信访事项已终结。" if p.is_final else None


# --- the table ---------------------------------------------------------------------------------

A = Action
L = dict(Action.choices)
HEARING_STATES = HANDLING_STATES | {S.REVIEW, S.REREVIEW}

STEPS: dict[str, Step[Petition]] = {
    A.ACCEPT: Step(
        L[A.ACCEPT],
        UNDECIDED,
        S.ACCEPTED,
        OFFICE_CAPS,
        OFFICE,
        routing.accept_now,
        inputs.AcceptIn,
        form=Form("受理", "受理", "btn-success"),
    ),
    A.REJECT: Step(
        L[A.REJECT],
        UNDECIDED,
        S.NOT_ACCEPTED,
        OFFICE_CAPS,
        OFFICE,
        routing.grounded(inputs.RejectGround, "rejection_notice"),
        inputs.RejectIn,
        form=Form("不予受理", "不予受理", "btn-outline-danger"),
    ),
    A.DECLINE_AGAIN: Step(
        L[A.DECLINE_AGAIN],
        UNDECIDED,
        S.DECLINED_AGAIN,
        OFFICE_CAPS,
        OFFICE,
        routing.grounded(inputs.DeclineGround, "decline_notice"),
        inputs.DeclineAgainIn,
        form=Form("不再受理", "不再受理", "btn-outline-secondary"),
    ),
    # also after 受理 (or an objection returned it): the office found another organ competent
    A.TRANSFER: Step(
        L[A.TRANSFER],
        frozenset({S.REGISTERED, S.ACCEPTED}),
        S.TRANSFERRED,
        OFFICE_CAPS,
        OFFICE,
        routing.transfer,
        inputs.TransferIn,
        form=Form(
            "转送有权处理的机关",
            "转送",
            "btn-outline-primary",
            "接收单位可在收到之日起 5 个工作日内提出异议退回。",
        ),
        notifies=tell.transferred,
    ),
    A.ASSIGN: Step(
        L[A.ASSIGN],
        frozenset({S.REGISTERED, S.ACCEPTED}),
        S.ASSIGNED,
        OFFICE_CAPS,
        OFFICE,
        routing.assign,
        inputs.AssignIn,
        form=Form("交办", "交办"),
        notifies=tell.assigned,
    ),
    # the one branching step: back to where the matter stood before it was routed
    A.OBJECT: Step(
        L[A.OBJECT],
        frozenset({S.TRANSFERRED, S.ASSIGNED}),
        routing.objection_target,
        OFFICE_CAPS | HANDLER_CAPS,
        RECEIVER,
        routing.object_,
        inputs.ObjectIn,
        (objection_open,),
        form=Form("不属于本单位职权，提出异议退回", "提出异议", "btn-outline-warning"),
        notifies=tell.objected,
    ),
    # a matter assigned to a unit without a named handler: any handler of that unit takes it
    A.CLAIM: Step(
        L[A.CLAIM],
        HANDLING_STATES,
        None,
        HANDLER_CAPS,
        HANDLING,
        handling.claim,
        inputs.ClaimIn,
        (unclaimed,),
        form=Form("认领本件，由我承办", "认领", "btn-outline-success"),
    ),
    A.SUBMIT_REPORT: Step(
        L[A.SUBMIT_REPORT],
        HANDLING_STATES,
        S.REPORT_PENDING,
        HANDLER_CAPS,
        HANDLING,
        handling.submit_report,
        inputs.SubmitReportIn,
        (no_hearing,),
        form=Form("提交办结报告", "提交办结报告"),
        notifies=tell.report_submitted,
    ),
    A.APPROVE_REPORT: Step(
        L[A.APPROVE_REPORT],
        frozenset({S.REPORT_PENDING}),
        S.APPROVED,
        LEADER_CAPS,
        OFFICE,
        handling.approve_report,
        inputs.ApproveReportIn,
        form=Form("审核办结报告", "审核通过", "btn-success"),
        notifies=tell.report_approved,
    ),
    A.RETURN_REPORT: Step(
        L[A.RETURN_REPORT],
        frozenset({S.REPORT_PENDING}),
        S.HANDLING,
        LEADER_CAPS,
        OFFICE,
        handling.return_report,
        inputs.ReturnReportIn,
        form=Form("退回重办", "退回重办", "btn-outline-danger"),
        notifies=tell.report_returned,
    ),
    # the organ that accepted the matter answers in its own name; a village that investigated
    # has reported, and its township answers
    A.ANSWER: Step(
        L[A.ANSWER],
        frozenset({S.APPROVED}),
        S.ANSWERED,
        HANDLER_CAPS | OFFICE_CAPS,
        ANSWERING,
        handling.answer,
        inputs.AnswerIn,
        form=Form("书面答复（处理意见书）", "答复"),
    ),
    A.REQUEST_EXTENSION: Step(
        L[A.REQUEST_EXTENSION],
        HANDLING_STATES,
        None,
        HANDLER_CAPS,
        HANDLING,
        handling.request_extension,
        inputs.RequestExtensionIn,
        (no_extension_pending,),
        form=Form("申请延期办理", "申请延期", "btn-outline-primary"),
        notifies=tell.extension_requested,
    ),
    A.APPROVE_EXTENSION: Step(
        L[A.APPROVE_EXTENSION],
        HANDLING_STATES,
        None,
        LEADER_CAPS,
        OFFICE,
        handling.approve_extension,
        inputs.NoteOnlyIn,
        (extension_pending,),
        form=Form("批准延期", "批准延期", "btn-success"),
        notifies=tell.extension_approved,
    ),
    A.SCHEDULE_HEARING: Step(
        L[A.SCHEDULE_HEARING],
        HEARING_STATES,
        None,
        OFFICE_CAPS,
        OFFICE,
        handling.schedule_hearing,
        inputs.ScheduleHearingIn,
        (hearing_not_scheduled,),
        form=Form("安排听证", "安排听证", "btn-outline-primary", "听证期间办理期限暂停计算。"),
    ),
    A.FINISH_HEARING: Step(
        L[A.FINISH_HEARING],
        HEARING_STATES,
        None,
        OFFICE_CAPS,
        OFFICE,
        handling.finish_hearing,
        inputs.FinishHearingIn,
        (hearing_pending,),
        form=Form("听证结束", "听证结束", "btn-outline-success"),
    ),
    A.REQUEST_REVIEW: Step(
        L[A.REQUEST_REVIEW],
        ANSWERED_OR_CLOSED,
        S.REVIEW,
        OFFICE_CAPS,
        REVIEW_OFFICE,
        handling.request_review("review_decision", "复查"),
        inputs.RequestReviewIn,
        (window_open(0, "复查"),),
        form=Form("登记复查申请", "登记复查申请", "btn-outline-primary"),
        notifies=tell.review_requested("复查", A.DECIDE_REVIEW),
    ),
    A.DECIDE_REVIEW: Step(
        L[A.DECIDE_REVIEW],
        frozenset({S.REVIEW}),
        S.ANSWERED,
        REVIEW_CAPS,
        REVIEWER,
        handling.decide_review,
        inputs.AnswerIn,
        (no_hearing,),
        form=Form("复查意见", "作出复查意见"),
    ),
    A.REQUEST_REREVIEW: Step(
        L[A.REQUEST_REREVIEW],
        ANSWERED_OR_CLOSED,
        S.REREVIEW,
        OFFICE_CAPS,
        REVIEW_OFFICE,
        handling.request_review("rereview_decision", "复核"),
        inputs.RequestReviewIn,
        (window_open(1, "复核"),),
        form=Form("登记复核申请", "登记复核申请", "btn-outline-primary"),
        notifies=tell.review_requested("复核", A.DECIDE_REREVIEW),
    ),
    A.DECIDE_REREVIEW: Step(
        L[A.DECIDE_REREVIEW],
        frozenset({S.REREVIEW}),
        S.CLOSED,
        REVIEW_CAPS,
        REVIEWER,
        handling.decide_rereview,
        inputs.AnswerIn,
        (no_hearing,),
        form=Form("复核意见", "作出复核意见"),
    ),
    A.RECORD_VISIT: Step(
        L[A.RECORD_VISIT],
        ANSWERED_OR_CLOSED,
        None,
        OFFICE_CAPS | HANDLER_CAPS,
        CHAIN,
        handling.record_visit,
        inputs.RecordVisitIn,
        form=Form("回访评价", "记录回访", "btn-outline-primary"),
    ),
    A.CLOSE: Step(
        L[A.CLOSE],
        frozenset({S.ANSWERED}),
        S.CLOSED,
        OFFICE_CAPS,
        OFFICE,
        handling.close,
        inputs.NoteOnlyIn,
        (not_final,),
        form=Form("办结", "办结", "btn-success"),
    ),
    A.TAKE_OWNERSHIP: Step(
        L[A.TAKE_OWNERSHIP],
        OPEN_WORK | {S.ANSWERED},
        None,
        LEADER_CAPS,
        OFFICE,
        handling.take_ownership,
        inputs.TakeOwnershipIn,
        form=Form("领导包案", "由我包案", "btn-outline-dark"),
        notifies=tell.ownership_taken,
    ),
    A.INSTRUCT: Step(
        L[A.INSTRUCT],
        OPEN_WORK | {S.ANSWERED},
        None,
        LEADER_CAPS,
        OFFICE,
        handling.instruct,
        inputs.InstructIn,
        form=Form("领导批示", "批示", "btn-outline-dark"),
        notifies=tell.instructed,
    ),
    # spam through the public portal (网上信访): closed with the reason the petitioner reads
    A.MARK_INVALID: Step(
        L[A.MARK_INVALID],
        frozenset({S.REGISTERED}),
        S.CLOSED,
        OFFICE_CAPS,
        OFFICE,
        routing.mark_invalid,
        inputs.MarkInvalidIn,
        (online_only,),
        form=Form("标记无效", "标记为无效信息", "btn-outline-danger"),
    ),
}
