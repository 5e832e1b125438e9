"""Duty (值班): the shifts of a unit's day (`DutySlot`), the month's roster (`RosterMonth`) of
shifts (`Shift`) and who serves on each (`ShiftMember`), the call and visit log (`LogEntry`), the
handover (`Handover`, `HandoverItem`) and each shift's history (`ShiftEvent`).

A shift is a case of the duty machine (`machine/`): every change of its state, its people on
leave, its sign-ins and its handover goes through `procedure.engine.transition`."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import (
    EntryKind,
    EntryStatus,
    ItemKind,
    ItemStatus,
    LeaveStatus,
    MemberKind,
    RosterStatus,
    ShiftStatus,
)

OWNER_TYPE = "duty.shift"


class DutySlot(models.Model):
    """One shift of a unit's day (排班模式): 08:30 for 24 hours, or 白班 08:30 for 9 hours and
    夜班 17:30 for 15 hours. A unit without slots keeps one 24-hour shift from 08:30."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    label = models.CharField("班次", max_length=20)
    starts = models.TimeField("开始时间")
    minutes = models.PositiveIntegerField("时长（分钟）")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["unit", "order", "starts"]
        verbose_name = "班次设置"

    def __str__(self) -> str:
        return f"{self.label} {self.starts:%H:%M}"


class RosterMonth(models.Model):
    """A unit's roster (值班表) for one month: drafted, then published. Coverage and 今日值班 read
    only published months."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    month = models.DateField("月份")  # the first day of the month
    status = models.CharField("状态", max_length=20, choices=RosterStatus.choices, default=RosterStatus.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "值班表"
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="roster_unit_month")]
        indexes = [models.Index(fields=["unit_path", "month"], name="roster_scope_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}值班表"


class Shift(models.Model):
    """One shift (班次) of a roster: from, to, its 带班领导 and 值班员 (`members`)."""

    roster = models.ForeignKey(RosterMonth, on_delete=models.CASCADE, related_name="shifts")
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    label = models.CharField("班次", max_length=20)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    status = models.CharField("状态", max_length=20, choices=ShiftStatus.choices, default=ShiftStatus.PLANNED)
    published = models.BooleanField("已发布", default=False)  # copies the roster's status for the indexes
    # how many 带班领导 and 值班员 serve (leave approved: the substitute counts, not the person):
    # kept by `recount` after every write of the members, so the coverage check of a county reads
    # the shifts alone, without joining and grouping their members
    leaders_serving = models.PositiveSmallIntegerField(default=0, editable=False)
    staff_serving = models.PositiveSmallIntegerField(default=0, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="带班领导签字",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField("签字时间", null=True, blank=True)
    closed_at = models.DateTimeField("交班时间", null=True, blank=True)

    class Meta:
        verbose_name = "班次"
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["unit", "starts_at"], name="shift_unit_start"),
            models.Index(fields=["unit_path", "starts_at"], name="shift_scope_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_has_length")
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%m-%d %H:%M} {self.label}"

    @property
    def number(self) -> str:
        """How messages and the audit log name a shift (its start in local time, not UTC)."""
        return f"值班 {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} {self.label}"


class ShiftMember(models.Model):
    """Who serves on a shift. A person on approved leave stays on the record (`leave`) and the
    substitute (`replaces` them) serves; `serving` is what coverage and 今日值班 count."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("职责", max_length=10, choices=MemberKind.choices)
    serving = models.BooleanField("在岗", default=True)
    leave = models.CharField("请假", max_length=20, choices=LeaveStatus.choices, blank=True, default="")
    leave_reason = models.CharField("请假事由", max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self", verbose_name="替班", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("离岗时间", null=True, blank=True)

    class Meta:
        verbose_name = "值班人员"
        ordering = ["shift", "kind", "pk"]
        indexes = [models.Index(fields=["user", "serving"], name="member_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.user}"


class ShiftEvent(models.Model):
    """One step of a shift's history (the duty machine's timeline)."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]


class LogEntry(models.Model):
    """One call or visit received on a shift (值班记录): the duty officer is its 首问责任人."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="log")
    # the shift now answerable for it: the next shift, once it accepted it at a handover
    current_shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="carried")
    kind = models.CharField("方式", max_length=10, choices=EntryKind.choices)
    at = models.DateTimeField("时间")
    name = models.CharField("来电来访人", max_length=50)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    matter = models.TextField("事由")
    action_taken = models.TextField("处理情况", blank=True)
    urgent = models.BooleanField("紧急", default=False)
    acknowledged_at = models.DateTimeField("领导确认时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=20, choices=EntryStatus.choices, default=EntryStatus.OPEN)
    # the petition this entry was registered as (信访件 id; petitions own that table)
    petition_id = models.BigIntegerField(null=True, blank=True)
    petition_number = models.CharField(max_length=40, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "值班记录"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["current_shift", "status"], name="entry_current_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class Handover(models.Model):
    """交接班: the outgoing shift's written handover to the next shift of its unit."""

    shift = models.OneToOneField(Shift, on_delete=models.CASCADE, related_name="handover")
    to_shift = models.ForeignKey(
        Shift,
        verbose_name="接班班次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taken_over",
    )
    note = models.TextField("交班说明", blank=True)
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handed_at = models.DateTimeField()


class HandoverItem(models.Model):
    """One unfinished matter handed over: the incoming officer accepts it or returns it."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField("类别", max_length=20, choices=ItemKind.choices)
    entry = models.ForeignKey(LogEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    petition_id = models.BigIntegerField(null=True, blank=True)
    text = models.CharField("事项", max_length=300)
    status = models.CharField("状态", max_length=20, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    reason = models.CharField("退回理由", max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]


def recount(shifts: models.QuerySet[Shift]) -> int:
    """Sets `leaders_serving` and `staff_serving` of `shifts` from their members, in one UPDATE."""

    def serving(kind: str) -> Any:
        rows = ShiftMember.objects.filter(shift=models.OuterRef("pk"), serving=True, kind=kind)
        return Coalesce(
            models.Subquery(rows.values("shift").annotate(n=models.Count("pk")).values("n")[:1]), 0
        )

    return shifts.update(leaders_serving=serving(MemberKind.LEADER), staff_serving=serving(MemberKind.STAFF))
