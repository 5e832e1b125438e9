"""One input per report step (the engine validates, the API documents, the page's form is built)."""

from pydantic import Field

from xinfang.procedure.inputs import Day, Id, Moment, StepInput, note, pick, plain, text

from ..choices import CadenceChoice, ReportKind, Risk


class FileIn(StepInput):
    kind: ReportKind = pick("信息类别")
    title: str = Field(..., title="标题", min_length=1, max_length=100, json_schema_extra={"widget": "text"})
    content: str = text("内容", required=False, help="零报告可不填，系统记为“本期无情况”")
    cadence: CadenceChoice | None = pick(
        "报送周期", required=False, help="定期报告、零报告和日报须注明；零报告可为周报或日报"
    )
    period: Day | None = plain("所属期间（其中任一天）", required=False, help="不填为今天所在的期间")
    subjects: str = Field("", title="涉及人员", max_length=200, json_schema_extra={"widget": "text"})
    headcount: int | None = plain("人数", required=False, ge=0, le=100000)
    expected_at: Moment | None = plain("可能发生时间", required=False)
    place: str = Field("", title="地点", max_length=200, json_schema_extra={"widget": "text"})
    demands: str = Field("", title="主要诉求", max_length=1000, json_schema_extra={"widget": "textarea"})
    risk: Risk | None = pick("风险等级", required=False)
    skip_to: Id | None = pick(
        "越级报送至",
        choices="units_above",
        required=False,
        help="仅紧急情况（即时报告，或高风险苗头信息）可越级报送，被越过的层级同时收到通知",
    )
    # set by 上报 only: the office's forwarding of a lower unit's report is not its own period's
    forwarded: bool = Field(False, title="转报", json_schema_extra={"form": False})


class ResubmitIn(StepInput):
    content: str = text("补充后的内容")
    note: str = note("补充说明")


class ReturnIn(StepInput):
    note: str = note("退回理由（需补充的内容）", required=True)


class ForwardIn(StepInput):
    note: str = note("上报说明（本单位的核实情况和意见）", required=True)
    into: Id | None = pick(
        "并入本单位已报送的报告", choices="own_open_reports", required=False, help="不选则新建一份上报报告"
    )


class LinkIn(StepInput):
    kind: str = Field(
        ..., title="转化为", pattern="^(petition|incident|dispute)$", json_schema_extra={"form": False}
    )
    target: Id = plain("编号", form=False)
    number: str = Field(
        ..., title="案件编号", min_length=1, max_length=100, json_schema_extra={"form": False}
    )


class SignIn(StepInput):
    note: str = note("签收意见")
