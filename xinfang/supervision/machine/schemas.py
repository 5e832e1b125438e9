"""The input of each supervision step: the API's documented body and the page's form."""

from datetime import date
from typing import Annotated, Any

from django.utils import timezone
from pydantic import BeforeValidator, Field, field_validator

from xinfang.procedure.inputs import Day, Id, StepInput, note, pick, plain, text

from ..choices import FivePackage, Method, Trigger

NOT_BEFORE_TODAY = "不能早于今天。"
SUPERVISION_HELP = "本件只有一项可操作的督办事项时可不填"
USER_HELP = "填写用户名或用户编号"
PICK_HELP = "从列表中选择（接口中可填用户编号、用户名或姓名）"


def _package_words(value: Any) -> Any:
    """五包 items as codes or labels: a list, or one text separated by 、 , ， or spaces."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, list | tuple) else str(value).replace("，", ",").split(",")
    words = [w.strip() for item in items for w in str(item).replace("、", " ").split()]
    by_label = {label: code for code, label in FivePackage.choices}
    return list(dict.fromkeys(by_label.get(word, word) for word in words))


Packages = Annotated[list[FivePackage], BeforeValidator(_package_words)]


def _person_id(value: Any) -> Any:
    """A person typed as digits is a user id (and held to an id's bounds)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


# a person as the forms let people give one: a user id or a username
Person = Annotated[Id | Annotated[str, Field(max_length=150)], BeforeValidator(_person_id)]


class _Dated(StepInput):
    @field_validator("deadline", "time_limit", check_fields=False)
    @classmethod
    def _not_past(cls, value: date | None, info: Any) -> date | None:
        if value is not None and value < timezone.localdate():
            label = cls.model_fields[info.field_name].title
            raise ValueError(f"{label}{NOT_BEFORE_TODAY}")
        return value


class SuperviseIn(_Dated):
    invalid_message = "督办信息有误，请按提示修改。"

    trigger: Trigger = pick("督办事由")
    method: Method = pick("督办方式")
    deadline: Day | None = plain("办理时限", required=False, help="不填则为 5 个工作日后")
    responsible_unit: Id | None = pick(
        "责任单位", choices="scope_units", required=False, help="不填则为本件的承办单位"
    )
    note: str = note("督办要求")


class ConfirmIn(_Dated):
    invalid_message = "督办信息有误，请按提示修改。"

    supervision: Id | None = plain("督办事项编号", required=False, help=SUPERVISION_HELP)
    method: Method | None = pick("督办方式", required=False, help="不填则为发函督办")
    deadline: Day | None = plain("办理时限", required=False, help="不填则为 5 个工作日后")
    note: str = note("督办要求")


class DismissIn(StepInput):
    supervision: Id | None = plain("督办事项编号", required=False, help=SUPERVISION_HELP)
    reason: str = text("不予督办理由", help="如超期有正当理由，请写明")


class AnswerIn(StepInput):
    supervision: Id | None = plain("督办事项编号", required=False, help=SUPERVISION_HELP)
    report: str = text("办结报告")


class CloseIn(StepInput):
    supervision: Id | None = plain("督办事项编号", required=False, help=SUPERVISION_HELP)
    note: str = note("办结意见")


class ListIn(_Dated):
    invalid_message = "挂牌督办须落实“六定”，请按提示补全。"

    trigger: Trigger = pick("督办事由")
    method: Method | None = pick("督办方式", required=False, help="不填则为发函督办")
    case_leader: Person = pick("案件领导", choices="leaders", help=PICK_HELP)
    responsible_unit: Id = pick("责任单位", choices="scope_units")
    responsible_person: Person = pick(
        "责任人", choices="staff", group_by="responsible_unit", help=PICK_HELP + "，须为责任单位的工作人员"
    )
    supervising_unit: Id = pick("督办单位", choices="scope_units")
    supervisor: Person = pick(
        "督办人", choices="staff", group_by="supervising_unit", help=PICK_HELP + "，须为督办单位的工作人员"
    )
    time_limit: Day = plain("办理时限")
    packages: Packages = pick("已落实的“五包”事项", widget="options", required=False, default=[])
    note: str = note("督办要求")


class DelistIn(StepInput):
    supervision: Id | None = plain("督办事项编号", required=False, help=SUPERVISION_HELP)
    reason: str = text("摘牌理由")


class LogIn(StepInput):
    invalid_message = "请按提示填写督办进展。"

    supervision: Id | None = plain("督办事项编号", required=False, help=SUPERVISION_HELP)
    text: str = text("进展情况")
    packages: Packages = pick("已落实的“五包”事项", widget="options", required=False, default=[])


class SystemIn(StepInput):
    """Steps the daily jobs take: their facts come from the job, not from a form."""
