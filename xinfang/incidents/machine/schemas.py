"""One input per incident step (the engine validates, the API documents, the page's form is built)."""

from pydantic import Field

from xinfang.procedure.inputs import TEXT_MAX, Id, Moment, StepInput, note, pick, plain, text

from ..choices import IncidentKind, ReportKind, Sanction


class RegisterIn(StepInput):
    title: str = Field(
        ..., title="事件名称", min_length=1, max_length=100, json_schema_extra={"widget": "text"}
    )
    kind: IncidentKind = pick("事件类别")
    learned_at: Moment = plain("获知时间", help="本单位得知事件的时间，首报时限由此起算")
    occurred_at: Moment = plain("发生时间")
    place: str = Field(..., title="地点", min_length=1, max_length=200, json_schema_extra={"widget": "text"})
    headcount: int = plain("人数", ge=1, le=100000)
    demands: str = text("主要诉求")
    gathered_unit: Id | None = pick(
        "聚集地所属单位",
        choices="scope_units",
        required=False,
        help="不填为责任单位；其主要领导须20分钟内到场",
    )
    involved_units: list[Id] = Field(
        [],
        title="涉及单位",
        max_length=100,
        json_schema_extra={"form": True, "choose": True, "choices": "scope_units", "widget": "options"},
    )
    key_persons: str = Field("", title="涉及重点人员", max_length=500, json_schema_extra={"widget": "text"})
    sign: Id | None = plain("来源苗头信息（编号）", required=False, form=False)


class ReviseIn(StepInput):
    headcount: int | None = plain("现在的人数", required=False, ge=1, le=100000)
    kind: IncidentKind | None = pick("事件类别", required=False)
    place: str = Field("", title="地点", max_length=200, json_schema_extra={"widget": "text"})
    demands: str = text("主要诉求", required=False)
    note: str = note("修正说明（核实情况、来源）", required=True)


class ReportIn(StepInput):
    kind: ReportKind = pick("报告类别")
    situation: str = text("一、时间、地点、人数和主要诉求")
    measures: str = text("二、已采取的措施")
    impact: str = text("三、社会影响和发展趋势")
    other: str = text("四、其他事项", required=False)


class ReportRefIn(StepInput):
    report: Id = pick("报告", choices="unsigned_reports")
    note: str = note("签收意见")


class PhoneIn(StepInput):
    at: Moment | None = plain("电话报告时间", required=False, help="不填为现在")
    note: str = note("接听人和报告要点", required=True)


class PlanIn(StepInput):
    plan: Id | None = pick(
        "应急预案", choices="plans", required=False, help="没有适用的预案时不选，并在说明中写明应急响应措施"
    )
    note: str = note("启动说明")


class TaskIn(StepInput):
    task: Id = pick("任务", choices="open_tasks")
    result: str = Field(
        ..., title="完成情况", min_length=1, max_length=500, json_schema_extra={"widget": "text"}
    )


class ArriveIn(StepInput):
    at: Moment | None = plain("到场时间", required=False, help="不填为现在")
    leader: Id | None = pick("到场领导", choices="gathered_leaders", required=False, help="不填为本人")
    note: str = note("到场情况")


class InstructIn(StepInput):
    text: str = text("批示内容")
    units: list[Id] = Field(
        ...,
        title="批转单位",
        min_length=1,
        max_length=100,
        json_schema_extra={"form": True, "choose": True, "choices": "scope_units", "widget": "options"},
    )


class AcknowledgeIn(StepInput):
    instruction: Id = pick("批示", choices="my_instructions")
    note: str = note("落实情况")


class LineIn(StepInput):
    text: str = text("统一答复口径")


class MediaIn(StepInput):
    note: str = note("领导小组同意意见（谁同意、哪家媒体、采访范围）", required=True)


class EvidenceIn(StepInput):
    evidence: Id = plain("证据", form=False)


class PhaseIn(StepInput):
    note: str = note("处置情况", required=True)


class AccountIn(StepInput):
    sanction: Sanction = pick("处理方式")
    person: str = Field("", title="责任人", max_length=50, json_schema_extra={"widget": "text"})
    unit: Id | None = pick("责任单位", choices="scope_units", required=False)
    finding: str = Field(
        ..., title="责任事实", min_length=1, max_length=TEXT_MAX, json_schema_extra={"widget": "textarea"}
    )


class CloseIn(StepInput):
    note: str = note("结束说明")
