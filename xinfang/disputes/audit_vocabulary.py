"""How the disputes' audit entries read on the audit page: a dispute by its number, the steps and
states by their labels, each step's data (never a party's particulars: the machine keeps them out
of the log), the settings' fields, the figures' workbook."""

from collections.abc import Collection, Mapping
from functools import lru_cache

from xinfang.audit.details import register_field, register_reference, register_values

from .choices import (
    AgreementForm,
    Confirmation,
    Destination,
    DisputeStatus,
    Joint,
    Outcome,
    Risk,
    Route,
    Satisfaction,
    Source,
)
from .machine import STEPS
from .models import OWNER_TYPE, Dispute, DisputeKind
from .services import SETTING_FIELDS

SETTING = "disputes.disputesetting"
CLASSES = {"1": "一类", "2": "二类", "3": "三类"}
SETTING_LABELS = {
    "class1_amount": "一类纠纷涉及金额（元）不少于",
    "class1_people": "一类纠纷涉及人数不少于",
    "class2_amount": "二类纠纷涉及金额（元）不少于",
    "class2_people": "二类纠纷涉及人数不少于",
    "visit_months_1": "一类回访（月）",
    "visit_months_2": "二类回访（月）",
    "visit_months_3": "三类回访（月）",
    "centre_level": "镇级调处起始层级",
    "target_participation": "参调率目标（%）",
    "target_success": "调解成功率目标（%）",
    "target_satisfaction": "满意率目标（%）",
    "chain": "调处责任链",
}


def dispute_numbers(ids: Collection[int]) -> Mapping[int, str]:
    """One query: a dispute's number is its registration day and id."""
    return {d.pk: d.number for d in Dispute.objects.filter(pk__in=ids).only("pk", "registered_at")}


@lru_cache(maxsize=256)
def _kind_name(code: str) -> str | None:
    """A dispute kind's name (kinds are few and their codes never change)."""
    return DisputeKind.objects.filter(code=code).values_list("name", flat=True).first()


def register() -> None:
    assert set(SETTING_LABELS) == {*SETTING_FIELDS, "chain"}
    register_reference(OWNER_TYPE, dispute_numbers)
    states = dict(DisputeStatus.choices)
    register_field("old", "状态", values=states, target_type=OWNER_TYPE)
    register_field("new", "状态", values=states, target_type=OWNER_TYPE)
    register_values("action", {code: step.label for code, step in STEPS.items()}, target_type=OWNER_TYPE)
    register_values("kind", {"disputes_stats_xlsx": "矛盾纠纷调处统计（Excel）"})
    # the owner of a 调解协议书 (documents: DocumentOwnerSpec.audit_key)
    register_field("dispute", "矛盾纠纷")
    # the steps' data (machine/__init__.py)
    t = OWNER_TYPE
    register_values("kind", {"petition": "信访件", "incident": "突发事件"}, target_type=t)  # a link's
    register_field("kind", "类别", values=_kind_name, target_type=t)
    register_field("dispute_class", "纠纷等级", values=CLASSES, target_type=t)
    register_field("route", "分流", values=dict(Route.choices), target_type=t)
    register_field("level", "调处层级", target_type=t)
    register_field("source", "来源", values=dict(Source.choices), target_type=t)
    register_field("risk", "风险等级", values=dict(Risk.choices), target_type=t)
    register_field("mediator", "调解员", reference="accounts.user", target_type=t)
    register_field("recused", "回避的调解员", reference="accounts.user", target_type=t)
    register_field("at", "时间", target_type=t)
    register_field("joint", "联合调解单位", values=dict(Joint.choices), target_type=t)
    register_field("unit", "单位", reference="organisation.unit", target_type=t)
    register_field("from_level", "原层级", target_type=t)
    register_field("to_level", "上交至层级", target_type=t)
    register_field("level_label", "层级名称", target_type=t)
    register_field("conditions", "上交镇（街道）中心", target_type=t)
    register_field("outcome", "调解结果", values=dict(Outcome.choices), target_type=t)
    register_field("agreement_form", "协议形式", values=dict(AgreementForm.choices), target_type=t)
    register_field("next_visit_due", "应回访日期", target_type=t)
    register_field("version", "协议书版本", target_type=t)
    register_field("copies", "份数", target_type=t)
    register_field("confirmation_ends", "司法确认申请期届满", target_type=t)
    register_field("result", "司法确认", values=dict(Confirmation.choices), target_type=t)
    register_field("on", "日期", target_type=t)
    register_field("term", "协议条款（第几条）", target_type=t)
    register_field("performed_on", "履行日期", target_type=t)
    register_field(
        "then", "不履行的处理", values={**dict(Destination.choices), "reopen": "重新调解"}, target_type=t
    )
    register_field("satisfaction", "满意度", values=dict(Satisfaction.choices), target_type=t)
    register_field("performed", "协议已履行", target_type=t)
    register_field("to", "导出去向", values=dict(Destination.choices), target_type=t)
    register_field("link", "关联", target_type=t)
    register_field("number", "编号", target_type=t)
    register_field("id", "编号", hidden=True, target_type=t)
    # the settings (services.setting_save: old and new values)
    for key, label in SETTING_LABELS.items():
        register_field(key, label, target_type=SETTING)
