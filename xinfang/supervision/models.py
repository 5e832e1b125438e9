"""Supervisions (督查督办) of a petition and their progress log.

A supervision is visible exactly when its petition is; `unit_path` repeats the responsible unit's
path for the list page's unit filter. Rows are written only by `services` (the petition's
transition function for the users' actions, the daily jobs for proposals and escalations).
"""

from django.conf import settings
from django.db import models

from .choices import FivePackage, Method, SupervisionKind, SupervisionStatus, Trigger


def five_packages_initial() -> dict[str, dict[str, object]]:
    return {code: {"done": False, "done_on": None} for code in FivePackage.values}


OWNER_TYPE = "supervision.supervision"  # how clocks, notices and the audit log name a supervision


class Supervision(models.Model):
    petition = models.ForeignKey(
        "petitions.Petition", verbose_name="信访事项", on_delete=models.PROTECT, related_name="supervisions"
    )
    kind = models.CharField("督办类型", max_length=10, choices=SupervisionKind.choices)
    status = models.CharField("状态", max_length=10, choices=SupervisionStatus.choices)
    trigger = models.CharField("督办事由", max_length=20, choices=Trigger.choices)
    method = models.CharField("督办方式", max_length=10, choices=Method.choices)
    # 六定 "定时限": the day the supervised unit must report by
    deadline = models.DateField("办理时限")
    supervising_unit = models.ForeignKey(
        "organisation.Unit", verbose_name="督办单位", on_delete=models.PROTECT, related_name="+"
    )
    responsible_unit = models.ForeignKey(
        "organisation.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="督办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 1: the unit that registered or routed the matter; one more per escalation upwards
    level = models.PositiveSmallIntegerField("督办层级", default=1)
    case_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="案件领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 五包 of a listed matter: {code: {"done": bool, "done_on": "YYYY-MM-DD" | None}}
    five_packages = models.JSONField("五包", default=dict, blank=True)
    note = models.TextField("督办要求", blank=True)
    report = models.TextField("办结报告", blank=True)
    answered_at = models.DateTimeField("报告时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报告人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    # a proposal: the petition's deadline it found passed; a dismissed proposal (不予督办) keeps the
    # daily job from proposing the same lateness again, a later deadline may be proposed anew
    overdue_since = models.DateField("提议所依据的期限", null=True, blank=True)
    delisted_at = models.DateTimeField("摘牌时间", null=True, blank=True)
    escalated_from = models.OneToOneField(
        "self",
        verbose_name="升级自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalation",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,  # None: proposed or escalated by the daily job
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("发起时间")

    class Meta:
        verbose_name = "督查督办"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["petition", "status"], name="supervision_petition_status"),
            models.Index(fields=["status", "deadline"], name="supervision_status_deadline"),
            models.Index(fields=["kind", "status", "created_at"], name="supervision_kind_status"),
            models.Index(fields=["unit_path"], name="supervision_scope"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1), name="supervision_level_positive"),
            # 六定 of a listed matter; an escalated one waits for the higher level's supervisor
            models.CheckConstraint(
                condition=models.Q(kind=SupervisionKind.NORMAL)
                | (
                    models.Q(case_leader__isnull=False, responsible_person__isnull=False)
                    & (models.Q(supervisor__isnull=False) | models.Q(escalated_from__isnull=False))
                ),
                name="supervision_listed_six_fixed",
            ),
            # the daily proposal stays idempotent even when two runs overlap
            models.UniqueConstraint(
                fields=["petition"],
                condition=models.Q(status=SupervisionStatus.PROPOSED),
                name="supervision_one_proposed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class SupervisionLog(models.Model):
    """One progress entry (督办进展) of a supervision."""

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="logs")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,  # None: written by the daily job
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("时间")
    text = models.TextField("进展情况")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["supervision", "at"], name="supervision_log_time")]

    def __str__(self) -> str:
        return f"{self.supervision_id} {self.at:%Y-%m-%d}"


class SupervisionEvent(models.Model):
    """One step of a supervision's own history, written only by the procedure engine through
    `machine.MACHINE` (the users' actions and the daily jobs alike)."""

    supervision = models.ForeignKey(Supervision, on_delete=models.PROTECT, related_name="events")
    action = models.CharField("操作", max_length=40)
    from_status = models.CharField("原状态", max_length=10, blank=True)
    to_status = models.CharField("新状态", max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,  # None: a daily job (proposal, escalation), shown as 系统
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "督办记录"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["supervision", "created_at"], name="supervision_event_time")]

    def __str__(self) -> str:
        return f"{self.supervision_id} {self.action}"
