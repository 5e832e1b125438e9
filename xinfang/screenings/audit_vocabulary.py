"""How the screening rounds' audit entries read on the audit page."""

from xinfang.audit.details import register_field, register_values

from .choices import ScreeningKind, SpecialField
from .machine import STEPS
from .models import OWNER_TYPE

SPECIAL = "screenings.specialscreening"


def register() -> None:
    register_values("action", {code: step.label for code, step in STEPS.items()}, target_type=OWNER_TYPE)
    register_field("kind", "排查类别", values=dict(ScreeningKind.choices), target_type=OWNER_TYPE)
    register_field("period", "所属期间", target_type=OWNER_TYPE)
    register_field("found", "本轮发现（起）", target_type=OWNER_TYPE)
    register_field("carried", "往期结转（起）", target_type=OWNER_TYPE)
    register_field("on_time", "按时报送", target_type=OWNER_TYPE)
    register_field("disputes", "登记的矛盾纠纷", target_type=OWNER_TYPE)
    register_field("fields", "修改的内容", target_type=OWNER_TYPE)
    register_field("field", "排查领域", values=dict(SpecialField.choices), target_type=SPECIAL)
    register_field("starts_on", "开始日期", target_type=SPECIAL)
    register_field("ends_on", "截止日期", target_type=SPECIAL)
    register_field("units", "排查单位数", target_type=SPECIAL)
    register_field("all_below", "下级全部单位", target_type=SPECIAL)
