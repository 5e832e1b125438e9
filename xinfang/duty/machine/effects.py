"""Effects of the duty steps: who serves (排班调整, 请假, 准假替班, 换班), being on duty (签到, 离岗,
值班记录), and the handover (交班, 接收, 退回, 签字, 交班完成)."""

from datetime import datetime

from django.db.models import Q

from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of
from xinfang.accounts.roles import Role
from xinfang.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinfang.organisation.models import Unit
from xinfang.procedure.machine import Change, Notice

from ..choices import SETTLED_ITEMS, EntryStatus, ItemKind, ItemStatus, LeaveStatus, MemberKind, ShiftStatus
from ..models import Handover, HandoverItem, LogEntry, Shift, ShiftEvent, ShiftMember, recount

LEADER_ROLES = frozenset({Role.LEADER, Role.PRINCIPAL})
CHECK_IN_EARLY_MINUTES = 60  # a shift may be signed in to from an hour before it starts


# --- who serves ----------------------------------------------------------------------------------


def serving(shift: Shift) -> list[ShiftMember]:
    return [m for m in shift.members.all() if m.serving]


def member_of(shift: Shift, user: User | None) -> ShiftMember | None:
    if user is None:
        return None
    return next((m for m in serving(shift) if m.user_id == user.pk), None)


def _unit_user(shift: Shift, user_id: int, label: str, field: str, *, leader: bool) -> User:
    """An active user of the shift's unit (a leader when `leader`): one answer for every miss."""
    user = User.objects.filter(pk=user_id, is_active=True, unit_id=shift.unit_id).first()
    if user is None or (leader and not (user.role_codes & LEADER_ROLES)):
        kind = "领导" if leader else "人员"
        message = f"{label}须为{shift.unit.name}的在职{kind}。"
        raise ValidationFailed(message, {field: message})
    return user


def busy_elsewhere(user_id: int, shift: Shift, *, besides: tuple[int, ...] = ()) -> Shift | None:
    """Another published shift (of any unit) on which `user_id` serves at a time overlapping
    `shift`: nobody serves two posts at once."""
    return (
        Shift.objects.filter(
            members__user_id=user_id,
            members__serving=True,
            published=True,
            starts_at__lt=shift.ends_at,
            ends_at__gt=shift.starts_at,
        )
        .exclude(pk__in=(shift.pk, *besides))
        .select_related("unit")
        .first()
    )


def _busy_refusal(user: User, other: Shift) -> Conflict:
    return Conflict(
        f"{user.full_name or user.username}在 {other.starts_at.astimezone():%Y-%m-%d %H:%M} 起的"
        f"{other.unit.name}{other.label}已有值班，不能同时在岗。",
        {"user": user.pk},
    )


def staff_shift(change: Change[Shift]) -> None:
    """排班调整: the shift's 带班领导 and 值班员, set by the office; people moved on a published
    roster are told."""
    shift = change.case
    data = change.input
    leader = _unit_user(shift, data.leader, "带班领导", "leader", leader=True)
    wanted = list(dict.fromkeys(data.staff))
    if not 1 <= len(wanted) <= 10:
        raise ValidationFailed("每班值班员 1 至 10 人。", {"staff": "每班值班员 1 至 10 人。"})
    if leader.pk in wanted:
        raise ValidationFailed("带班领导不能同时作为值班员。", {"staff": "带班领导不能同时作为值班员。"})
    staff = [_unit_user(shift, pk, "值班员", "staff", leader=False) for pk in wanted]
    if shift.published:
        for user in (leader, *staff):
            if (other := busy_elsewhere(user.pk, shift)) is not None:
                raise _busy_refusal(user, other)
    before = {m.user_id for m in serving(shift)}
    after = {leader.pk, *(u.pk for u in staff)}
    change.data.update(
        leader=leader.pk,
        leader_name=str(leader),
        staff=[u.pk for u in staff],
        staff_names=[str(u) for u in staff],
    )

    def write() -> None:
        # substitutes first: a 替班 row protects the row of the person it replaces
        shift.members.filter(replaces__isnull=False).delete()
        shift.members.all().delete()
        ShiftMember.objects.bulk_create(
            [ShiftMember(shift=shift, user=leader, kind=MemberKind.LEADER)]
            + [ShiftMember(shift=shift, user=u, kind=MemberKind.STAFF) for u in staff]
        )
        recount(Shift.objects.filter(pk=shift.pk))

    change.after_save.append(write)
    if shift.published:
        moved = sorted(before ^ after)
        if moved:
            change.notices.append(
                Notice(
                    moved,
                    f"值班安排调整：{shift.number}",
                    f"{shift.unit.name}调整了 {shift.starts_at.astimezone():%m月%d日 %H:%M} 起的{shift.label}值班人员，请查看值班表。",
                )
            )


