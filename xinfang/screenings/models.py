"""Screening rounds (矛盾纠纷排查, domain.md §8): the schedule per unit type (`ScreeningSchedule`),
the special screenings an office opens (`SpecialScreening` and the units it asks,
`SpecialScreeningUnit`), each round a unit files (`ScreeningRound`) with its history
(`ScreeningRoundEvent`) and its disputes (`ScreeningItem`: found in the round, or carried from
before with their status), and the chase of a round not filed by its cut-off (`ScreeningChase`).

A round is a case of the round machine (`machine/`): filing (报送) and amending (修改) go through
`procedure.engine.transition`. What is *expected* of a unit is not stored: the schedule, the
sensitive periods in force (重点排查) and the special screenings that name it say it."""

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import ItemOrigin, RegularCadence, RoundCadence, RoundStatus, ScreeningKind, SpecialField

OWNER_TYPE = "screenings.screeninground"


class ScreeningSchedule(models.Model):
    """When a unit type screens (a saved row overrides the default in `schedule.DEFAULTS`;
    `active=False` switches that kind off for the type): its regular round (`cadence`, by a
    weekday or a day of the month), the quarterly 三个排查 (a day of the quarter's last month), and
    the key screening of each sensitive period (at `due_time`)."""

    unit_type = models.CharField("单位类型", max_length=30)
    kind = models.CharField("排查类别", max_length=20, choices=ScreeningKind.choices)
    cadence = models.CharField("排查周期", max_length=20, choices=RegularCadence.choices, blank=True)
    weekday = models.PositiveSmallIntegerField("截止星期（1—7）", default=5)
    day = models.PositiveSmallIntegerField("截止日（1—31）", default=24)
    due_time = models.TimeField("截止时刻", default=time(16, 0))
    active = models.BooleanField("启用", default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "排查周期"
        constraints = [models.UniqueConstraint(fields=["unit_type", "kind"], name="screening_schedule_once")]

    def __str__(self) -> str:
        return f"{self.unit_type} {self.get_kind_display()}"


class SpecialScreening(models.Model):
    """A special screening (专项排查) of one field, opened by an office for the units below it (all
    of them, or those it chose), from `starts_on` to `ends_on` (the due day)."""

    unit = models.ForeignKey(
        "organisation.Unit", verbose_name="部署单位", on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    field = models.CharField("排查领域", max_length=20, choices=SpecialField.choices)
    title = models.CharField("名称", max_length=100)
    requirements = models.TextField("排查要求", blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("截止日期")
    due_at = models.DateTimeField("截止时间")
    all_below = models.BooleanField("下级全部单位", default=True)
    target_count = models.PositiveIntegerField("排查单位数", default=0)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="部署人", on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField("部署时间")

    class Meta:
        verbose_name = "专项排查"
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["unit_path", "opened_at"], name="special_screening_scope")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="special_screening_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()}专项排查：{self.title}"


class SpecialScreeningUnit(models.Model):
    """A unit a special screening asks for a round (written when it is opened)."""

    special = models.ForeignKey(SpecialScreening, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["special", "unit"], name="special_screening_unit_once")
        ]
        indexes = [models.Index(fields=["unit_path"], name="special_target_path")]


class ScreeningRound(models.Model):
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField("排查类别", max_length=20, choices=ScreeningKind.choices)
    cadence = models.CharField("排查周期", max_length=20, choices=RoundCadence.choices, blank=True)
    # what makes a round once per unit: "weekly:2026-03-02", "quarterly:2026-01-01",
    # "key:<sensitive period id>", "special:<special screening id>"
    period_key = models.CharField("期间标识", max_length=60)
    period_label = models.CharField("所属期间", max_length=120)
    period_start = models.DateField("所属期间起")
    period_end = models.DateField("所属期间止")
    due_at = models.DateTimeField("截止时间")
    on_time = models.BooleanField("按时报送")
    sensitive_period = models.ForeignKey(
        "deadlines.SensitivePeriod",
        verbose_name="敏感时期",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    special = models.ForeignKey(
        SpecialScreening,
        verbose_name="专项排查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    screened_by = models.CharField("排查人员", max_length=200)
    screened_at = models.DateTimeField("排查时间")
    summary = models.TextField("排查情况")
    disorder = models.TextField("治安乱点", blank=True)  # the quarterly 三个排查's second section
    hazards = models.TextField("安全隐患", blank=True)  # … and its third (safety and fire hazards)
    found_count = models.PositiveIntegerField("本轮发现", default=0)
    carried_count = models.PositiveIntegerField("往期结转", default=0)
    status = models.CharField("状态", max_length=20, choices=RoundStatus.choices, default="")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField("报送时间")

    class Meta:
        verbose_name = "矛盾纠纷排查"
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["unit_path", "filed_at"], name="screening_scope_filed"),
            models.Index(fields=["unit_path", "period_start"], name="screening_scope_period"),
        ]
        constraints = [models.UniqueConstraint(fields=["unit", "period_key"], name="screening_round_once")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"排查{timezone.localtime(self.filed_at):%Y%m%d}-{self.pk or 0:05d}"

    @property
    def is_zero(self) -> bool:
        """Nothing found (零报告): still a filed round."""
        return self.found_count == 0


class ScreeningRoundEvent(models.Model):
    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]


class ScreeningItem(models.Model):
    """A dispute on a round's list: found in it (registered through the disputes' machine) or
    carried from before, still unresolved, with its status when the round was filed."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="items")
    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.PROTECT, related_name="+")
    origin = models.CharField("来源", max_length=10, choices=ItemOrigin.choices)
    status = models.CharField("报送时状态", max_length=20)
    status_label = models.CharField("报送时状态", max_length=20)

    class Meta:
        verbose_name = "排查纠纷"
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["round", "dispute"], name="screening_item_once")]


class ScreeningChase(models.Model):
    """A round not filed at its cut-off, chased once (催报): the unit's screeners and its head
    were told. Counted per unit for assessment."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=ScreeningKind.choices)
    period_key = models.CharField(max_length=60)
    period_start = models.DateField()
    due_at = models.DateTimeField()
    chased_at = models.DateTimeField()

    class Meta:
        verbose_name = "排查催报记录"
        constraints = [models.UniqueConstraint(fields=["unit", "period_key"], name="screening_chase_once")]
        indexes = [models.Index(fields=["unit_path", "due_at"], name="screening_chase_scope")]
