"""Key persons and key groups (重点人员 / 重点群体, domain.md §7): the register of persons with one
plan each (一人一策), their owners (包案责任人, 稳控责任人), contact visits and movements (走访 / 动态),
the alarms raised when they appear on a petition, a duty-log entry or an incident
(`KeyPersonHit`), and their history (`KeyPersonEvent`). The most sensitive data the product
holds: every view of a person is audited, lists are masked.

A person is a case of the key-person machine (`machine/`): entering, changing the plan, the
owners, the risk, monitoring, visits, removal and its approval go through
`procedure.engine.transition`."""

from django.conf import settings
from django.db import models

from .choices import HitSource, PersonStatus, Risk

OWNER_TYPE = "keypersons.keyperson"


class KeyPersonCategory(models.Model):
    """A category of key persons (涉军群体, 老民师, 失地农民 …): a list the installation keeps."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "重点人员类别"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class KeyPerson(models.Model):
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    petitioner = models.ForeignKey(
        "petitions.Petitioner",
        verbose_name="信访人档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    category = models.ForeignKey(
        KeyPersonCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="+"
    )
    risk = models.CharField("风险等级", max_length=10, choices=Risk.choices)
    matter = models.TextField("反映事项")
    demands = models.TextField("主要诉求", blank=True)
    # 一人一策
    plan = models.TextField("稳控化解措施")
    contact_days = models.PositiveSmallIntegerField("走访频次（天）", default=30)
    assistance = models.CharField("帮扶救助", max_length=500, blank=True)
    case_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="包案责任人", on_delete=models.PROTECT, related_name="+"
    )
    stability_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="稳控责任人", on_delete=models.PROTECT, related_name="+"
    )
    location = models.CharField("目前所在地", max_length=200, blank=True)
    monitored = models.BooleanField("24小时稳控", default=False)
    monitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="专人稳控",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField("状态", max_length=20, choices=PersonStatus.choices, default="")
    removal_reason = models.CharField("息访理由", max_length=500, blank=True)
    removal_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_visit_at = models.DateTimeField("最近走访", null=True, blank=True)
    next_visit_due = models.DateTimeField("下次走访期限", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("列管时间")

    class Meta:
        verbose_name = "重点人员"
        ordering = ["unit_path", "name", "pk"]
        indexes = [
            # plain, not partial: SQLite plans `id_number IN (…)` on it only without a condition
            models.Index(fields=["id_number"], name="keyperson_id"),
            # the register's order within a scope, read from the index instead of sorted
            models.Index(fields=["unit_path", "name", "id"], name="keyperson_scope_name"),
            models.Index(fields=["name", "phone"], name="keyperson_name_phone"),
            models.Index(fields=["unit_path", "risk"], name="keyperson_scope_risk"),
            models.Index(fields=["next_visit_due"], name="keyperson_visit_due"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def number(self) -> str:
        """How messages and the audit log name a person: never by name (重点人员#12)."""
        return f"重点人员#{self.pk or 0}"


class Visit(models.Model):
    """A contact visit or a movement report (走访 / 动态)."""

    person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="visits")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间")
    location = models.CharField("所在地", max_length=200)
    state = models.CharField("思想状态", max_length=500)
    sign = models.BooleanField("有上访苗头", default=False)
    note = models.TextField("情况", blank=True)

    class Meta:
        ordering = ["person", "-at", "-pk"]


class KeyPersonHit(models.Model):
    """An alarm: the person appeared on a new petition, a duty-log entry or an incident."""

    person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="hits")
    source = models.CharField("来源", max_length=20, choices=HitSource.choices)
    ref_id = models.BigIntegerField()
    reference = models.CharField("编号", max_length=60)
    matched_by = models.CharField("比对依据", max_length=20)  # id_number | name_phone | name
    at = models.DateTimeField("时间")

    class Meta:
        ordering = ["person", "-at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "source", "ref_id"], name="keyperson_hit_once")
        ]
        # a petition's page asks whether any alarm names it
        indexes = [models.Index(fields=["source", "ref_id"], name="keyperson_hit_source")]


class KeyGroup(models.Model):
    """A key group (重点群体): its members are key persons."""

    unit = models.ForeignKey(
        "organisation.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    name = models.CharField("群体名称", max_length=100)
    category = models.ForeignKey(
        KeyPersonCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="+"
    )
    size = models.PositiveIntegerField("大约人数")
    leaders = models.CharField("牵头人", max_length=200, blank=True)
    members = models.ManyToManyField(KeyPerson, verbose_name="成员", related_name="groups", blank=True)
    matter = models.TextField("反映事项")
    history = models.TextField("以往上访及事件情况", blank=True)
    case_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="包案责任人", on_delete=models.PROTECT, related_name="+"
    )
    stability_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="稳控责任人", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("建档时间")

    class Meta:
        verbose_name = "重点群体"
        ordering = ["unit_path", "name"]


class KeyPersonEvent(models.Model):
    person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