def request_leave(change: Change[Shift]) -> None:
    shift = change.case
    data = change.input
    for_other = data.user is not None and change.actor is not None and data.user != change.actor.pk
    if for_other and not (
        change.actor is not None
        and "duty.roster" in capabilities_of(change.actor)
        and Unit.covers_path(shift.unit_path, change.actor.unit)
    ):
        raise PermissionDenied("只有办公室可以为他人申请请假。")
    member = (
        member_of(shift, change.actor)
        if data.user is None
        else next((m for m in serving(shift) if m.user_id == data.user), None)
    )
    if member is None:
        message = "请假人须为本班次在岗人员。"
        raise ValidationFailed(message, {"user": message})
    if member.leave == LeaveStatus.REQUESTED:
        raise Conflict(f"{member.user}已申请请假，待办公室负责人批准。")
    member.leave = LeaveStatus.REQUESTED
    member.leave_reason = data.reason
    change.data.update(user=member.user_id, user_name=str(member.user), reason=data.reason)
    change.after_save.append(lambda: member.save(update_fields=["leave", "leave_reason"]))
    from ..clocks import office_heads

    heads = [pk for pk in office_heads(shift.unit_path) if pk != member.user_id]
    change.notices.append(
        Notice(heads, f"请假待批准：{shift.number}", "值班人员申请请假，请批准并安排同职责的替班人。")
    )


def reject_leave(change: Change[Shift]) -> None:
    """不准假 by the office head, or 撤回 by the person who asked: the request is gone and they
    serve as rostered; a new request may follow."""
    shift, data = change.case, change.input
    member = next(
        (m for m in serving(shift) if m.user_id == data.user and m.leave == LeaveStatus.REQUESTED), None
    )
    if member is None:
        message = "该人员没有待批准的请假。"
        raise ValidationFailed(message, {"user": message})
    actor = change.actor
    withdrawn = actor is not None and actor.pk == member.user_id
    if not withdrawn and not (actor is None or "duty.manage" in capabilities_of(actor)):
        raise PermissionDenied("只有办公室负责人可以不准假；本人可以撤回。")
    member.leave = LeaveStatus.NONE
    member.leave_reason = ""
    change.data.update(user=member.user_id, user_name=str(member.user), withdrawn=withdrawn)
    change.after_save.append(lambda: member.save(update_fields=["leave", "leave_reason"]))
    if not withdrawn:
        change.notices.append(
            Notice(
                [member.user_id], f"请假未获批准：{shift.number}", "请按值班表值班；如有困难请与办公室联系。"
            )
        )


def approve_leave(change: Change[Shift]) -> None:
    """准假替班: the office head names a substitute of the same kind, free at that time."""
    shift = change.case
    data = change.input
    member = next(
        (m for m in serving(shift) if m.user_id == data.user and m.leave == LeaveStatus.REQUESTED), None
    )
    if member is None:
        message = "该人员没有待批准的请假。"
        raise ValidationFailed(message, {"user": message})
    if change.actor is not None and member.user_id == change.actor.pk:
        raise PermissionDenied("不能批准本人的请假，请由其他负责人批准。")
    leader = member.kind == MemberKind.LEADER
    substitute = _unit_user(shift, data.substitute, "替班人", "substitute", leader=leader)
    if not leader and substitute.role_codes & LEADER_ROLES:
        message = "值班员的替班人须为值班人员，不能由领导替班员岗。"
        raise ValidationFailed(message, {"substitute": message})
    if any(m.user_id == substitute.pk for m in shift.members.all()):
        raise Conflict(f"{substitute}已排在本班次（含请假），不能替班。", {"substitute": substitute.pk})
    if (other := busy_elsewhere(substitute.pk, shift)) is not None:
        raise _busy_refusal(substitute, other)
    member.serving = False
    member.leave = LeaveStatus.APPROVED
    change.data.update(
        user=member.user_id,
        user_name=str(member.user),
        substitute=substitute.pk,
        substitute_name=str(substitute),
    )

    def write() -> None:
        member.save(update_fields=["serving", "leave"])
        ShiftMember.objects.create(shift=shift, user=substitute, kind=member.kind, replaces=member)
        recount(Shift.objects.filter(pk=shift.pk))

    change.after_save.append(write)
    when = f"{shift.starts_at.astimezone():%m月%d日 %H:%M} 起的{shift.label}"
    change.notices.append(
        Notice([member.user_id], f"请假已批准：{shift.number}", f"{when}由{substitute}替班。")
    )
    change.notices.append(
        Notice(
            [substitute.pk],
            f"替班安排：{shift.number}",
            f"请于{when}替{member.user}值班（{member.get_kind_display()}）。",
        )
    )


