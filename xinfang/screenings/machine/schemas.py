"""One input per round step (the engine validates, the API documents, the page's form is built).

The disputes found in a round (`found`) are a list of objects, each the disputes' own
registration input (`ScreeningFoundDoc` documents it); the disputes' machine checks each one when
the round registers it, and its refusals come back under `found[<row>].<field>`."""

from typing import Any

from ninja import Schema
from pydantic import Field

from xinfang.procedure.inputs import Day, Id, Moment, StepInput, pick, plain, text

from ..choices import ScreeningKind

FOUND_MAX = 50  # disputes entered in one round


class FileIn(StepInput):
    kind: ScreeningKind = pick("排查类别", required=False, default=ScreeningKind.REGULAR)
    period: Day | None = plain(
        "所属期间（其中任一天）",
        required=False,
        help="定期、季度排查不填为今天所在的期间；重点排查填敏感时期内任一天",
    )
    sensitive: Id | None = plain("敏感时期", required=False, form=False, choose=True)
    special: Id | None = plain("专项排查", required=False, form=False, choose=True)
    screened_by: str = Field(
        ..., title="排查人员", min_length=1, max_length=200, json_schema_extra={"widget": "text"}
    )
    screened_at: Moment = plain("排查时间")
    summary: str = text("排查情况", required=False, help="没有发现矛盾纠纷可不填，系统记为零报告")
    disorder: str = text("治安乱点排查情况", required=False, help="季度三个排查填写")
    hazards: str = text("安全隐患（含消防）排查情况", required=False, help="季度三个排查填写")
    found: list[dict[str, Any]] = Field(
        default_factory=list,
        title="发现的矛盾纠纷",
        max_length=FOUND_MAX,
        json_schema_extra={"form": False},
    )


class AmendIn(StepInput):
    screened_by: str = Field("", title="排查人员", max_length=200, json_schema_extra={"widget": "text"})
    screened_at: Moment | None = plain("排查时间", required=False)
    summary: str = text("排查情况", required=False)
    disorder: str = text("治安乱点排查情况", required=False)
    hazards: str = text("安全隐患（含消防）排查情况", required=False)
    note: str = text("修改说明", required=True)


# --- documentation only: the shape of one found dispute (checked by the disputes' machine) ---------


class ScreeningPartyDoc(Schema):
    name: str = Field(..., title="姓名或名称")
    id_number: str = Field("", title="身份证号")
    phone: str = Field("", title="联系电话")
    address: str = Field("", title="住址")


class ScreeningFoundDoc(Schema):
    kind: str = Field(..., title="纠纷类别代码", description="见 GET /api/v1/disputes/kinds")
    place: str = Field(..., title="发生地点")
    facts: str = Field(..., title="纠纷事实")
    demands: str = Field(..., title="当事人诉求")
    parties: list[ScreeningPartyDoc] = Field(..., title="当事人")
    dispute_class: int | None = Field(None, title="纠纷类别等级（1、2、3，不填按金额和人数）")
    amount: int | None = Field(None, title="涉及金额（元）")
    people: int = Field(2, title="涉及人数")
    procedure: str = Field("full", title="调解程序：full（一般程序）| simple（简易程序）")
    risk: str = Field("low", title="风险等级：high | medium | low")
    sudden: bool = Field(False, title="重大或突发纠纷")


class ScreeningFileDoc(FileIn):
    unit: Id | None = Field(None, title="排查单位（默认本单位）")
    found: list[ScreeningFoundDoc] = Field(default_factory=list, title="发现的矛盾纠纷", max_length=FOUND_MAX)  # type: ignore[assignment]
