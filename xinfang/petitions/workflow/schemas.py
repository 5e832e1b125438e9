"""The input of each step of a petition's procedure: the API's documented body and the page's
form (see `xinfang.procedure.inputs`)."""

from django.db import models
from pydantic import field_validator

from xinfang.procedure.inputs import Day, Id, Moment, StepInput, note, pick, plain, text

from ..choices import Outcome, Satisfaction

REPORT_CHECKS = {
    "facts": "事实清楚",
    "characterisation": "定性准确",
    "disposal": "处理恰当",
    "procedure": "手续完备",
}


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


class ReportCheck(models.TextChoices):
    FACTS = "facts", REPORT_CHECKS["facts"]
    CHARACTERISATION = "characterisation", REPORT_CHECKS["characterisation"]
    DISPOSAL = "disposal", REPORT_CHECKS["disposal"]
    PROCEDURE = "procedure", REPORT_CHECKS["procedure"]


NOTE = "说明"


class AcceptIn(StepInput):
    note: str = text("受理说明", required=False, textarea=False)


class RejectIn(StepInput):
    ground: RejectGround = pick("法定理由")
    note: str = note()


class DeclineAgainIn(StepInput):
    ground: DeclineGround = pick("理由")
    # chosen by its number, with its status and dates shown (the page lists the petitioner's
    # earlier matters); the ground is checked against its facts
    original: str | None = pick(
        "原信访事项（编号）",
        choices="originals",
        required=False,
        wide=True,
        help="信访件编号，如 341122101-2026-000001；登记时已关联为重复件的可不填；所选理由须与原件的办理情况相符",
    )
    note: str = note()

    @field_validator("original")
    @classmethod
    def _number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if len(value) > 40:
            raise ValueError("原信访事项编号不能超过 40 个字符。")
        return value


class TransferIn(StepInput):
    unit: Id = pick("接收单位", choices="all_units")
    note: str = note()
    complained_reason: str = text(
        "交被反映单位办理的理由",
        required=False,
        help="本件反映的正是该单位（或其上级）时必填，须由领导确认",
    )


class AssignIn(StepInput):
    unit: Id = pick("承办单位", choices="scope_units")
    handler: Id | None = pick("承办人", choices="handlers", required=False, group_by="unit")
    co_units: list[Id] = pick("协办单位（联合办案）", choices="scope_units", required=False, default=[])
    deadline: Day | None = plain("交办期限", required=False, help="不填则为法定办理期限")
    note: str = note()
    complained_reason: str = text(
        "交被反映单位办理的理由",
        required=False,
        help="本件反映的正是该单位（或其上级）时必填，须由领导确认",
    )


class ClaimIn(StepInput):
    note: str = note()


class ObjectIn(StepInput):
    reason: str = text("异议理由")


class SubmitReportIn(StepInput):
    report: str = text("办结报告")
    note: str = note()


class ApproveReportIn(StepInput):
    # each of the four is confirmed by the leader explicitly, on the page as in the API
    checks: list[ReportCheck] = pick(
        "审核要点（须逐项确认）",
        widget="checks",
        help="事实清楚、定性准确、处理恰当、手续完备，须逐项确认：facts、characterisation、disposal、procedure",
    )
    note: str = note()


class ReturnReportIn(StepInput):
    reason: str = text("退回理由")


class AnswerIn(StepInput):
    outcome: Outcome = pick("处理结果")
    text: str = text("答复意见")
    delivered_on: Day = plain("送达日期")
    note: str = note()


class RequestExtensionIn(StepInput):
    days: int = plain("延期天数", help="累计不超过 30 日")
    reason: str = text("延期理由")


class NoteOnlyIn(StepInput):
    note: str = note()


class ScheduleHearingIn(StepInput):
    held_at: Moment = plain("听证时间")
    place: str = text("听证地点", textarea=False)
    participants: str = text("参加人员", help="有关单位代表 3–5 人、原处理机关、法律工作者等")
    note: str = note()


class FinishHearingIn(StepInput):
    record: str = text("听证记录")


class RequestReviewIn(StepInput):
    requested_on: Day = plain("申请日期")
    reason: str = text("申请理由")


class MarkInvalidIn(StepInput):
    reason: str = text("无效理由", help="信访人在网上查询时可以看到")


class RecordVisitIn(StepInput):
    satisfaction: Satisfaction = pick("满意度")
    note: str = note("回访记录")


class TakeOwnershipIn(StepInput):
    leader: Id | None = plain("包案领导（用户 id）", required=False, help="不填则为本人", form=False)
    note: str = note()


class InstructIn(StepInput):
    text: str = text("批示内容")
