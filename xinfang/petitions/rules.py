"""The time limits of the handling procedure (信访工作条例 2022), registered with deadlines from
`PetitionsConfig.ready`. Periods counted in calendar days follow the engine's rules (start day
not counted, a last day off rolls forward)."""

from xinfang.deadlines.engine import Unit
from xinfang.deadlines.registry import register_rule
from xinfang.deadlines.rules import RuleDefinition

# 延期办理 (art. 32): an extension of the handling period is at most 30 days.
EXTENSION_MAX_DAYS = 30

PETITION_RULES: tuple[RuleDefinition, ...] = (
    RuleDefinition("acceptance", "受理期限", 15, Unit.CALENDAR_DAYS, True, "收到之日"),
    RuleDefinition("transfer", "转送、交办期限", 15, Unit.CALENDAR_DAYS, True, "登记之日"),
    RuleDefinition(
        "handling",
        "办理期限",
        60,
        Unit.CALENDAR_DAYS,
        True,
        "受理之日",
        max_extension_days=EXTENSION_MAX_DAYS,
    ),
    RuleDefinition(
        "handling_important",
        "重要事项办理期限",
        60,
        Unit.CALENDAR_DAYS,
        True,
        "受理之日",
        max_extension_days=EXTENSION_MAX_DAYS,
    ),
    RuleDefinition("review_decision", "复查期限", 30, Unit.CALENDAR_DAYS, True, "收到复查请求之日"),
    RuleDefinition("rereview_decision", "复核期限", 30, Unit.CALENDAR_DAYS, True, "收到复核请求之日"),
    RuleDefinition(
        "review_window",
        "申请复查期限",
        30,
        Unit.CALENDAR_DAYS,
        False,
        "收到处理意见书之日",
        fixed_reason="申请复查期限是信访人的法定权利，不能修改。",
    ),
    RuleDefinition(
        "rereview_window",
        "申请复核期限",
        30,
        Unit.CALENDAR_DAYS,
        False,
        "收到复查意见书之日",
        fixed_reason="申请复核期限是信访人的法定权利，不能修改。",
    ),
    RuleDefinition(
        "objection",
        "转送异议期限",
        5,
        Unit.WORKING_DAYS,
        False,
        "收到转送之日",
        fixed_reason="转送异议期限由规定统一确定，不能修改。",
    ),
)


def register() -> None:
    for rule in PETITION_RULES:
        register_rule(rule)
