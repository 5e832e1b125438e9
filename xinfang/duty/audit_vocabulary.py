"""How duty's audit entries read on the audit page."""

from xinfang.audit.details import register_field, register_values

from .choices import EntryKind, EntryStatus, MemberKind
from .machine import STEPS


def register() -> None:
    register_values("action", {code: step.label for code, step in STEPS.items()} | {"publish": "发布值班表"})
    register_field("shifts", "班次数")
    register_field("leaders", "带班领导")
    register_field("staff", "值班员")
    register_field("duty_slots", "班次设置")
    register_field("staff_names", "值班员")
    register_field("substitute", "替班人", reference="accounts.user")
    register_field("other_shift", "对换班次")
    register_field("other_user", "对方人员", reference="accounts.user")
    register_field("entry", "值班记录")
    register_field("item", "交接事项")
    register_field("to_shift", "接班班次")
    register_field("late_minutes", "迟到（分钟）")
    register_field("early_minutes", "提前离岗（分钟）")
    register_values("kind", {**dict(EntryKind.choices), **dict(MemberKind.choices)})
    register_field("urgent", "紧急")
    register_field("items", "交接事项数")
    register_field("petition_number", "信访件编号")
    register_values("status", dict(EntryStatus.choices))
