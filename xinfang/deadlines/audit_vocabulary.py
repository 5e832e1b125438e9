"""How the calendar's and the clocks' audit entries read on the audit page."""

from xinfang.audit.details import (
    Field,
    register_field,
    register_key_reader,
    register_target_type,
    register_values,
)

from .engine import UNIT_LABELS
from .models import CalendarDay, CalendarSource, SensitiveLevel
from .rules import RULES

RULE_SETTING = "deadlines.deadlinerulesetting"
SENSITIVE_PERIOD = "deadlines.sensitiveperiod"
SENSITIVE_LEVEL_RULE = "deadlines.sensitivelevelrule"


def _rule_label(code: str) -> str | None:
    definition = RULES.get(code)
    return definition.label if definition is not None else None


def _period(text: str) -> str:
    """A stored period such as "15 calendar_days（法定）" with its unit in Chinese."""
    for code, label in UNIT_LABELS.items():
        text = text.replace(f" {code}", f" 个{label}")
    return text


def _rule_key(key: str) -> Field | None:
    """`<rule>_deadline` and `<rule>_rule`, which a step writes for each clock it starts."""
    for suffix, what, values in (("_deadline", "届满日", None), ("_rule", "", _period)):
        if key.endswith(suffix) and (label := _rule_label(key[: -len(suffix)])):
            return Field(label=f"{label}{what}", values=[values] if values else [])
    return None


def register() -> None:
    register_target_type("deadlines.sweep", "期限巡检")
    register_values(
        "action",
        {
            "set_day": "设置一天",
            "set_days": "批量设置",
            "remove_day": "删除一天",
            "mark_year": "标记年度完整录入",
            "sync_package": "按随系统数据同步",
            "pause": "暂停计时",
            "resume": "恢复计时",
            "extend": "延长期限",
            "save": "保存内部时限",
            "clear": "删除内部时限",
        },
    )
    register_values("kind", dict(CalendarDay.Kind.choices))
    register_values("source", dict(CalendarSource.choices))
    register_field("batch", "批量来源", values={"notice": "国务院通知文本", "range": "日期范围"})
    register_field("is_complete", "已完整录入")
    register_field("due", "届满")
    register_field("added", "新增天数")
    register_field("updated", "修改天数")
    register_field("removed", "删除天数")
    register_field("kept_admin", "保留管理员录入")
    register_field("years_added", "新增年份")
    register_field("dates", "涉及日期")
    register_field("recomputed", "重算期限数")
    register_field("changed", "变更期限数")
    register_field("changed_ids", "变更的期限", hidden=True)
    register_field("calendar_version", "节假日数据版本")
    register_field("rule", "期限规则", values=_rule_label)
    register_field("law", "法定时限")
    register_field("amount", "时限")
    register_field("unit", "单位", values=UNIT_LABELS, target_type=RULE_SETTING)
    register_key_reader(_rule_key)
    _register_sensitive()


def _register_sensitive() -> None:
    """敏感时期 and its level rules (`sensitive.period_save`, `period_delete`, `level_rule_save`)."""
    register_values(
        "action",
        {
            "create_period": "新增敏感时期",
            "change_period": "修改敏感时期",
            "delete_period": "删除敏感时期",
            "save_level_rule": "修改敏感时期值守要求",
        },
    )
    levels = {str(value): label for value, label in SensitiveLevel.choices}
    for key, label in (
        ("name", "名称"),
        ("starts_on", "开始日期"),
        ("ends_on", "结束日期"),
        ("reason", "事由"),
    ):
        register_field(key, label, target_type=SENSITIVE_PERIOD)
    register_field("level", "等级", values=levels, target_type=SENSITIVE_PERIOD)
    register_field("unit", "设定单位", reference="organisation.unit", target_type=SENSITIVE_PERIOD)
    register_field("level", "等级", values=levels, target_type=SENSITIVE_LEVEL_RULE)
    register_field("staff_per_shift", "每班在岗人数", target_type=SENSITIVE_LEVEL_RULE)
    register_field("leader_all_day", "领导全天在岗", target_type=SENSITIVE_LEVEL_RULE)
    register_field("daily_report", "每日报告", target_type=SENSITIVE_LEVEL_RULE)
