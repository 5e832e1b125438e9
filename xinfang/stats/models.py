"""Summary tables (汇总表) of the petitions, so that the leaders' dashboard, the statistics page
and the reports read a few thousand rows instead of a million petitions.

Each petition contributes to one row of each table. Every write of a petition goes through
`petition_register` or `petition_transition`, which call `services.stats_petition_changed` with
the petition's facts before and after in the same transaction; `services.stats_rebuild` recomputes
all rows from the petitions (the seeder and `manage.py stats_rebuild` use it). Rows are keyed by
the registering unit (登记单位, scope by its path), never by the handling unit, so that a petition
is counted once.

- `MonthlyTally`: unit × month received (Asia/Shanghai) × channel × first-level category, with
  the intake and the numerators and denominators of the key rates. `MonthlyCategoryTally` and
  `MonthlyChannelTally` are the same without the channel or the category, for the pages that do
  not filter by them (a fifth and a tenth of the rows).
- `OpenTally` / `OpenCategoryTally`: the open petitions by unit × status (or × category ×
  channel) × current deadline, so that "overdue today" and "due within 3 working days" are
  range sums for any today. Due dates before `TallyState.overdue_horizon` may be folded into one
  row dated PAST by `stats_compact` (they are overdue for ever after), which keeps the tables
  small when many old matters stay open; NO_DEADLINE stands for "no current deadline".

The other two ways of counting (`Dimension`): by the problem's place (问题属地) and by the unit
responsible for the matter (承办单位: the unit it was transferred or assigned to, else the one that
registered it). `UnitMonthlyTally` (and `UnitMonthlyCategoryTally` without the channel) and
`UnitOpenTally` hold them. There a unit's row is its
subtree: a petition counts in the row of its unit and of every unit above it, so that the rows of
a unit and of its children are read directly (its own level, 本级, is the difference), however
many villages lie below. `visible_depth` keeps the statistics within the reader's scope: a user
sees a petition registered or handled in their unit's subtree, i.e. the users of the units on
the dimension unit's chain down to that depth (see `services.visible_depth`).
"""

from datetime import date

from django.db import models

from .choices import Dimension

PAST = date(1900, 1, 1)
NO_DEADLINE = date(9999, 12, 31)

MEASURES = (
    "intake",
    "collective",
    "skip_level",
    "repeat",
    "accept_decided",
    "accept_timely",
    "answered",
    "answer_timely",
    "first_closed",
    "first_once",
    "evaluated",
    "satisfied",
)


class TallyMeasures(models.Model):
    """Counts of petitions; signed, so that a transient negative delta never trips a CHECK."""

    intake = models.IntegerField("收件数", default=0)
    collective = models.IntegerField("集体访", default=0)
    skip_level = models.IntegerField("越级访", default=0)
    repeat = models.IntegerField("重复件", default=0)
    accept_decided = models.IntegerField("已作出受理决定", default=0)
    accept_timely = models.IntegerField("按期作出受理决定", default=0)
    answered = models.IntegerField("已答复（办理期限已结束）", default=0)
    answer_timely = models.IntegerField("在办理期限内答复", default=0)
    first_closed = models.IntegerField("初信初访已办结", default=0)
    first_once = models.IntegerField("初信初访一次办结", default=0)
    evaluated = models.IntegerField("已评价", default=0)
    satisfied = models.IntegerField("满意及基本满意", default=0)

    class Meta:
        abstract = True


class MonthlyTally(TallyMeasures):
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255)
    month = models.PositiveIntegerField("月份（YYYYMM）")
    channel = models.CharField("来源渠道", max_length=20)
    category = models.ForeignKey(
        "petitions.Category", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = "月度汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month", "channel", "category"], name="stats_monthly_key"
            ),
        ]
        indexes = [models.Index(fields=["month", "unit_path"], name="stats_monthly_scope")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month} {self.channel} {self.category_id}: {self.intake}"


class MonthlyChannelTally(TallyMeasures):
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255)
    month = models.PositiveIntegerField("月份（YYYYMM）")
    channel = models.CharField("来源渠道", max_length=20)

    class Meta:
        verbose_name = "月度渠道汇总"
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "channel"], name="stats_monthly_channel_key"),
        ]
        # covering: the dashboard's sums are read from the index alone
        indexes = [
            models.Index(
                fields=["month", "unit_path", "channel", *MEASURES], name="stats_monthly_channel_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month} {self.channel}: {self.intake}"


class MonthlyCategoryTally(TallyMeasures):
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255)
    month = models.PositiveIntegerField("月份（YYYYMM）")
    category = models.ForeignKey(
        "petitions.Category", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = "月度分类汇总"
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "category"], name="stats_monthly_category_key"),
        ]
        indexes = [models.Index(fields=["month", "unit_path"], name="stats_monthly_category_scope")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month} {self.category_id}: {self.intake}"


