"""One input per dispute step (the engine validates, the API documents, the page's form is built)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xinfang.procedure.inputs import Day, Id, Moment, StepInput, note, pick, plain, text

from ..choices import (
    AgreementForm,
    Confirmation,
    Destination,
    Joint,
    Outcome,
    PartyKind,
    Procedure,
    Risk,
    Satisfaction,
    Source,
)


def line(label: str, max_length: int, *, required: bool = False) -> Any:
    return Field(
        ... if required else "",
        title=label,
        min_length=1 if required else 0,
        max_length=max_length,
        json_schema_extra={"widget": "text"},
    )


class PartyIn(BaseModel):
    """A party (当事人): a person (the ID number checked as GB 11643) or an organisation."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str = Field(..., title="姓名或名称", min_length=1, max_length=100)
    kind: PartyKind = Field(PartyKind.PERSON, title="类型")
    id_number: str = Field("", title="身份证号（组织填统一社会信用代码）", max_length=18)
    phone: str = Field("", title="联系电话", max_length=20)
    address: str = Field("", title="住址", max_length=200)


class RegisterIn(StepInput):
    kind: str = Field(
        ...,
        title="纠纷类别",
        min_length=1,
        max_length=30,
        json_schema_extra={"choices": "kinds", "choose": True},
    )
    place: str = line("发生地点", 200, required=True)
    facts: str = text("纠纷事实")
    demands: str = text("当事人诉求")
    people: int = plain("涉及人数", ge=1, le=100000, default=2, required=False)
    amount: int | None = plain("涉及金额（元）", ge=0, le=10**12, required=False)
    risk: Risk = pick("风险等级", required=False, default=Risk.LOW)
    dispute_class: int | None = plain(
        "纠纷类别等级（1、2、3类）", ge=1, le=3, required=False, help="不填时按涉及金额、人数自动确定"
    )
    sudden: bool = Field(False, title="重大或突发纠纷", json_schema_extra={"widget": "checkbox"})
    procedure: Procedure = pick("调解程序", required=False, default=Procedure.FULL)
    parties: list[PartyIn] = Field(
        ..., title="当事人", min_length=1, max_length=50, json_schema_extra={"form": False}
    )
    source: Source = pick("来源", required=False, default=Source.WALK_IN)
    source_id: int | None = plain("来源编号", required=False, form=False, ge=1, le=2**62)
    source_number: str = Field("", title="来源文号", max_length=40, json_schema_extra={"form": False})


class AssignIn(StepInput):
    mediator: Id = pick("调解员", choices="mediators")
    note: str = note("说明")


class RecuseIn(StepInput):
    note: str = note("回避事由（与当事人有利害关系等）", required=True)


class InvestigateIn(StepInput):
    findings: str = text("调查情况（走访、询问、证据）")


class SessionIn(StepInput):
    at: Moment = plain("调解时间")
    place: str = line("调解地点", 200, required=True)
    attendees: str = line("参加人员", 500, required=True)
    record: str = text("调解记录")


class JoinIn(StepInput):
    joint: Joint = pick("联合调解单位")
    unit: Id | None = pick("单位", choices="joint_units", required=False)
    note: str = note("说明")


class EscalateIn(StepInput):
    to_level: int | None = plain("上交至层级（不填为上一级）", ge=1, le=20, required=False)
    party_request: str = text(
        "当事人请求", required=False, help="由村（社区）上交镇（街道）中心时，须写明当事人的请求"
    )
    committee_opinion: str = text("调委会调查情况和初步处理意见", required=False)
    why_unsolvable: str = text("村（社区）无法解决的原因", required=False)
    note: str = note("上交理由", required=True)


class OutcomeIn(StepInput):
    outcome: Outcome = pick("调解结果")
    agreement_form: AgreementForm | None = pick("协议形式", required=False)
    oral_terms: str = text("口头协议内容（简易程序）", required=False)
    note: str = note("说明")


class DraftIn(StepInput):
    facts: str = text("纠纷主要事实")
    disputed_items: str = text("争议事项")
    responsibility: str = text("各方当事人的责任")
    terms: str = text("协议条款（每行一条）")
    performance_how: str = line("履行方式", 500, required=True)
    performance_where: str = line("履行地点", 200, required=True)
    performance_by: Day = plain("履行期限")


class EffectiveIn(StepInput):
    signed_parties: list[Id] = Field(
        default_factory=list,
        title="已签名（盖章、按指印）的当事人",
        json_schema_extra={"choices": "parties", "widget": "checks"},
    )
    mediator_signed: bool = Field(False, title="人民调解员已签名", json_schema_extra={"widget": "checkbox"})
    seal: bool = Field(False, title="已加盖人民调解委员会印章", json_schema_extra={"widget": "checkbox"})


class ConfirmationIn(StepInput):
    result: Confirmation = pick("司法确认情况")
    court: str = line("人民法院", 100)
    on: Day | None = plain("日期", required=False)
    note: str = note("说明")


class PerformedIn(StepInput):
    term: Id | None = pick("履行的条款", choices="terms", required=False, help="口头协议不选")
    performed_on: Day = plain("履行日期")
    evidence: str = line("履行凭证（收条、照片等）", 500, required=True)


class PerformanceFailedIn(StepInput):
    then: Destination | None = pick(
        "不履行的处理", required=False, help="不选为重新调解；选诉讼为告知当事人向人民法院起诉"
    )
    note: str = note("不履行情况", required=True)


class VisitIn(StepInput):
    at: Moment | None = plain("回访时间", required=False, help="不填为现在")
    satisfaction: Satisfaction = pick("当事人满意度")
    performed: bool = Field(True, title="协议已履行", json_schema_extra={"widget": "checkbox"})
    note: str = note("回访情况", required=True)


class ReferIn(StepInput):
    to: Destination = pick("导出去向", help="导入信访程序、转为突发事件请使用各自的功能")
    note: str = note("导出说明", required=True)


class CloseIn(StepInput):
    note: str = note("结案说明")


class LinkIn(StepInput):
    link_kind: str = Field(..., min_length=1, max_length=20)
    link_id: int = Field(..., ge=1, le=2**62)
    link_number: str = Field("", max_length=40)


class ReferLinkIn(StepInput):
    """导出 by a service that registered what the dispute became (a petition, an incident)."""

    to: Destination = pick("导出去向")
    link_kind: str = Field(..., min_length=1, max_length=20)
    link_id: int = Field(..., ge=1, le=2**62)
    link_number: str = Field("", max_length=40)
    note: str = note("导出说明", required=True)


class PartyAddIn(StepInput):
    name: str = line("姓名或名称", 100, required=True)
    kind: PartyKind = pick("类型", required=False, default=PartyKind.PERSON)
    id_number: str = line("身份证号（组织填统一社会信用代码）", 18)
    phone: str = line("联系电话", 20)
    address: str = line("住址", 200)
