"""The petitions' time limits, registered with deadlines at start-up."""

from xinfang.deadlines.rules import RULES
from xinfang.petitions.rules import EXTENSION_MAX_DAYS, PETITION_RULES


def test_the_law_defaults_are_the_regulation_s():
    # given
    codes = {rule.code for rule in PETITION_RULES}

    # then
    assert {
        code: (rule.amount, str(rule.unit), rule.configurable)
        for code, rule in RULES.items()
        if code in codes
    } == {
        "acceptance": (15, "calendar_days", True),
        "transfer": (15, "calendar_days", True),
        "handling": (60, "calendar_days", True),
        "handling_important": (60, "calendar_days", True),
        "review_decision": (30, "calendar_days", True),
        "rereview_decision": (30, "calendar_days", True),
        "review_window": (30, "calendar_days", False),
        "rereview_window": (30, "calendar_days", False),
        "objection": (5, "working_days", False),
    }
    assert EXTENSION_MAX_DAYS == 30
    assert RULES["handling"].max_extension_days == 30