class OpenTally(models.Model):
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255)
    status = models.CharField("状态", max_length=20)
    due_date = models.DateField("当前期限")
    count = models.IntegerField("件数", default=0)

    class Meta:
        verbose_name = "在办件汇总"
        constraints = [
            models.UniqueConstraint(fields=["unit", "status", "due_date"], name="stats_open_key"),
        ]
        indexes = [models.Index(fields=["unit_path", "status", "due_date", "count"], name="stats_open_scope")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.status} {self.due_date}: {self.count}"


class OpenCategoryTally(models.Model):
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255)
    channel = models.CharField("来源渠道", max_length=20)
    category = models.ForeignKey(
        "petitions.Category", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_date = models.DateField("当前期限")
    count = models.IntegerField("件数", default=0)

    class Meta:
        verbose_name = "在办件分类汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "channel", "category", "due_date"], name="stats_open_category_key"
            ),
        ]
        # covering, due date first: pages only ever ask for the overdue rows (due before today)
        indexes = [
            models.Index(
                fields=["due_date", "unit_path", "category", "channel", "count"],
                name="stats_open_category_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.channel} {self.category_id} {self.due_date}: {self.count}"


class UnitMonthlyTally(TallyMeasures):
    """Monthly measures by problem unit or responsible unit; see the module docstring."""

    dimension = models.CharField("统计口径", max_length=10, choices=Dimension.choices)
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    parent = models.ForeignKey(
        "organisation.Unit", on_delete=models.PROTECT, related_name="+", null=True, db_index=False
    )
    visible_depth = models.PositiveSmallIntegerField("可见层级")
    month = models.PositiveIntegerField("月份（YYYYMM）")
    channel = models.CharField("来源渠道", max_length=20)
    category = models.ForeignKey(
        "petitions.Category", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = "月度汇总（按问题属地、承办单位）"
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "unit", "visible_depth", "month", "channel", "category"],
                name="stats_unit_monthly_key",
            ),
        ]
        # read only with a channel (UnitMonthlyCategoryTally serves the rest): channel first
        indexes = [
            models.Index(
                fields=["dimension", "channel", "parent", "month", "visible_depth", "category"],
                name="stats_unit_channel_children",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.dimension} {self.unit_id} {self.month} {self.channel} {self.category_id}: {self.intake}"
        )


class UnitMonthlyCategoryTally(TallyMeasures):
    """`UnitMonthlyTally` without the channel, for the pages that do not filter by it (a sixth of
    the rows)."""

    dimension = models.CharField("统计口径", max_length=10, choices=Dimension.choices)
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    parent = models.ForeignKey(
        "organisation.Unit", on_delete=models.PROTECT, related_name="+", null=True, db_index=False
    )
    visible_depth = models.PositiveSmallIntegerField("可见层级")
    month = models.PositiveIntegerField("月份（YYYYMM）")
    category = models.ForeignKey(
        "petitions.Category", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = "月度分类汇总（按问题属地、承办单位）"
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "unit", "visible_depth", "month", "category"],
                name="stats_unit_category_key",
            ),
        ]
        # covering: the children's sums are read from the index alone
        indexes = [
            models.Index(
                fields=["dimension", "parent", "month", "visible_depth", "unit", "category", *MEASURES],
                name="stats_unit_category_children",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.unit_id} {self.month} {self.category_id}: {self.intake}"


class UnitOpenTally(models.Model):
    """Open petitions by problem unit or responsible unit and current deadline."""

    dimension = models.CharField("统计口径", max_length=10, choices=Dimension.choices)
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    parent = models.ForeignKey(
        "organisation.Unit", on_delete=models.PROTECT, related_name="+", null=True, db_index=False
    )
    visible_depth = models.PositiveSmallIntegerField("可见层级")
    channel = models.CharField("来源渠道", max_length=20)
    category = models.ForeignKey(
        "petitions.Category", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_date = models.DateField("当前期限")
    count = models.IntegerField("件数", default=0)

    class Meta:
        verbose_name = "在办件汇总（按问题属地、承办单位）"
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "unit", "visible_depth", "channel", "category", "due_date"],
                name="stats_unit_open_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["dimension", "parent", "due_date", "visible_depth"], name="stats_unit_open_children"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.dimension} {self.unit_id} {self.channel} {self.category_id} {self.due_date}: {self.count}"
        )


class TallyState(models.Model):
    """One row: when the tables were last rebuilt, and the day before which open deadlines may be
    stored folded into PAST."""

    overdue_horizon = models.DateField("逾期归并日期", default=PAST)
    rebuilt_at = models.DateTimeField("最近重建时间", null=True, blank=True)
    # False while the tables by problem and responsible unit lack the petitions registered before
    # they existed (an upgraded installation until `stats_rebuild`); the hooks then leave them
    dimensions_ready = models.BooleanField("按问题属地、承办单位汇总已生成", default=True)

    class Meta:
        verbose_name = "汇总表状态"

    def __str__(self) -> str:
        return f"horizon {self.overdue_horizon}"
