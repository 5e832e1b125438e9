"""How the information reports' audit entries read on the audit page."""

from xinfang.audit.details import register_field, register_values

from .choices import ReportKind
from .machine import STEPS
from .models import OWNER_TYPE


def register() -> None:
    register_values("action", {code: step.label for code, step in STEPS.items()}, target_type=OWNER_TYPE)
    register_values(
        "kind",
        dict(ReportKind.choices) | {"petition": "信访件", "incident": "突发事件", "dispute": "矛盾纠纷"},
        target_type=OWNER_TYPE,
    )
    register_field("to_unit", "报送至", reference="organisation.unit")
    register_field("skipped", "越过的层级")
    register_field("period", "所属期间")
    register_field("into", "并入报告")
    register_field("into_number", "并入报告编号")
    register_field("target", "转化为（编号）")
