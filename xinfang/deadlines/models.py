"""The holiday calendar (节假日安排) and the stored deadlines that other apps attach to records."""

from datetime import date, datetime

from django.conf import settings
from django.db import models

from .engine import UNIT_LABELS, Unit


class CalendarSource(models.TextChoices):
    PACKAGE = "package", "随系统发布"
    ADMIN = "admin", "管理员录入"


class CalendarDay(models.Model):
    """One day that differs from the Monday–Friday rule: a statutory day off or a 调休 workday."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("节日名称", max_length=60, blank=True)
    source = models.CharField(
        "来源", max_length=10, choices=CalendarSource.choices, default=CalendarSource.ADMIN
    )
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "节假日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """A year the calendar knows about. `is_complete` means the State Council's schedule is in.

    Every change to the year's days bumps `revision`, so that `selectors.calendar_load` can tell
    with one aggregate query whether its in-process copy is still current.
    """

    year = models.PositiveSmallIntegerField("年份", unique=True)
    is_complete = models.BooleanField("已完整录入", default=False)
    source = models.CharField(
        "来源", max_length=10, choices=CalendarSource.choices, default=CalendarSource.ADMIN
    )
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "节假日年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} 年（{'已完整录入' if self.is_complete else '未完整录入'}）"


UNIT_CHOICES = [(unit.value, UNIT_LABELS[unit]) for unit in Unit]


class Deadline(models.Model):
    """A time limit attached to a record of another app (`owner_type`, `owner_id`).

    Written only by `services`. `pauses` is a JSON list of {"from": ISO, "to": ISO | null}
    (dates for day units, datetimes for hours and minutes). `due_date` is the local due day and
    `due_at` the moment the limit runs out, for every unit: for hours and minutes the computed
    time, for day units the END of the due day in Asia/Shanghai (23:59:59.999999, engine
    `end_of_day`), so a day-unit clock is overdue from the next day's midnight on. Both are null
    while an open pause stops the clock.

    `overdue_flagged_at` is when the sweep handed the row, overdue, to its owner's clock handler:
    each clock is flagged once; a new due time (extension, resume, holiday change) clears it.
    The partial index `deadline_overdue_pending` holds only the open, unflagged rows, so a sweep
    with nothing due is one index seek however many clocks there are.
    """

    owner_type = models.CharField("所属对象类型", max_length=60)
    owner_id = models.BigIntegerField("所属对象编号")
    rule = models.CharField("期限规则", max_length=60)
    start = models.DateTimeField("起算时间")
    start_date = models.DateField("起算日期")
    amount = models.PositiveIntegerField("期限数值")
    unit = models.CharField("期限单位", max_length=20, choices=UNIT_CHOICES)
    extension_days = models.PositiveIntegerField("延长天数", default=0)
    pauses = models.JSONField("暂停记录", default=list, blank=True)
    due_date = models.DateField("届满日期", null=True, blank=True)
    due_at = models.DateTimeField("届满时间", null=True, blank=True)
    overdue_flagged_at = models.DateTimeField("逾期处理时间", null=True, blank=True)
    is_open = models.BooleanField("进行中", default=True, db_index=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    missing_years = models.JSONField("缺少节假日数据的年份", default=list, blank=True)
    calendar_version = models.CharField("节假日数据版本", max_length=40, blank=True)
    explanation = models.JSONField("计算说明", default=list, blank=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "期限"
        indexes = [
            models.Index(fields=["is_open", "due_date"], name="deadline_open_due"),
            models.Index(fields=["owner_type", "owner_id"], name="deadline_owner"),
            # the sweep: open clocks not yet flagged overdue, by due time
            models.Index(
                fields=["due_at"],
                condition=models.Q(is_open=True, overdue_flagged_at__isnull=True),
                name="deadline_overdue_pending",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=1), name="deadline_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(unit__in=[unit.value for unit in Unit]),
                name="deadline_unit_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_type}#{self.owner_id} {self.rule} {self.amount}{self.get_unit_display()}"

    @property
    def is_paused(self) -> bool:
        return any(pause.get("to") is None for pause in self.pauses)

    @property
    def due(self) -> date | datetime | None:
        """The due date (day units) or due time (hours and minutes), None while paused."""
        return self.due_at if self.unit in (Unit.HOURS, Unit.MINUTES) else self.due_date


RULE_UNIT_CHOICES = [(unit.value, UNIT_LABELS[unit]) for unit in Unit if unit != Unit.MONTHS]


class DeadlineRuleSetting(models.Model):
    """An internal target (内部时限) that replaces the law's value of one registered rule
    (`registry.register_rule`), in any unit comparable with the law's.

    `unit_type` is a value of `organisation.UnitType`, or "" for every unit type (the
    installation-wide default). Written only by `services.rule_setting_save` / `_clear`, which
    refuse targets longer than the law; read through `selectors.rule_for`.
    """

    unit_type = models.CharField("单位类型", max_length=30, blank=True)
    rule = models.CharField("期限规则", max_length=60)
    amount = models.PositiveIntegerField("期限数值")
    unit = models.CharField("期限单位", max_length=20, choices=RULE_UNIT_CHOICES)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "期限规则设置"
        ordering = ["rule", "unit_type"]
        constraints = [
            models.UniqueConstraint(fields=["unit_type", "rule"], name="deadline_rule_setting_unique"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=1), name="deadline_rule_setting_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(unit__in=[value for value, _ in RULE_UNIT_CHOICES]),
                name="deadline_rule_setting_unit_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_type or '全部单位类型'} {self.rule} {self.amount}{self.get_unit_display()}"


class SensitiveLevel(models.IntegerChoices):
    """How tense a sensitive period is; 一级 is the strictest."""

    FIRST = 1, "一级（最高）"
    SECOND = 2, "二级"
    THIRD = 3, "三级"


class SensitivePeriod(models.Model):
    """A sensitive period (敏感时期: 全国两会, 国庆节, a local event …) set by an office for its own
    unit and every unit below it. The days run from `starts_on` to `ends_on` inclusive, local time.

    Written only by `sensitive.period_save` / `period_delete`; read through `sensitive.periods_for`
    (the periods in force at a unit: those set by it or any unit above it, one indexed seek per
    unit of its path) and `sensitive.periods_visible_to`.
    """

    name = models.CharField("名称", max_length=60)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    level = models.PositiveSmallIntegerField("等级", choices=SensitiveLevel.choices)
    reason = models.CharField("事由", max_length=500)
    # the kinds of key persons the period concerns (重点人员类别 codes, e.g. 涉军 around 八一): their
    # visits are raised while it is in force
    themes = models.JSONField("关注的重点人员类别", default=list, blank=True)
    unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name="设定单位",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the index below leads with the unit
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设定人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("设定时间")
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "敏感时期"
        ordering = ["starts_on", "id"]
        indexes = [
            # periods_for: unit IN (the ids of a path) AND ends_on >= start AND starts_on <= end
            models.Index(fields=["unit", "ends_on", "starts_on"], name="sensitive_unit_ends"),
            # a date range over every unit in scope (the API's from/to)
            models.Index(fields=["ends_on", "starts_on"], name="sensitive_ends"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="sensitive_period_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=SensitiveLevel.values), name="sensitive_period_level_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_on:%Y-%m-%d}至{self.ends_on:%Y-%m-%d}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class SensitiveLevelRule(models.Model):
    """What a level of sensitive period requires, when an administrator changed the defaults
    (`sensitive.LEVEL_DEFAULTS`). Written only by `sensitive.level_rule_save`."""

    level = models.PositiveSmallIntegerField("等级", choices=SensitiveLevel.choices, unique=True)
    staff_per_shift = models.PositiveSmallIntegerField("每班在岗人数", default=1)
    leader_all_day = models.BooleanField("领导全天在岗", default=False)
    daily_report = models.BooleanField("每日报告", default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "敏感时期等级要求"
        ordering = ["level"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(staff_per_shift__gte=1, staff_per_shift__lte=20),
                name="sensitive_level_rule_staff_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=SensitiveLevel.values), name="sensitive_level_rule_level_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} 每班 {self.staff_per_shift} 人"
