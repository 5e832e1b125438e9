"""Information reports (信息报送, domain.md §7): the reporting schedule per unit type
(`ReportSchedule`), each report an information officer files (`InfoReport`) with its history
(`InfoReportEvent`), and the chase of a report that did not come in by its cut-off (`ReportChase`).

A report is a case of the report machine (`machine/`): filing, signing for it (签收), returning it
(退回), forwarding it upward (上报) and linking it to what it became go through
`procedure.engine.transition`."""

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import CadenceChoice, ReportKind, ReportStatus, Risk

OWNER_TYPE = "inforeports.inforeport"


class ReportSchedule(models.Model):
    """Which routine report a unit type files and when it is due (a saved row overrides the
    default in `schedule.DEFAULTS`; `active=False` switches the cadence off for that type). The
    daily report (日报) is expected only in a sensitive period whose level asks for one."""

    unit_type = models.CharField("单位类型", max_length=30)
    cadence = models.CharField("报送周期", max_length=20, choices=CadenceChoice.choices)
    weekday = models.PositiveSmallIntegerField("截止星期（1—7）", default=5)
    day = models.PositiveSmallIntegerField("截止日（1—31）", default=25)
    due_time = models.TimeField("截止时刻", default=time(16, 0))
    active = models.BooleanField("启用", default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "信息报送周期"
        constraints = [models.UniqueConstraint(fields=["unit_type", "cadence"], name="report_schedule_once")]

    def __str__(self) -> str:
        return f"{self.unit_type} {self.get_cadence_display()}"


class InfoReport(models.Model):
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField("信息类别", max_length=20, choices=ReportKind.choices)
    # an expected report's period (周报 of the week, 日报 of the day): empty for signs and
    # immediate reports
    cadence = models.CharField("报送周期", max_length=20, choices=CadenceChoice.choices, blank=True)
    period_start = models.DateField("所属期间起", null=True, blank=True)
    period_end = models.DateField("所属期间止", null=True, blank=True)
    due_at = models.DateTimeField("截止时间", null=True, blank=True)
    on_time = models.BooleanField("按时报送", null=True, blank=True)
    title = models.CharField("标题", max_length=100)
    content = models.TextField("内容", blank=True)
    # a sign (苗头信息): who, how many, when, where, what they demand, the risk
    subjects = models.CharField("涉及人员", max_length=200, blank=True)
    headcount = models.PositiveIntegerField("人数", null=True, blank=True)
    expected_at = models.DateTimeField("可能发生时间", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    demands = models.CharField("主要诉求", max_length=1000, blank=True)
    risk = models.CharField("风险等级", max_length=10, choices=Risk.choices, blank=True)
    status = models.CharField("状态", max_length=20, choices=ReportStatus.choices, default="")
    to_unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name="报送至",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    skipped_units = models.JSONField("越过的层级", default=list, blank=True)  # unit ids, for 越级报告
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField("报送时间")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    returned_reason = models.CharField("退回理由", max_length=500, blank=True)
    # 上报: the receiving office's own report this one was merged into
    forwarded_to = models.ForeignKey(
        "self",
        verbose_name="并入上报",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    # what the sign became: [{"kind": "petition" | "incident" | "dispute", "id": 1, "number": "…"}]
    links = models.JSONField("转化为", default=list, blank=True)

    class Meta:
        verbose_name = "信息报告"
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["unit_path", "filed_at"], name="inforeport_scope_filed"),
            models.Index(fields=["to_unit", "status"], name="inforeport_inbox"),
            models.Index(
                fields=["unit_path", "cadence", "period_start"],
                name="inforeport_period",
                condition=~Q(cadence=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cadence="") | Q(period_start__isnull=False), name="inforeport_period_has_start"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"信息{timezone.localtime(self.filed_at):%Y%m%d}-{self.pk or 0:05d}"


class InfoReportEvent(models.Model):
    report = models.ForeignKey(InfoReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]


class ReportChase(models.Model):
    """A report that had not come in at its cut-off, chased once (催报): the officer and the unit
    head were told. Counted per unit as missing (or late, once it came in) for assessment."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=255)
    cadence = models.CharField(max_length=20, choices=CadenceChoice.choices)
    period_start = models.DateField()
    due_at = models.DateTimeField()
    chased_at = models.DateTimeField()

    class Meta:
        verbose_name = "催报记录"
        constraints = [
            models.UniqueConstraint(fields=["unit", "cadence", "period_start"], name="report_chase_once")
        ]
        indexes = [models.Index(fields=["unit_path", "due_at"], name="report_chase_scope")]
