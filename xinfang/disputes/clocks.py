"""The dispute's clocks, rules of the calendar engine:

- 司法确认申请期 (`dispute_confirmation`): the parties may jointly apply to a court for judicial
  confirmation within 30 days of the agreement taking effect (人民调解法第三十三条), counted in
  calendar days from the day it took effect (a day off at the end moves it on). Closed when the
  application or the court's result is recorded; when it runs out the mediator is told.
- 回访 (`dispute_visit`): a return visit one month (一类), a quarter (二类) or half a year (三类)
  after the agreement took effect (seed 003 篇五; the months are settings), counted in months by
  the engine. Closed by the visit; overdue, the mediator and the committee's office are told.
"""

from collections.abc import Sequence
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.deadlines.engine import Unit as TimeUnit
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.registry import register_clock_handler, register_rule
from xinfang.deadlines.rules import RuleDefinition
from xinfang.deadlines.services import deadline_close, deadline_create
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.services import notify

from .models import OWNER_TYPE, Dispute, DisputeSetting

CONFIRMATION = "dispute_confirmation"
VISIT = "dispute_visit"
RULES = (
    RuleDefinition(
        CONFIRMATION,
        "司法确认申请期限",
        30,
        TimeUnit.CALENDAR_DAYS,
        False,
        "调解协议生效之日",
        fixed_reason="人民调解法第三十三条：自调解协议生效之日起三十日内共同申请司法确认。",
    ),
    RuleDefinition(
        VISIT,
        "调解回访期限",
        1,
        TimeUnit.MONTHS,
        False,
        "调解协议生效之日",
        fixed_reason="按纠纷类别回访：一类1个月、二类1个季度、三类半年，在矛盾纠纷调处设置中修改。",
    ),
)
OFFICE_ROLES = (Role.CLERK, Role.LEADER, Role.PRINCIPAL)


def register() -> None:
    for rule in RULES:
        register_rule(rule)
    register_clock_handler(OWNER_TYPE, DisputeClocks())


def _open(dispute: Dispute, rule: str) -> list[Deadline]:
    return list(Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=dispute.pk, rule=rule, is_open=True))


def close(dispute: Dispute, rule: str, now: datetime) -> None:
    for clock in _open(dispute, rule):
        deadline_close(deadline=clock, actor=None, at=now)


def start_confirmation(dispute: Dispute, since: datetime) -> date | None:
    clock = deadline_create(
        owner_type=OWNER_TYPE, owner_id=dispute.pk, rule=CONFIRMATION, start=since, amount=30,
        unit=TimeUnit.CALENDAR_DAYS,
    )  # fmt: skip
    return clock.due_date


def start_visit(dispute: Dispute, since: datetime, setting: DisputeSetting | None = None) -> date | None:
    """The class's return visit, from `since` (the agreement took effect, or the oral agreement
    was recorded)."""
    setting = setting or DisputeSetting.load()
    clock = deadline_create(
        owner_type=OWNER_TYPE,
        owner_id=dispute.pk,
        rule=VISIT,
        start=since,
        amount=setting.visit_months(dispute.dispute_class),
        unit=TimeUnit.MONTHS,
    )
    return clock.due_date


def office_of(dispute: Dispute) -> list[int]:
    """The office of the committee that mediates it (its unit's front desk and leaders)."""
    return list(
        User.objects.filter(
            is_active=True, unit_id=dispute.handling_unit_id, role_assignments__role__in=OFFICE_ROLES
        )
        .values_list("pk", flat=True)
        .distinct()
    )


class DisputeClocks:
    scan_minutes = 60  # nothing to scan: every clock is a Deadline row

    def scan(self, *, now: datetime) -> None:
        return None

    def overdue(self, deadlines: Sequence[Deadline], *, now: datetime) -> int:
        disputes = {d.pk: d for d in Dispute.objects.filter(pk__in=[c.owner_id for c in deadlines])}
        written = 0
        for clock in deadlines:
            dispute = disputes.get(clock.owner_id)
            if dispute is None:
                continue
            link = reverse("disputes:detail", args=[dispute.pk])
            due = f"{timezone.localtime(clock.due_at):%m月%d日}" if clock.due_at else ""
            if clock.rule == CONFIRMATION:
                recipients = [dispute.mediator_id] if dispute.mediator_id else office_of(dispute)
                title = f"司法确认申请期届满：{dispute.number}"
                body = f"{dispute.number}的调解协议司法确认申请期已于 {due} 届满，请记录当事人是否申请。"
            else:
                recipients = [*([dispute.mediator_id] if dispute.mediator_id else []), *office_of(dispute)]
                title = f"调解回访逾期：{dispute.number}"
                body = f"{dispute.number}应于 {due} 前回访当事人，尚未回访。"
            written += notify(
                recipients=recipients,
                kind=NotificationKind.DEADLINE_OVERDUE,
                title=title,
                body=body,
                owner=dispute,
                link=link,
                dedupe_key=f"disputes:{clock.rule}:{clock.pk}",
            )
        return written
