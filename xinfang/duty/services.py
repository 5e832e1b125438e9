"""Writes of duty that are not steps of one shift: a unit's shifts of the day (班次设置), a month's
roster drawn up by rotating named lists (生成值班表), publishing it, and registering a petition
from a duty-log entry. Every change to one shift goes through `machine.shift_transition`."""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.services import notify
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to

from .choices import EntryStatus, MemberKind, RosterStatus
from .clocks import start_shift_clocks
from .machine import allowed_actions, shift_transition
from .machine.effects import LEADER_ROLES
from .models import DutySlot, LogEntry, RosterMonth, Shift, ShiftMember
from .selectors import month_bounds, next_month, slots_of

DAY_MINUTES = 24 * 60
MAX_SLOTS = 4


def _office_unit(actor: Any, unit_id: int) -> Unit:
    unit = units_visible_to(actor).filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise ValidationFailed("请选择本单位或下级单位。", {"unit": "单位不存在或不在您的范围内。"})
    return unit


@dataclass(frozen=True)
class SlotIn:
    label: str
    starts: str  # "08:30"
    minutes: int


def _parse_time(text: str, field: str) -> time:
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        return time(hours, minutes)
    except (ValueError, TypeError):
        message = "时间格式为 时:分，如 08:30。"
        raise ValidationFailed(message, {field: message}) from None


@transaction.atomic
def slots_save(
    *, actor: Any, unit: Unit, slots: list[SlotIn], request_meta: RequestMeta | None = None
) -> list[DutySlot]:
    """The unit's shifts of a day. They must follow one another and cover 24 hours: duty is
    kept around the clock (each shift starts when the one before ends)."""
    if not 1 <= len(slots) <= MAX_SLOTS:
        raise ValidationFailed(
            f"每天 1 至 {MAX_SLOTS} 个班次。", {"slots": f"每天 1 至 {MAX_SLOTS} 个班次。"}
        )
    parsed = []
    for i, slot in enumerate(slots):
        label = slot.label.strip()
        if not 1 <= len(label) <= 20:
            raise ValidationFailed("班次名称 1 至 20 字。", {f"slots.{i}.label": "班次名称 1 至 20 字。"})
        if not 60 <= slot.minutes <= DAY_MINUTES:
            raise ValidationFailed("每班 1 至 24 小时。", {f"slots.{i}.minutes": "每班 1 至 24 小时。"})
        parsed.append((label, _parse_time(slot.starts, f"slots.{i}.starts"), slot.minutes))
    if sum(m for _, _, m in parsed) != DAY_MINUTES:
        raise ValidationFailed("各班次合计须为 24 小时（全天值班）。", {"slots": "各班次合计须为 24 小时。"})
    for (_, starts, minutes), (label, following, _) in zip(parsed, parsed[1:], strict=False):
        end = (starts.hour * 60 + starts.minute + minutes) % DAY_MINUTES
        if end != following.hour * 60 + following.minute:
            message = f"“{label}”须在上一班结束时开始。"
            raise ValidationFailed(message, {"slots": message})
    DutySlot.objects.filter(unit=unit).delete()
    rows = DutySlot.objects.bulk_create(
        [
            DutySlot(unit=unit, label=label, starts=starts, minutes=minutes, order=i)
            for i, (label, starts, minutes) in enumerate(parsed)
        ]
    )
    audit_record(
        actor=actor,
        event=AuditEvent.RECORD_CHANGED,
        target=unit,
        request_meta=request_meta,
        duty_slots=[
            f"{label} {starts:%H:%M} {minutes // 60}小时{minutes % 60 or ''}"
            for label, starts, minutes in parsed
        ],
    )
    return rows


def _people(unit: Unit, ids: list[int], *, leaders: bool, field: str) -> list[User]:
    wanted = list(dict.fromkeys(ids))
    users = {u.pk: u for u in User.objects.filter(pk__in=wanted, is_active=True, unit=unit)}
    label = "带班领导" if leaders else "值班员"
    for pk in wanted:
        user = users.get(pk)
        if user is None or (leaders and not (user.role_codes & LEADER_ROLES)):
            message = f"{label}须为{unit.name}的在职{'领导' if leaders else '人员'}。"
            raise ValidationFailed(message, {field: message})
    if not wanted:
        raise ValidationFailed(f"请选择{label}。", {field: f"请选择{label}。"})
    return [users[pk] for pk in wanted]


