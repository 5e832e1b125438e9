"""Incidents (突发事件 / 群体性事件, domain.md §7): the incident (`Incident`) with its written
reports (`IncidentReport`: 首报, 续报, 终报), the tasks of the contingency plan it activated
(`IncidentTask`), leaders' instructions and who acknowledged them (`Instruction`,
`InstructionTarget`), on-site evidence (`Evidence`), the accountability record
(`Accountability`) and its history (`IncidentEvent`); a unit's contingency plans
(`ContingencyPlan`, `PlanTask`) and the levels' rules (`LevelRule`).

An incident is a case of the incident machine (`machine/`): every change goes through
`procedure.engine.transition`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import IncidentKind, IncidentStatus, Level, ReportKind, Sanction

OWNER_TYPE = "incidents.incident"


class LevelRule(models.Model):
    """What makes an incident of a level, and its reporting limits (a saved row overrides
    `levels.DEFAULTS`): from `min_headcount` people, or any of `kinds`; the first report within
    `first_report_minutes` of 获知时间 (a phone report within `phone_report_minutes`, 0 = none),
    a follow-up every `follow_up_minutes` while open, the principal leader on site within
    `arrival_minutes`."""

    level = models.PositiveSmallIntegerField("级别", choices=Level.choices, unique=True)
    min_headcount = models.PositiveIntegerField("人数下限")
    kinds = models.JSONField("直接定为本级的事件类别", default=list, blank=True)
    first_report_minutes = models.PositiveIntegerField("首报时限（分钟）")
    phone_report_minutes = models.PositiveIntegerField("电话报告时限（分钟，0 为不要求）", default=0)
    follow_up_minutes = models.PositiveIntegerField("续报间隔（分钟）")
    arrival_minutes = models.PositiveIntegerField("主要领导到场时限（分钟）", default=20)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "突发事件分级规则"


class ContingencyPlan(models.Model):
    """A unit's contingency plan (应急预案): the kinds of incident it covers and its tasks."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    name = models.CharField("预案名称", max_length=100)
    kinds = models.JSONField("适用事件类别", default=list, blank=True)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("制定时间")

    class Meta:
        verbose_name = "应急预案"
        ordering = ["unit_path", "name"]

    def __str__(self) -> str:
        return self.name


class PlanTask(models.Model):
    plan = models.ForeignKey(ContingencyPlan, on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField("任务", max_length=200)
    role = models.CharField("责任角色", max_length=20)  # accounts.roles.Role

    class Meta:
        ordering = ["plan", "order", "pk"]


class Incident(models.Model):
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    # where the people gathered: its principal leader must be on site within 20 minutes
    gathered_unit = models.ForeignKey(
        "organisation.Unit", verbose_name="聚集地所属单位", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("事件名称", max_length=100)
    kind = models.CharField("事件类别", max_length=20, choices=IncidentKind.choices)
    level = models.PositiveSmallIntegerField("级别", choices=Level.choices)
    learned_at = models.DateTimeField("获知时间")
    occurred_at = models.DateTimeField("发生时间")
    place = models.CharField("地点", max_length=200)
    headcount = models.PositiveIntegerField("人数")
    demands = models.TextField("主要诉求")
    involved_units = models.ManyToManyField(
        "organisation.Unit", verbose_name="涉及单位", related_name="+", blank=True
    )
    key_persons = models.CharField("涉及重点人员", max_length=500, blank=True)
    sign = models.ForeignKey(
        "inforeports.InfoReport",
        verbose_name="来源苗头信息",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    status = models.CharField("状态", max_length=20, choices=IncidentStatus.choices, default="")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField("登记时间")
    # the next report due (首报 or 续报) and the principal leader's arrival, kept by the machine's
    # save from the open clocks, so the board reads the incidents alone
    next_report_kind = models.CharField(max_length=20, choices=ReportKind.choices, blank=True)
    next_report_due = models.DateTimeField("下次报告时限", null=True, blank=True)
    arrival_due = models.DateTimeField("到场时限", null=True, blank=True)
    arrived_at = models.DateTimeField("到场时间", null=True, blank=True)
    arrived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="到场领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    plan = models.ForeignKey(
        ContingencyPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agreed_line = models.TextField("统一答复口径", blank=True)
    media_consent = models.CharField("媒体采访同意", max_length=500, blank=True)
    reports_filed = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "突发事件"
        ordering = ["-learned_at", "-pk"]
        indexes = [
            models.Index(fields=["unit_path", "learned_at"], name="incident_scope_learned"),
            models.Index(
                fields=["unit_path", "next_report_due"],
                name="incident_board",
                condition=~Q(status="closed"),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"突发{timezone.localtime(self.learned_at):%Y%m%d}-{self.pk or 0:04d}"

    @property
    def arrival_late(self) -> bool:
        if self.arrival_due is None:
            return False
        if self.arrived_at is None:
            return timezone.now() > self.arrival_due
        return self.arrived_at > self.arrival_due


class IncidentReport(models.Model):
    """A written report (首报 / 续报 / 终报) with the four items of seed 004, sent to the level above."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField("报告类别", max_length=20, choices=ReportKind.choices)
    seq = models.PositiveSmallIntegerField("第几次报告")
    situation = models.TextField("时间、地点、人数和诉求")
    measures = models.TextField("已采取的措施")
    impact = models.TextField("社会影响和发展趋势")
    other = models.TextField("其他事项", blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField("报告时间")
    due_at = models.DateTimeField("报告时限", null=True, blank=True)
    on_time = models.BooleanField("按时报告", default=True)
    to_unit = models.ForeignKey(
        "organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)

    class Meta:
        ordering = ["incident", "seq"]
        constraints = [models.UniqueConstraint(fields=["incident", "seq"], name="incident_report_seq")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（第{self.seq}次）"


class IncidentTask(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField("任务", max_length=200)
    role = models.CharField("责任角色", max_length=20)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField("完成情况", max_length=500, blank=True)

    class Meta:
        ordering = ["incident", "order", "pk"]


class Instruction(models.Model):
    """A leader's instruction (批示), relayed to the units named; each acknowledges it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="instructions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("批示内容")
    at = models.DateTimeField("批示时间")

    class Meta:
        ordering = ["incident", "at", "pk"]


class InstructionTarget(models.Model):
    instruction = models.ForeignKey(Instruction, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instruction", "unit"], name="instruction_unit_once")]


class Evidence(models.Model):
    """On-site evidence (现场证据): a photo, video or document, with who uploaded it and when."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="incidents/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        ordering = ["incident", "uploaded_at", "pk"]


class Accountability(models.Model):
    """The accountability record (责任追究): who, what they failed to do, the sanction."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="accountability")
    person = models.CharField("责任人", max_length=50, blank=True)
    unit = models.ForeignKey(
        "organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finding = models.TextField("责任事实")
    sanction = models.CharField("处理方式", max_length=20, choices=Sanction.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("决定时间")

    class Meta:
        ordering = ["incident", "decided_at", "pk"]


class IncidentEvent(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
