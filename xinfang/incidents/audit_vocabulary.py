"""How the incidents' audit entries read on the audit page."""

from xinfang.audit.details import register_field, register_values

from .choices import IncidentKind, ReportKind, Sanction
from .machine import STEPS
from .models import OWNER_TYPE


def register() -> None:
    register_values("action", {code: step.label for code, step in STEPS.items()}, target_type=OWNER_TYPE)
    register_values(
        "kind", {**dict(IncidentKind.choices), **dict(ReportKind.choices)}, target_type=OWNER_TYPE
    )
    register_field("level", "级别")
    register_field("level_from", "原级别")
    register_field("headcount_from", "原人数")
    register_field("headcount", "人数")
    register_field("learned_at", "获知时间")
    register_field("seq", "第几次报告")
    register_field("on_time", "按时")
    register_field("plan", "应急预案")
    register_field("plan_name", "预案名称")
    register_field("tasks", "任务数")
    register_field("task", "任务")
    register_field("at", "时间")
    register_field("leader", "到场领导", reference="accounts.user")
    register_field("late", "迟到")
    register_field("units", "批转单位")
    register_field("instruction", "批示")
    register_field("evidence", "证据")
    register_field("sha256", "SHA-256")
    register_field("phase", "阶段")
    register_values("sanction", dict(Sanction.choices))
    register_field("sanction", "处理方式")
    register_field("report", "报告")
