"""The incident levels' rules as a setting (分级标准 and reporting limits, `LevelRule`): saved by
whoever keeps the rules (rules.manage), audited as a change of a deadline rule. A saved rule
applies to incidents registered after it; running clocks keep what they were started with."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import ensure_capability
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta

from .choices import IncidentKind, Level
from .levels import Limits, limits_all
from .models import LevelRule

BOUNDS: dict[str, tuple[int, int, str]] = {
    "min_headcount": (0, 100000, "人数下限"),
    "first_report_minutes": (1, 1440, "首报时限"),
    "phone_report_minutes": (0, 1440, "电话报告时限"),
    "follow_up_minutes": (10, 1440, "续报间隔"),
    "arrival_minutes": (1, 240, "主要领导到场时限"),
}


def _snapshot(limits: Limits) -> dict[str, Any]:
    return {
        "min_headcount": limits.min_headcount,
        "kinds": sorted(limits.kinds),
        "first_report_minutes": limits.first_report_minutes,
        "phone_report_minutes": limits.phone_report_minutes,
        "follow_up_minutes": limits.follow_up_minutes,
        "arrival_minutes": limits.arrival_minutes,
    }


def _validate(level: int, values: dict[str, Any], others: dict[int, Limits]) -> None:
    errors: dict[str, str] = {}
    for name, (low, high, label) in BOUNDS.items():
        value = values[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[name] = f"{label}须在 {low} 至 {high} 之间。"
    bad = [k for k in values["kinds"] if k not in IncidentKind.values]
    if bad:
        errors["kinds"] = "事件类别不存在：" + "、".join(map(str, bad))
    phone, first = values["phone_report_minutes"], values["first_report_minutes"]
    if "phone_report_minutes" not in errors and "first_report_minutes" not in errors and phone > first:
        errors["phone_report_minutes"] = "电话报告时限不能长于首报时限。"
    headcount = values["min_headcount"]
    if "min_headcount" not in errors and headcount:
        # a graver level (a smaller number) asks for more people than a lesser one
        for other, rule in others.items():
            if other == level or not rule.min_headcount:
                continue
            if (other < level and rule.min_headcount <= headcount) or (
                other > level and rule.min_headcount >= headcount
            ):
                errors["min_headcount"] = (
                    f"人数下限须介于相邻级别之间：{Level(other).label}为 {rule.min_headcount} 人。"
                )
                break
    if errors:
        raise ValidationFailed(f"{Level(level).label}的规则有误：" + "；".join(errors.values()), errors)


@transaction.atomic
def level_rule_save(
    *,
    actor: User,
    level: int,
    min_headcount: int,
    kinds: list[str],
    first_report_minutes: int,
    phone_report_minutes: int,
    follow_up_minutes: int,
    arrival_minutes: int,
    request_meta: RequestMeta | None = None,
) -> LevelRule:
    """Saves one level's rules. The same values again change nothing and are not audited."""
    ensure_capability(actor, "rules.manage")
    if level not in Level.values:
        raise ValidationFailed("级别不存在。", {"level": "级别须为 1 至 4。"})
    values: dict[str, Any] = {
        "min_headcount": min_headcount,
        "kinds": sorted(set(kinds)),
        "first_report_minutes": first_report_minutes,
        "phone_report_minutes": phone_report_minutes,
        "follow_up_minutes": follow_up_minutes,
        "arrival_minutes": arrival_minutes,
    }
    current = limits_all()
    _validate(level, values, current)
    old = _snapshot(current[level])
    row = LevelRule.objects.select_for_update().filter(level=level).first()
    if row is not None and old == values:
        return row
    row = row or LevelRule(level=level)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by, row.updated_at = actor, timezone.now()
    row.save()
    audit_record(
        actor=actor,
        event=AuditEvent.DEADLINE_RULE_CHANGED,
        target=row,
        target_label=f"突发事件分级规则：{Level(level).label}",
        request_meta=request_meta,
        action="save",
        level=level,
        old=old,
        new=values,
    )
    return row
