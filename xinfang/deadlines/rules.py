"""The time limits of the handling procedure (信访工作条例 2022) as data.

Each installation may set SHORTER internal targets per unit type for the configurable rules
(`DeadlineRuleSetting`, read through `selectors.rule_for`); the others are the petitioner's
statutory rights or fixed by regulation and always answer the law. Periods counted in
calendar days follow the engine's rules (start day not counted, a last day off rolls forward).
"""

from dataclasses import dataclass

from .engine import UNIT_LABELS, Unit


@dataclass(frozen=True)
class RuleDefinition:
    code: str
    label: str
    amount: int
    unit: str
    configurable: bool
    start_label: str

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS[self.unit]

    @property
    def text(self) -> str:
        """The law's value as a clerk reads it: "60 个自然日"."""
        return period_text(self.amount, self.unit)


def period_text(amount: int, unit: str) -> str:
    return f"{amount} 个{UNIT_LABELS[unit]}"


RULES: dict[str, RuleDefinition] = {
    rule.code: rule
    for rule in (
        RuleDefinition("acceptance", "受理期限", 15, Unit.CALENDAR_DAYS, True, "收到之日"),
        RuleDefinition("transfer", "转送、交办期限", 15, Unit.CALENDAR_DAYS, True, "登记之日"),
        RuleDefinition("handling", "办理期限", 60, Unit.CALENDAR_DAYS, True, "受理之日"),
        RuleDefinition("handling_important", "重要事项办理期限", 60, Unit.CALENDAR_DAYS, True, "受理之日"),
        RuleDefinition("review_decision", "复查期限", 30, Unit.CALENDAR_DAYS, True, "收到复查请求之日"),
        RuleDefinition("rereview_decision", "复核期限", 30, Unit.CALENDAR_DAYS, True, "收到复核请求之日"),
        RuleDefinition("review_window", "申请复查期限", 30, Unit.CALENDAR_DAYS, False, "收到处理意见书之日"),
        RuleDefinition(
            "rereview_window", "申请复核期限", 30, Unit.CALENDAR_DAYS, False, "收到复查意见书之日"
        ),
        RuleDefinition("objection", "转送异议期限", 5, Unit.WORKING_DAYS, False, "收到转送之日"),
    )
}

# Why a rule cannot be changed, shown when an administrator tries.
FIXED_REASONS: dict[str, str] = {
    "review_window": "申请复查期限是信访人的法定权利，不能修改。",
    "rereview_window": "申请复核期限是信访人的法定权利，不能修改。",
    "objection": "转送异议期限由规定统一确定，不能修改。",
}

# 延期办理 (art. 32): an extension of the handling period is at most 30 days.
MAX_EXTENSION_DAYS = 30

# The units an internal target may use; hours and minutes are not time limits of this procedure.
RULE_UNITS: tuple[str, ...] = (Unit.CALENDAR_DAYS.value, Unit.WORKING_DAYS.value)

# An internal target may not be longer than the law: 7 calendar days hold at most 5 working days.
WORKING_DAYS_PER_WEEK, DAYS_PER_WEEK = 5, 7


def configurable_rules() -> list[RuleDefinition]:
    return [rule for rule in RULES.values() if rule.configurable]


def working_days_within(calendar_days: int) -> int:
    """The most working days an internal target may have under a law of `calendar_days`."""
    return calendar_days * WORKING_DAYS_PER_WEEK // DAYS_PER_WEEK
