"""One input per key-person step (the engine validates, the API documents, the page's form is built)."""

from typing import Any

from pydantic import Field

from xinfang.procedure.inputs import Id, Moment, StepInput, note, pick, plain, text

from ..choices import HitSource, Risk


def line(label: str, max_length: int, *, required: bool = False) -> Any:
    return Field(
        ... if required else "",
        title=label,
        min_length=1 if required else 0,
        max_length=max_length,
        json_schema_extra={"widget": "text"},
    )


class EnterIn(StepInput):
    name: str = line("姓名", 50, required=True)
    id_number: str = line("身份证号", 18)
    phone: str = line("联系电话", 20)
    address: str = line("住址", 200)
    category: str = Field(
        ...,
        title="类别",
        min_length=1,
        max_length=30,
        json_schema_extra={"choices": "categories", "choose": True},
    )
    risk: Risk = pick("风险等级")
    matter: str = text("反映事项")
    demands: str = text("主要诉求", required=False)
    plan: str = text("稳控化解措施（一人一策）")
    contact_days: int = plain("走访频次（每几天走访一次）", ge=1, le=365)
    assistance: str = line("帮扶救助（生活补助、临时救助等）", 500)
    case_owner: Id = pick("包案责任人（领导）", choices="leaders")
    stability_owner: Id = pick("稳控责任人", choices="people")
    location: str = line("目前所在地", 200)


class PlanIn(StepInput):
    plan: str = text("稳控化解措施（一人一策）")
    contact_days: int = plain("走访频次（每几天走访一次）", ge=1, le=365)
    assistance: str = line("帮扶救助", 500)
    matter: str = text("反映事项", required=False)
    demands: str = text("主要诉求", required=False)
    note: str = note("调整说明")


class OwnerIn(StepInput):
    case_owner: Id | None = pick("包案责任人（领导）", choices="leaders", required=False)
    stability_owner: Id | None = pick("稳控责任人", choices="people", required=False)
    note: str = note("调整说明", required=True)


class RiskIn(StepInput):
    risk: Risk = pick("风险等级")
    note: str = note("调整理由", required=True)


class MonitorIn(StepInput):
    monitor: Id = pick("专人稳控（24小时）", choices="people")
    note: str = note("稳控安排", required=True)


class VisitIn(StepInput):
    at: Moment | None = plain("走访时间", required=False, help="不填为现在")
    location: str = line("目前所在地", 200, required=True)
    state: str = line("思想状态", 500, required=True)
    sign: bool = Field(False, title="有上访苗头", json_schema_extra={"widget": "checkbox"})
    note: str = note("走访情况")


class RemoveIn(StepInput):
    note: str = note("息访（稳定）理由", required=True)


class StopMonitorIn(StepInput):
    note: str = note("解除理由", required=True)


class ApproveIn(StepInput):
    note: str = note("批准意见")


class RejectIn(StepInput):
    note: str = note("不同意的理由", required=True)


class HitIn(StepInput):
    source: HitSource
    ref_id: Id
    reference: str = Field(..., max_length=60)
    matched_by: str = Field(..., max_length=20)
    link: str = Field("", max_length=200)
    withhold_under: str = Field("", max_length=255)  # a unit path: nobody in it is told
    withhold_user: int | None = None  # the person a petition complains about is not told