def swap(change: Change[Shift]) -> None:
    """换班 between two people of the same kind on two shifts, approved by the office head."""
    shift = change.case
    data = change.input
    mine = next((m for m in serving(shift) if m.user_id == data.user), None)
    if mine is None:
        raise ValidationFailed("本班次没有该人员。", {"user": "本班次没有该人员。"})
    other_shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk=data.other_shift, unit_id=shift.unit_id)
        .first()
    )
    if other_shift is None or other_shift.pk == shift.pk:
        raise ValidationFailed(
            "对换班次须为本单位的其他班次。", {"other_shift": "对换班次须为本单位的其他班次。"}
        )
    if (
        other_shift.status != ShiftStatus.PLANNED
        or other_shift.starts_at <= change.now
        or not other_shift.published
    ):
        raise Conflict("对换班次须为已发布、尚未开始的班次。", {"other_shift": other_shift.pk})
    theirs = (
        ShiftMember.objects.filter(shift=other_shift, user_id=data.other_user, serving=True)
        .select_related("user")
        .first()
    )
    if theirs is None:
        raise ValidationFailed("对方班次没有该人员。", {"other_user": "对方班次没有该人员。"})
    if mine.leave or theirs.leave or mine.replaces_id or theirs.replaces_id:
        raise Conflict("有请假或替班安排的人员不能换班，请先处理请假。")
    if theirs.kind != mine.kind:
        raise ValidationFailed(
            "带班领导只能与带班领导换班，值班员只能与值班员换班。", {"other_user": "职责不同，不能换班。"}
        )
    if ShiftMember.objects.filter(shift=other_shift, user_id=mine.user_id, serving=True).exists() or any(
        m.user_id == theirs.user_id for m in serving(shift)
    ):
        raise Conflict("换班后同一人将在同一班次值两个岗，不能换班。")
    for user, target in ((mine.user, other_shift), (theirs.user, shift)):
        if (busy := busy_elsewhere(user.pk, target, besides=(shift.pk, other_shift.pk))) is not None:
            raise _busy_refusal(user, busy)
    change.data.update(
        user=mine.user_id,
        user_name=str(mine.user),
        other_shift=other_shift.pk,
        other_shift_label=other_shift.number,
        other_user=theirs.user_id,
        other_user_name=str(theirs.user),
    )

    def write() -> None:
        ShiftMember.objects.filter(pk=mine.pk).update(user_id=theirs.user_id)
        ShiftMember.objects.filter(pk=theirs.pk).update(user_id=mine.user_id)
        ShiftEvent.objects.create(
            shift=other_shift,
            action="swap",
            from_status=other_shift.status,
            to_status=other_shift.status,
            actor=change.actor,
            note=change.note,
            data={**change.data, "other_shift": shift.pk, "other_shift_label": shift.number},
            created_at=change.now,
        )

    change.after_save.append(write)
    body = f"{mine.user}与{theirs.user}对换：{shift.number} ↔ {other_shift.number}，请查看值班表。"
    change.notices.append(Notice([mine.user_id, theirs.user_id], f"换班已批准：{shift.number}", body))


# --- on duty ---------------------------------------------------------------------------------------


def _me(change: Change[Shift]) -> ShiftMember:
    member = member_of(change.case, change.actor)
    assert member is not None  # the party let only serving members through
    return member


def check_in(change: Change[Shift]) -> None:
    shift, member = change.case, _me(change)
    if member.checked_in_at is not None:
        raise Conflict(f"您已于 {member.checked_in_at.astimezone():%H:%M} 签到。")
    minutes_early = (shift.starts_at - change.now).total_seconds() / 60
    if minutes_early > CHECK_IN_EARLY_MINUTES:
        raise Conflict(f"本班次 {shift.starts_at.astimezone():%m-%d %H:%M} 开始，开始前 1 小时内方可签到。")
    if change.now >= shift.ends_at:
        raise Conflict("本班次已结束，不能签到。")
    member.checked_in_at = change.now
    late = (change.now - shift.starts_at).total_seconds() / 60
    change.data.update(
        user=member.user_id, user_name=str(member.user), kind=member.kind, late_minutes=max(0, int(late))
    )
    change.after_save.append(lambda: member.save(update_fields=["checked_in_at"]))


