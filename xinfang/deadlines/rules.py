"""Time limits as data: what a rule is, and the registered rules (`RULES`).

The apps register their rules (`registry.register_rule`); the petitions' are the limits of the
handling procedure (信访工作条例 2022). Each installation may set SHORTER internal targets per
unit type for the configurable rules (`DeadlineRuleSetting`, read through `selectors.rule_for`);
the others are statutory rights or fixed by regulation and always answer the law. Periods counted in
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
    # why it cannot be changed, shown when an administrator tries (non-configurable rules)
    fixed_reason: str = ""
    # the longest extension (延期) the procedure allows, in days of the rule's unit; 0 = none
    max_extension_days: int = 0

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS[self.unit]

    @property
    def text(self) -> str:
        """The law's value as a clerk reads it: "60 个自然日"."""
        return period_text(self.amount, self.unit)


def period_text(amount: int, unit: str) -> str:
    return f"{amount} 个{UNIT_LABELS[unit]}"


# Every rule any app registered (`registry.register_rule`, from the app's `AppConfig.ready`):
# petitions its procedure's limits, supervision its report limit, and so on. Deadlines itself
# knows no rule.
RULES: dict[str, RuleDefinition] = {}

# The units an internal target may use: any unit, compared with the law in like units.
# an internal target (内部时限) is set in the units a rule is compared in; months are not among them
RULE_UNITS: tuple[str, ...] = tuple(unit.value for unit in Unit if unit != Unit.MONTHS)
TIME_UNIT_MINUTES: dict[str, int] = {Unit.HOURS.value: 60, Unit.MINUTES.value: 1}

# An internal target may not be longer than the law: 7 calendar days hold at most 5 working days.
WORKING_DAYS_PER_WEEK, DAYS_PER_WEEK = 5, 7


def configurable_rules() -> list[RuleDefinition]:
    return [rule for rule in RULES.values() if rule.configurable]


def minutes_of(amount: int, unit: str) -> int:
    """An amount of hours or minutes in minutes (to compare a target with a law in like units)."""
    return amount * TIME_UNIT_MINUTES[unit]


def working_days_within(calendar_days: int) -> int:
    """The most working days an internal target may have under a law of `calendar_days`."""
    return calendar_days * WORKING_DAYS_PER_WEEK // DAYS_PER_WEEK