def rotation(position: int, people: int, per_day: int) -> int:
    """Who takes the `position`-th place of the month (places numbered day by day, slot by slot):
    the list in order, round and round. When the list's length and the day's places share a
    factor, plain order would give each person the same shift every time (two leaders and
    白班/夜班: one always days, one always nights), so each full round starts one person later."""
    if math.gcd(people, per_day) == 1:
        return position % people
    cycle = math.lcm(people, per_day)
    return (position + position // cycle) % people


def _slot_times(day: date, slot: DutySlot) -> tuple[datetime, datetime]:
    """A slot's start and end on `day`, local wall-clock time (a schedule, not a time limit)."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, slot.starts), tz)
    end_naive = datetime.combine(day, slot.starts) + timedelta(minutes=slot.minutes)
    return start, timezone.make_aware(end_naive, tz)


@transaction.atomic
def roster_generate(
    *,
    actor: Any,
    unit_id: int,
    month: date,
    leaders: list[int],
    staff: list[int],
    staff_per_shift: int = 1,
    request_meta: RequestMeta | None = None,
) -> RosterMonth:
    """生成值班表: one shift per slot and day of `month`, the leaders and staff rotating in the
    order named (a draft, to be edited by hand and published). Regenerating replaces a draft;
    a published month is changed shift by shift."""
    unit = _office_unit(actor, unit_id)
    first = month.replace(day=1)
    if first < timezone.localdate().replace(day=1):
        raise ValidationFailed("不能为已过去的月份排班。", {"month": "不能为已过去的月份排班。"})
    if not 1 <= staff_per_shift <= 10:
        raise ValidationFailed("每班值班员 1 至 10 人。", {"staff_per_shift": "每班值班员 1 至 10 人。"})
    leader_users = _people(unit, leaders, leaders=True, field="leaders")
    staff_users = _people(unit, staff, leaders=False, field="staff")
    both = {u.pk for u in leader_users} & {u.pk for u in staff_users}
    if both:
        message = "同一人不能同时在带班领导和值班员名单中。"
        raise ValidationFailed(message, {"staff": message})
    if len(staff_users) < staff_per_shift:
        message = f"值班员不足：每班 {staff_per_shift} 人，名单只有 {len(staff_users)} 人。"
        raise ValidationFailed(message, {"staff": message})
    roster = RosterMonth.objects.select_for_update().filter(unit=unit, month=first).first()
    if roster is not None and roster.status == RosterStatus.PUBLISHED:
        raise Conflict(f"{first:%Y年%m月}值班表已发布，请逐班调整。")
    if roster is None:
        roster = RosterMonth.objects.create(
            unit=unit, unit_path=unit.path, month=first, created_by=actor, created_at=timezone.now()
        )
    else:
        ShiftMember.objects.filter(shift__roster=roster).delete()
        roster.shifts.all().delete()
    slots = slots_of(unit)
    shifts: list[Shift] = []
    day = first
    while day < next_month(first):
        for slot in slots:
            start, end = _slot_times(day, slot)
            shifts.append(
                Shift(
                    roster=roster,
                    unit=unit,
                    unit_path=unit.path,
                    label=slot.label,
                    starts_at=start,
                    ends_at=end,
                    leaders_serving=1,  # the members below: one leader and `staff_per_shift` staff
                    staff_serving=staff_per_shift,
                )
            )
        day += timedelta(days=1)
    Shift.objects.bulk_create(shifts)
    members = []
    per_day = len(slots)
    for i, shift in enumerate(shifts):
        leader = leader_users[rotation(i, len(leader_users), per_day)]
        members.append(ShiftMember(shift=shift, user=leader, kind=MemberKind.LEADER))
        for k in range(staff_per_shift):
            person = staff_users[
                rotation(i * staff_per_shift + k, len(staff_users), per_day * staff_per_shift)
            ]
            members.append(ShiftMember(shift=shift, user=person, kind=MemberKind.STAFF))
    ShiftMember.objects.bulk_create(members)
    audit_record(
        actor=actor,
        event=AuditEvent.RECORD_CREATED,
        target=roster,
        target_label=f"{unit.name}{first:%Y年%m月}值班表",
        request_meta=request_meta,
        shifts=len(shifts),
        leaders=[str(u) for u in leader_users],
        staff=[str(u) for u in staff_users],
    )
    return roster


@transaction.atomic
def roster_publish(
    *, actor: Any, roster: RosterMonth, request_meta: RequestMeta | None = None
) -> RosterMonth:
    """发布: the month's shifts count for coverage and 今日值班; each gets its sign-in and
    handover clocks, and everyone on it is told."""
    roster = RosterMonth.objects.select_for_update().select_related("unit").get(pk=roster.pk)
    if roster.status == RosterStatus.PUBLISHED:
        raise Conflict("值班表已发布。")
    shifts = list(roster.shifts.all())
    if not shifts:
        raise Conflict("值班表没有班次，请先生成。")
    roster.status = RosterStatus.PUBLISHED
    roster.published_at = timezone.now()
    roster.published_by = actor
    roster.save(update_fields=["status", "published_at", "published_by"])
    roster.shifts.update(published=True)
    now = timezone.now()
    start_shift_clocks([s for s in shifts if s.ends_at > now], roster.unit.unit_type)
    people = set(ShiftMember.objects.filter(shift__roster=roster).values_list("user_id", flat=True))
    start, _ = month_bounds(roster.month)
    notify(
        recipients=sorted(people),
        kind=NotificationKind.TASK,
        title=f"{roster.unit.name}{roster.month:%Y年%m月}值班表已发布",
        body="请查看您的值班班次；需请假的，请在值班前申请，由办公室负责人安排替班。",
        owner=roster,
        link=f"/duty/rosters/{roster.pk}/",
        dedupe_key=f"duty:roster:{roster.pk}:published",
    )
    audit_record(
        actor=actor,
        event=AuditEvent.STATE_TRANSITION,
        target=roster,
        target_label=f"{roster.unit.name}{roster.month:%Y年%m月}值班表",
        request_meta=request_meta,
        action="publish",
        shifts=len(shifts),
    )
    return roster


def entry_register(
    *,
    actor: User,
    entry: LogEntry,
    category: str,
    not_repeat: bool = False,
    repeat_of: int | None = None,
    request_meta: RequestMeta | None = None,
) -> Any:
    """One click from a call or visit to a registered petition: channel 来电 / 来访, the caller as
    petitioner, the matter as content, the duty officer as 首问责任人. The petition is registered
    by its own service (its checks and word segmentation before it takes SQLite's write lock),
    then the entry is linked by the shift's step. Whatever the step would refuse is asked first
    (the shift still running, the entry open, the actor on duty), so a link refused after the
    registration can only come of a race: the petition then stands, registered and audited, and
    the entry stays open to be closed by hand."""
    from xinfang.petitions.services import PetitionerInput, PetitionInput, petition_register

    if entry.status != EntryStatus.OPEN:
        raise Conflict(f"这条记录已是“{entry.get_status_display()}”。")
    shift = (
        Shift.objects.select_related("unit").prefetch_related("members__user").get(pk=entry.current_shift_id)
    )
    if not ShiftMember.objects.filter(shift=shift, user=actor, serving=True).exists():
        raise PermissionDenied("只有本班次在岗的值班人员可以登记。")
    if "register_entry" not in allowed_actions(shift, actor):
        raise Conflict(f"班次当前为“{shift.get_status_display()}”，不能再登记值班记录。")
    subject = entry.matter.strip().splitlines()[0][:40] if entry.matter.strip() else "来电来访事项"
    data = PetitionInput(
        channel=entry.kind,
        received_at=entry.at,
        subject=subject,
        content=entry.matter,
        category=category,
        problem_unit=shift.unit_id,
        petitioners=[PetitionerInput(name=entry.name, phone=entry.phone)],
        not_repeat=not_repeat,
        repeat_of=repeat_of,
    )
    petition = petition_register(actor=actor, data=data, request_meta=request_meta)
    shift_transition(
        shift=shift,
        action="register_entry",
        actor=actor,
        entry=entry.pk,
        petition=petition.pk,
        request_meta=request_meta,
    )
    return petition


@transaction.atomic
def shift_add(
    *,
    actor: Any,
    unit: Unit,
    starts_at: datetime,
    ends_at: datetime,
    label: str,
    leader: int,
    staff: list[int],
    request_meta: RequestMeta | None = None,
) -> Shift:
    """新增班次 by hand (a special duty, a standby for an event): into that month's roster, with
    its people through the 排班调整 step."""
    if ends_at <= starts_at or (ends_at - starts_at).total_seconds() > DAY_MINUTES * 60:
        message = "班次结束时间须晚于开始时间，且不超过 24 小时。"
        raise ValidationFailed(message, {"ends_at": message})
    local = timezone.localtime(starts_at)
    # a shift that has ended is past; one still running may have started last month (a night shift)
    if ends_at <= timezone.now():
        raise ValidationFailed("不能为已结束的时段排班。", {"ends_at": "不能为已结束的时段排班。"})
    first = local.date().replace(day=1)
    roster = RosterMonth.objects.select_for_update().filter(unit=unit, month=first).first()
    if roster is None:
        roster = RosterMonth.objects.create(
            unit=unit, unit_path=unit.path, month=first, created_by=actor, created_at=timezone.now()
        )
    shift = Shift.objects.create(
        roster=roster,
        unit=unit,
        unit_path=unit.path,
        label=(label or "加班").strip()[:20],
        starts_at=starts_at,
        ends_at=ends_at,
        published=roster.status == RosterStatus.PUBLISHED,
    )
    shift_transition(
        shift=shift, action="staff_shift", actor=actor, leader=leader, staff=staff, request_meta=request_meta
    )
    if shift.published:
        start_shift_clocks([shift], unit.unit_type)
    return shift
