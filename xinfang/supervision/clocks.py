"""Supervision's clocks: its rule registered with deadlines, and `Supervision.deadline` kept equal
to its open report clock when a holiday change moves that clock (the deadlines_changed hook).

Both are connected from `SupervisionConfig.ready`; deadlines knows nothing of supervision.
"""

from typing import Any

from django.dispatch import receiver

from xinfang.deadlines.engine import Unit
from xinfang.deadlines.registry import register_rule
from xinfang.deadlines.rules import RuleDefinition
from xinfang.deadlines.signals import deadlines_changed

from .machine import REPORT_RULE
from .models import OWNER_TYPE, Supervision
from .services.common import REPORT_WORKING_DAYS

RULES: tuple[RuleDefinition, ...] = (
    RuleDefinition(
        REPORT_RULE,
        "督办报告期限",
        REPORT_WORKING_DAYS,
        Unit.WORKING_DAYS,
        False,
        "督办之日",
        fixed_reason="督办报告期限由督办单位在督办时确定（未指定时为 5 个工作日），不在此修改。",
    ),
)


def register() -> None:
    for rule in RULES:
        register_rule(rule)


@receiver(deadlines_changed)
def sync_supervision_deadline(sender: Any, changed: list[Any], **kwargs: Any) -> None:
    """A recomputed open report clock moves the supervision's 办理时限 with it (same transaction)."""
    for deadline in changed:
        if deadline.owner_type == OWNER_TYPE and deadline.is_open and deadline.due_date is not None:
            Supervision.objects.filter(pk=deadline.owner_id).update(deadline=deadline.due_date)