def check_out(change: Change[Shift]) -> None:
    """离岗: recorded with the time; before the shift's end it is leaving the post."""
    shift, member = change.case, _me(change)
    if member.checked_in_at is None:
        raise Conflict("您尚未签到。")
    if member.checked_out_at is not None:
        raise Conflict("您已离岗。")
    member.checked_out_at = change.now
    early = int((shift.ends_at - change.now).total_seconds() // 60)
    change.data.update(user=member.user_id, user_name=str(member.user), early_minutes=max(0, early))
    change.after_save.append(lambda: member.save(update_fields=["checked_out_at"]))


def log_entry(change: Change[Shift]) -> None:
    """值班记录: a call or visit on the shift; an urgent one goes to the 带班领导 at once."""
    shift, data = change.case, change.input
    at: datetime = data.at or change.now
    if not shift.starts_at <= at <= max(change.now, shift.starts_at):
        message = f"时间须在本班次开始（{shift.starts_at.astimezone():%m-%d %H:%M}）之后、不晚于现在。"
        raise ValidationFailed(message, {"at": message})
    assert change.actor is not None
    entry = LogEntry(
        shift=shift,
        current_shift=shift,
        kind=str(data.kind),
        at=at,
        name=data.name,
        phone=data.phone,
        matter=data.matter,
        action_taken=data.action_taken,
        urgent=data.urgent,
        recorded_by=change.actor,
        recorded_at=change.now,
    )

    def write() -> None:
        entry.save()
        change.data["entry"] = entry.pk
        if entry.urgent:
            from ..clocks import start_urgent_clock

            start_urgent_clock(entry, change.now)

    change.after_save.append(write)
    change.data.update(kind=str(data.kind), urgent=data.urgent)
    if data.urgent:
        leaders = [m.user_id for m in serving(shift) if m.kind == MemberKind.LEADER]
        change.notices.append(
            Notice(
                leaders,
                f"紧急事项：{shift.unit.name}值班室",
                f"{entry.get_kind_display()}（{at.astimezone():%H:%M}）紧急事项，请带班领导立即处置并在值班记录中确认。",
                kind="urgent",
            )
        )


def _entry(change: Change[Shift], *, urgent: bool = False) -> LogEntry:
    shift = change.case
    entry = LogEntry.objects.filter(pk=change.input.entry, current_shift=shift).first()
    if entry is None:
        message = "本班次没有这条值班记录。"
        raise ValidationFailed(message, {"entry": message})
    if urgent and not entry.urgent:
        raise Conflict("这条记录不是紧急事项。")
    return entry


def acknowledge(change: Change[Shift]) -> None:
    """The 带班领导 confirms an urgent entry (the 10-minute clock stops)."""
    entry = _entry(change, urgent=True)
    if entry.acknowledged_at is not None:
        raise Conflict(f"该紧急事项已于 {entry.acknowledged_at.astimezone():%H:%M} 确认。")
    entry.acknowledged_at = change.now
    entry.acknowledged_by = change.actor
    change.data.update(entry=entry.pk)

    def write() -> None:
        entry.save(update_fields=["acknowledged_at", "acknowledged_by"])
        from ..clocks import stop_urgent_clock

        stop_urgent_clock(entry, change.now)

    change.after_save.append(write)


def close_entry(change: Change[Shift]) -> None:
    entry = _entry(change)
    if entry.status != EntryStatus.OPEN:
        raise Conflict(f"这条记录已是“{entry.get_status_display()}”。")
    entry.action_taken = change.input.action_taken
    entry.status = EntryStatus.ANSWERED if change.input.consultation else EntryStatus.CLOSED
    change.data.update(entry=entry.pk, status=entry.status)
    change.after_save.append(lambda: entry.save(update_fields=["action_taken", "status"]))


def register_entry(change: Change[Shift]) -> None:
    """Links an entry to the petition registered from it (the petition's own service registered
    it first, outside this step: `services.entry_register`)."""
    entry = _entry(change)
    if entry.status != EntryStatus.OPEN:
        raise Conflict(f"这条记录已是“{entry.get_status_display()}”。")
    from xinfang.petitions.models import Petition

    petition = Petition.objects.filter(
        pk=change.input.petition,
        registered_by=change.actor,
        channel=entry.kind,
        created_at__gte=entry.recorded_at,
    ).first()
    if petition is None or LogEntry.objects.filter(petition_id=petition.pk).exists():
        message = "信访件须为您根据这条记录新登记的来电或来访件。"
        raise ValidationFailed(message, {"petition": message})
    entry.status = EntryStatus.REGISTERED
    entry.petition_id = petition.pk
    entry.petition_number = petition.number
    change.data.update(entry=entry.pk, petition=petition.pk, petition_number=petition.number)
    change.after_save.append(lambda: entry.save(update_fields=["status", "petition_id", "petition_number"]))


# --- handover ------------------------------------------------------------------------------------


def next_shift(shift: Shift) -> Shift | None:
    """The shift that takes over: the unit's published shift running when this one ends (a 备勤
    added inside this one is not it), else the first to start after."""
    rows = (
        Shift.objects.filter(unit_id=shift.unit_id, published=True)
        .exclude(pk=shift.pk)
        .prefetch_related("members")
    )
    running = rows.filter(
        starts_at__lte=shift.ends_at, ends_at__gt=shift.ends_at, starts_at__gt=shift.starts_at
    )
    return (
        running.order_by("starts_at", "pk").first()
        or rows.filter(starts_at__gte=shift.ends_at).order_by("starts_at", "pk").first()
    )


def _unfinished(shift: Shift) -> list[HandoverItem]:
    """What the shift leaves unfinished: its open entries, its unacknowledged urgent ones, the
    petitions its people registered on it that nobody has routed yet, and the unit's incidents
    still open (the next shift sends their follow-up reports)."""
    from xinfang.incidents.choices import IncidentStatus
    from xinfang.incidents.models import Incident
    from xinfang.petitions.choices import PetitionStatus
    from xinfang.petitions.models import Petition

    items = []
    for entry in LogEntry.objects.filter(current_shift=shift).filter(
        Q(status=EntryStatus.OPEN) | Q(urgent=True, acknowledged_at__isnull=True)
    ):
        kind = ItemKind.URGENT if entry.urgent and entry.acknowledged_at is None else ItemKind.ENTRY
        text = f"{entry.get_kind_display()} {entry.at.astimezone():%m-%d %H:%M} {entry.name}：{entry.matter}"
        items.append(HandoverItem(kind=kind, entry=entry, text=text[:300]))
    people = [m.user_id for m in shift.members.all()]
    petitions = Petition.objects.filter(
        registered_by_id__in=people,
        created_at__gte=shift.starts_at,
        created_at__lt=shift.ends_at,
        status=PetitionStatus.REGISTERED,
    ).values_list("pk", "number", "subject")[:100]
    for pk, number, subject in petitions:
        items.append(
            HandoverItem(
                kind=ItemKind.PETITION, petition_id=pk, text=f"信访件 {number} {subject}（待受理）"[:300]
            )
        )
    for incident in Incident.objects.filter(unit_id=shift.unit_id).exclude(status=IncidentStatus.CLOSED)[:50]:
        due = incident.next_report_due
        label = "首报" if incident.next_report_kind == "first" else "续报"
        when = f"，下次{label} {due.astimezone():%m-%d %H:%M} 前" if due else ""
        text = f"突发事件 {incident.number} {incident.title}（{incident.get_status_display()}{when}）"
        items.append(HandoverItem(kind=ItemKind.INCIDENT, text=text[:300]))
    return items


def _incident_key(item: HandoverItem) -> str:
    """An incident's item is known by the incident's number (its text also says the next report's
    time, which moves)."""
    return item.text.split("（")[0]


def hand_over(change: Change[Shift]) -> None:
    """交班: lists what is unfinished for the next shift, with the officer's note. Handing over
    again after a return puts the returned items back (or marks them done by the outgoing shift)."""
    shift = change.case
    incoming = next_shift(shift)
    if incoming is None:
        raise Conflict("本单位没有已发布的下一班次，无法交班；请先发布下一时段的值班表。")
    found = _unfinished(shift)
    note = change.note.strip()
    existing = getattr(shift, "handover", None) if hasattr(shift, "handover") else None
    change.data.update(to_shift=incoming.pk, to_shift_label=incoming.number)

    if shift.signed_at is not None:  # handed over again: the leader signs what is handed over now
        shift.signed_at = None
        shift.signed_by = None
        change.memo["fields"] = ["signed_at", "signed_by"]

    def write() -> None:
        handover = existing or Handover(shift=shift, handed_by=change.actor, handed_at=change.now)
        handover.to_shift = incoming
        handover.note = note or handover.note
        handover.handed_by = change.actor  # type: ignore[assignment]
        handover.handed_at = change.now
        handover.save()
        kept = list(handover.items.all()) if existing else []
        known_entries = {i.entry_id for i in kept if i.entry_id}
        known_petitions = {i.petition_id for i in kept if i.petition_id}
        known_incidents = {_incident_key(i) for i in kept if i.kind == ItemKind.INCIDENT}
        found_incidents = {_incident_key(f) for f in found if f.kind == ItemKind.INCIDENT}
        for item in kept:
            if item.status == ItemStatus.RETURNED:
                still = (
                    any(
                        (f.entry_id and f.entry_id == item.entry_id)
                        or (f.petition_id and f.petition_id == item.petition_id)
                        for f in found
                    )
                    or item.kind == ItemKind.NOTE
                    or (item.kind == ItemKind.INCIDENT and _incident_key(item) in found_incidents)
                )
                item.status = ItemStatus.PENDING if still else ItemStatus.SETTLED
                item.save(update_fields=["status"])
        new = [
            f
            for f in found
            if not (
                (f.entry_id and f.entry_id in known_entries)
                or (f.petition_id and f.petition_id in known_petitions)
                or (f.kind == ItemKind.INCIDENT and _incident_key(f) in known_incidents)
            )
        ]
        if note and not existing:
            new.append(HandoverItem(kind=ItemKind.NOTE, text=note[:300]))
        for item in new:
            item.handover = handover
        HandoverItem.objects.bulk_create(new)
        change.data["items"] = handover.items.count()

    change.after_save.append(write)
    receivers = [m.user_id for m in incoming.members.all() if m.serving]
    change.notices.append(
        Notice(
            receivers,
            f"交接班待接收：{shift.number}",
            f"{shift.unit.name}{shift.label}已交班，请逐项接收或退回。",
        )
    )


def _item(change: Change[Shift]) -> HandoverItem:
    handover = getattr(change.case, "handover", None)
    item = None if handover is None else handover.items.filter(pk=change.input.item).first()
    if item is None:
        message = "没有这项交接事项。"
        raise ValidationFailed(message, {"item": message})
    if item.status != ItemStatus.PENDING:
        raise Conflict(f"该事项已是“{item.get_status_display()}”。")
    return item


def accept_item(change: Change[Shift]) -> None:
    item = _item(change)
    item.status = ItemStatus.ACCEPTED
    item.decided_by = change.actor
    item.decided_at = change.now
    to_shift = change.case.handover.to_shift
    change.data.update(item=item.pk, kind=item.kind)

    def write() -> None:
        item.save(update_fields=["status", "decided_by", "decided_at"])
        if item.entry_id is not None:  # the next shift now answers for it
            LogEntry.objects.filter(pk=item.entry_id).update(current_shift=to_shift)

    change.after_save.append(write)


def return_item(change: Change[Shift]) -> None:
    item = _item(change)
    item.status = ItemStatus.RETURNED
    item.reason = change.input.reason
    item.decided_by = change.actor
    item.decided_at = change.now
    change.data.update(item=item.pk, kind=item.kind, reason=item.reason)
    change.after_save.append(
        lambda: item.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    )
    outgoing = [m.user_id for m in serving(change.case)]
    change.notices.append(
        Notice(
            outgoing, f"交接事项被退回：{change.case.number}", "接班人退回一项交接事项，请处理后重新交班。"
        )
    )


def open_items(shift: Shift) -> list[HandoverItem]:
    handover = getattr(shift, "handover", None)
    if handover is None:
        return []
    return [i for i in handover.items.all() if i.status not in SETTLED_ITEMS]


def sign(change: Change[Shift]) -> None:
    shift = change.case
    if shift.signed_at is not None:
        raise Conflict("带班领导已签字。")
    shift.signed_by = change.actor
    shift.signed_at = change.now
    change.memo["fields"] = ["signed_by", "signed_at"]


def close(change: Change[Shift]) -> None:
    shift = change.case
    shift.closed_at = change.now
    change.memo["fields"] = ["closed_at"]
    change.data["items"] = shift.handover.items.count()
