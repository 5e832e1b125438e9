"""Duty's clocks, as `Deadline` rows of the one sweep: a shift's sign-in (15 minutes after it
starts), its handover (30 minutes after it ends) and an urgent entry's acknowledgement by the
带班领导 (10 minutes). Each limit is a rule an office may shorten per unit type (期限规则); when
one runs out the handler tells the office head (the unit's duty.manage holders), or for an
unacknowledged urgent matter the unit's principal leader."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.deadlines.engine import Unit as TimeUnit
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.registry import register_clock_handler, register_rule
from xinfang.deadlines.rules import RuleDefinition
from xinfang.deadlines.selectors import rule_for
from xinfang.deadlines.services import deadline_close, deadline_create
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.services import notify
from xinfang.procedure.machine import Change

from .choices import ShiftStatus
from .models import OWNER_TYPE, LogEntry, Shift

ENTRY_OWNER = "duty.logentry"
CHECK_IN, HANDOVER, URGENT = "duty_check_in", "duty_handover", "duty_urgent_ack"
HEAD_ROLES = (Role.LEADER, Role.PRINCIPAL)  # the office head who approves leave (duty.manage)

RULES = (
    RuleDefinition(CHECK_IN, "值班到岗签到时限", 15, TimeUnit.MINUTES, True, "班次开始"),
    RuleDefinition(HANDOVER, "交接班完成时限", 30, TimeUnit.MINUTES, True, "班次结束"),
    RuleDefinition(URGENT, "紧急事项带班领导确认时限", 10, TimeUnit.MINUTES, True, "记录紧急事项"),
)


def register() -> None:
    for rule in RULES:
        register_rule(rule)
    register_clock_handler(OWNER_TYPE, ShiftClocks())
    register_clock_handler(ENTRY_OWNER, EntryClocks())


def _start(owner_type: str, owner_id: int, rule: str, unit_type: str, start: datetime) -> None:
    spec = rule_for(rule, unit_type)
    deadline_create(
        owner_type=owner_type, owner_id=owner_id, rule=rule, start=start, amount=spec.amount, unit=spec.unit
    )


def start_shift_clocks(shifts: Sequence[Shift], unit_type: str) -> None:
    """On publishing: each shift's sign-in and handover clocks (the rules read once)."""
    check_in, handover = rule_for(CHECK_IN, unit_type), rule_for(HANDOVER, unit_type)
    for shift in shifts:
        for spec, start in ((check_in, shift.starts_at), (handover, shift.ends_at)):
            deadline_create(
                owner_type=OWNER_TYPE,
                owner_id=shift.pk,
                rule=spec.rule,
                start=start,
                amount=spec.amount,
                unit=spec.unit,
            )


def start_urgent_clock(entry: LogEntry, now: datetime) -> None:
    _start(ENTRY_OWNER, entry.pk, URGENT, entry.shift.unit.unit_type, now)


def _close(owner_type: str, owner_id: int, rule: str, now: datetime) -> None:
    for clock in Deadline.objects.filter(owner_type=owner_type, owner_id=owner_id, rule=rule, is_open=True):
        deadline_close(deadline=clock, actor=None, at=now)


def stop_urgent_clock(entry: LogEntry, now: datetime) -> None:
    _close(ENTRY_OWNER, entry.pk, URGENT, now)


def on_shift_change(change: Change[Shift]) -> None:
    """A closed shift's handover clock stops; so does its sign-in clock once everyone signed in."""
    shift = change.case
    if shift.status == ShiftStatus.CLOSED and change.from_state != ShiftStatus.CLOSED:
        _close(OWNER_TYPE, shift.pk, HANDOVER, change.now)
    if change.action == "check_in":
        waiting = [m for m in shift.members.all() if m.serving and m.checked_in_at is None]
        if not waiting:
            _close(OWNER_TYPE, shift.pk, CHECK_IN, change.now)


