"""An incident's clocks, as `Deadline` rows of the one sweep, each a minute rule of the calendar
engine: the first report (首报) within the level's limit of 获知时间, a phone report where the
level asks for one, a follow-up (续报) every interval after the last report while the incident is
open, and the principal leader on site within 20 minutes of being told. The level's minutes apply,
shortened by an office's target for its unit type (期限规则), never lengthened. When one runs out
the handler tells the unit's head and the level above (the sweep runs every minute)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.deadlines.engine import Unit as TimeUnit
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.registry import register_clock_handler, register_rule
from xinfang.deadlines.rules import RuleDefinition, minutes_of
from xinfang.deadlines.selectors import rule_for
from xinfang.deadlines.services import deadline_close, deadline_create
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.services import notify

from .choices import OPEN_STATES
from .levels import Limits
from .models import OWNER_TYPE, Incident

FIRST, PHONE, FOLLOW_UP, ARRIVAL = (
    "incident_first_report",
    "incident_phone_report",
    "incident_follow_up",
    "incident_arrival",
)
REPORT_RULES = (FIRST, FOLLOW_UP)
HEAD_ROLES = (Role.PRINCIPAL, Role.LEADER)
ABOVE_ROLES = (Role.PRINCIPAL, Role.LEADER, Role.CLERK, Role.DUTY)

RULES = (
    RuleDefinition(FIRST, "突发事件首报时限", 60, TimeUnit.MINUTES, True, "获知时间"),
    RuleDefinition(PHONE, "突发事件电话报告时限", 30, TimeUnit.MINUTES, True, "获知时间"),
    RuleDefinition(FOLLOW_UP, "突发事件续报间隔", 240, TimeUnit.MINUTES, True, "上一次报告"),
    RuleDefinition(ARRIVAL, "主要领导到场时限", 20, TimeUnit.MINUTES, True, "通知主要领导"),
)


def register() -> None:
    for rule in RULES:
        register_rule(rule)
    register_clock_handler(OWNER_TYPE, IncidentClocks())


def _minutes(rule: str, level_minutes: int, unit_type: str) -> tuple[int, str]:
    """The level's minutes, shortened (never lengthened) by the unit type's target, compared in
    like units (a target may be set in hours)."""
    spec = rule_for(rule, unit_type)
    return min(level_minutes, minutes_of(spec.amount, spec.unit)), TimeUnit.MINUTES


def start(incident: Incident, rule: str, at: datetime, limits: Limits) -> Deadline:
    level_minutes = {
        FIRST: limits.first_report_minutes,
        PHONE: limits.phone_report_minutes,
        FOLLOW_UP: limits.follow_up_minutes,
        ARRIVAL: limits.arrival_minutes,
    }[rule]
    amount, unit = _minutes(rule, level_minutes, incident.unit.unit_type)
    return deadline_create(
        owner_type=OWNER_TYPE, owner_id=incident.pk, rule=rule, start=at, amount=amount, unit=unit
    )


def stop(incident: Incident, rules: Sequence[str], at: datetime) -> None:
    for clock in Deadline.objects.filter(
        owner_type=OWNER_TYPE, owner_id=incident.pk, rule__in=rules, is_open=True
    ):
        deadline_close(deadline=clock, actor=None, at=at)


def open_clocks(incident: Incident) -> dict[str, Deadline]:
    return {
        d.rule: d
        for d in Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=incident.pk, is_open=True).order_by(
            "due_at"
        )
    }


def _people(unit_ids: list[int], roles: Sequence[str]) -> list[int]:
    return list(
        User.objects.filter(is_active=True, unit_id__in=unit_ids, role_assignments__role__in=roles)
        .values_list("pk", flat=True)
        .distinct()
    )


def heads_and_above(incident: Incident) -> list[int]:
    """The incident unit's leaders and the office of the level above (its leaders, front desk and
    duty room)."""
    parent = incident.unit.parent_id
    return sorted(
        set(_people([incident.unit_id], HEAD_ROLES)) | set(_people([parent] if parent else [], ABOVE_ROLES))
    )


class IncidentClocks:
    scan_minutes = 0

    def overdue(self, deadlines: Sequence[Deadline], *, now: datetime) -> int:
        written = 0
        incidents = {
            i.pk: i
            for i in Incident.objects.filter(pk__in=[d.owner_id for d in deadlines]).select_related("unit")
        }
        for clock in deadlines:
            incident = incidents.get(clock.owner_id)
            if incident is None or incident.status not in OPEN_STATES:
                continue
            due = timezone.localtime(clock.due_at) if clock.due_at else None
            when = f"{due:%m月%d日 %H:%M}" if due else ""
            if clock.rule == ARRIVAL:
                if incident.arrived_at is not None:
                    continue
                title = f"主要领导未按时到场：{incident.title}"
                body = f"{incident.number}：聚集地主要领导应于 {when} 前到达现场，至今未登记到场。"
            elif clock.rule == PHONE:
                title = f"电话报告逾期：{incident.title}"
                body = f"{incident.number}：电话报告时限 {when} 已过。"
            else:
                label = "首报" if clock.rule == FIRST else "续报"
                title = f"突发事件{label}逾期：{incident.title}"
                body = f"{incident.number}：{label}时限 {when} 已过，尚未报告。请立即报告。"
            written += notify(
                recipients=heads_and_above(incident),
                kind=NotificationKind.URGENT,
                title=title,
                body=body,
                owner=incident,
                link=reverse("incidents:detail", args=[incident.pk]),
                dedupe_key=f"incidents:overdue:{clock.pk}",
            )
        return written

    def scan(self, *, now: datetime) -> Any:
        return None