def office_heads(unit_path: str) -> list[int]:
    """The duty.manage holders (leaders) of the shift's unit, or of the nearest unit above with any."""
    chain = [int(pk) for pk in unit_path.strip("/").split("/") if pk]
    rows = (
        User.objects.filter(is_active=True, unit_id__in=chain, role_assignments__role__in=HEAD_ROLES)
        .values_list("pk", "unit_id")
        .distinct()
    )
    by_unit: dict[int, list[int]] = {}
    for pk, unit_id in rows:
        by_unit.setdefault(unit_id, []).append(pk)
    for unit_id in reversed(chain):
        if by_unit.get(unit_id):
            return sorted(by_unit[unit_id])
    return []


class _Heads:
    """`office_heads` once per unit in a sweep's batch (shifts of one unit share their heads)."""

    def __init__(self) -> None:
        self.found: dict[str, list[int]] = {}

    def __call__(self, unit_path: str) -> list[int]:
        if unit_path not in self.found:
            self.found[unit_path] = office_heads(unit_path)
        return self.found[unit_path]


class ShiftClocks:
    scan_minutes = 0

    def overdue(self, deadlines: Sequence[Deadline], *, now: datetime) -> int:
        written = 0
        heads = _Heads()
        shifts = {
            s.pk: s
            for s in Shift.objects.filter(pk__in=[d.owner_id for d in deadlines])
            .select_related("unit")
            .prefetch_related("members__user")
        }
        for clock in deadlines:
            shift = shifts.get(clock.owner_id)
            if shift is None or not shift.published:
                continue
            link = reverse("duty:shift", args=[shift.pk])
            when = f"{shift.starts_at.astimezone():%m月%d日 %H:%M} 起的{shift.label}"
            if clock.rule == CHECK_IN:
                absent = [m for m in shift.members.all() if m.serving and m.checked_in_at is None]
                if not absent:
                    continue
                names = "、".join(f"{m.get_kind_display()}{m.user}" for m in absent)
                written += notify(
                    recipients=heads(shift.unit_path),
                    kind=NotificationKind.DEADLINE_OVERDUE,
                    title=f"值班未到岗：{shift.unit.name}{shift.label}",
                    body=f"{when}已开始，{names}尚未签到。",
                    owner=shift,
                    link=link,
                    dedupe_key=f"duty:check_in:{shift.pk}",
                )
            elif clock.rule == HANDOVER and shift.status != ShiftStatus.CLOSED:
                written += notify(
                    recipients=heads(shift.unit_path),
                    kind=NotificationKind.DEADLINE_OVERDUE,
                    title=f"交接班未完成：{shift.unit.name}{shift.label}",
                    body=f"{when}已结束，交接班尚未完成（{shift.get_status_display()}）。",
                    owner=shift,
                    link=link,
                    dedupe_key=f"duty:handover:{shift.pk}",
                )
        return written

    def scan(self, *, now: datetime) -> Any:
        return None


class EntryClocks:
    scan_minutes = 0

    def overdue(self, deadlines: Sequence[Deadline], *, now: datetime) -> int:
        written = 0
        entries = LogEntry.objects.filter(pk__in=[d.owner_id for d in deadlines]).select_related(
            "shift__unit"
        )
        for entry in entries:
            if entry.acknowledged_at is not None:
                continue
            unit = entry.shift.unit
            principals = list(
                User.objects.filter(is_active=True, unit=unit, role_assignments__role=Role.PRINCIPAL)
                .values_list("pk", flat=True)
                .distinct()
            ) or office_heads(unit.path)
            written += notify(
                recipients=principals,
                kind=NotificationKind.URGENT,
                title=f"紧急事项未确认：{unit.name}值班室",
                body=f"{entry.at.astimezone():%H:%M} {entry.get_kind_display()}的紧急事项，带班领导 10 分钟内未确认，请立即过问。",
                owner=entry.shift,
                link=reverse("duty:shift", args=[entry.shift_id]),
                dedupe_key=f"duty:urgent:{entry.pk}",
            )
        return written

    def scan(self, *, now: datetime) -> Any:
        return None
