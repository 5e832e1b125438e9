"""Disputes and their mediation (矛盾纠纷调处, domain.md §8; 人民调解法): the kinds, the settings
an installation keeps (class thresholds, routing, the chain, return visits, targets), the dispute
with its parties, sessions, agreement and its terms, return visits and history.

A dispute is a case of the dispute machine (`machine/`): registering, assigning a mediator and
recusal, sessions, escalation up the chain, the outcome, the agreement and its taking effect,
judicial confirmation, performance, return visits, referral and closing go through
`procedure.engine.transition`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import (
    AgreementForm,
    Confirmation,
    Destination,
    DisputeStatus,
    Nature,
    Outcome,
    PartyKind,
    Procedure,
    Risk,
    Route,
    Satisfaction,
    Source,
)

OWNER_TYPE = "disputes.dispute"

# 篇五's seven levels (七纵): a dispute rises one level at a time, never skipping one
DEFAULT_CHAIN = [
    "村综治主任",
    "村主要领导",
    "驻村干部",
    "驻村第一书记",
    "分管第一责任人",
    "相关单位责任人",
    "镇主要领导",
]


class DisputeKind(models.Model):
    """A kind of dispute (婚姻家庭, 邻里, 土地承包 …); `nature` routes public-order and criminal matters
    to the police station."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    nature = models.CharField("性质", max_length=20, choices=Nature.choices, default=Nature.CIVIL)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "纠纷类别"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class DisputeSetting(models.Model):
    """The installation's rules for disputes (one row, pk 1; the defaults are seed 003 篇五's)."""

    # class 1 (一类: the largest and most complex) … class 3 by amount at stake or people involved
    class1_amount = models.PositiveIntegerField("一类纠纷涉及金额（元）不少于", default=100000)
    class1_people = models.PositiveIntegerField("一类纠纷涉及人数不少于", default=30)
    class2_amount = models.PositiveIntegerField("二类纠纷涉及金额（元）不少于", default=10000)
    class2_people = models.PositiveIntegerField("二类纠纷涉及人数不少于", default=5)
    # return visits after an agreement took effect, per class (一类 1 个月, 二类 1 个季度, 三类 半年)
    visit_months_1 = models.PositiveSmallIntegerField("一类回访（月）", default=1)
    visit_months_2 = models.PositiveSmallIntegerField("二类回访（月）", default=3)
    visit_months_3 = models.PositiveSmallIntegerField("三类回访（月）", default=6)
    chain = models.JSONField("调处责任链", default=list)
    # the first level of the township's centre: rising to it from the village needs the three
    # conditions of seed 001-5 (the party's request, the committee's opinion, why not solvable)
    centre_level = models.PositiveSmallIntegerField("镇级调处起始层级", default=5)
    target_participation = models.DecimalField("参调率目标（%）", max_digits=5, decimal_places=2, default=98)
    target_success = models.DecimalField("调解成功率目标（%）", max_digits=5, decimal_places=2, default=98)
    target_satisfaction = models.DecimalField("满意率目标（%）", max_digits=5, decimal_places=2, default=96)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "矛盾纠纷调处设置"

    @classmethod
    def load(cls) -> "DisputeSetting":
        row = cls.objects.filter(pk=1).first()
        return row if row is not None else cls(pk=1, chain=list(DEFAULT_CHAIN))

    @property
    def levels(self) -> list[str]:
        return list(self.chain or DEFAULT_CHAIN)

    def visit_months(self, dispute_class: int) -> int:
        return {1: self.visit_months_1, 2: self.visit_months_2}.get(dispute_class, self.visit_months_3)

    def class_of(self, *, amount: int | None, people: int) -> int:
        amount = amount or 0
        if amount >= self.class1_amount or people >= self.class1_people:
            return 1
        if amount >= self.class2_amount or people >= self.class2_people:
            return 2
        return 3


class Dispute(models.Model):
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name="发生单位", on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    # who mediates now: the village committee, or the organ's (township) centre once it rose there
    handling_unit = models.ForeignKey(
        "organisation.Unit", verbose_name="调处单位", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.ForeignKey(DisputeKind, verbose_name="纠纷类别", on_delete=models.PROTECT, related_name="+")
    place = models.CharField("发生地点", max_length=200)
    people = models.PositiveIntegerField("涉及人数", default=1)
    amount = models.PositiveBigIntegerField("涉及金额（元）", null=True, blank=True)
    facts = models.TextField("纠纷事实")
    demands = models.TextField("当事人诉求")
    risk = models.CharField("风险等级", max_length=10, choices=Risk.choices, default=Risk.LOW)
    dispute_class = models.PositiveSmallIntegerField("纠纷类别等级", default=3)  # 一、二、三类
    sudden = models.BooleanField("重大或突发", default=False)
    route = models.CharField("分流", max_length=20, choices=Route.choices)
    level = models.PositiveSmallIntegerField("调处层级", default=1)  # 1-based in the chain
    passed_up = models.BooleanField("矛盾上交", default=False)  # rose from the village to the centre
    procedure = models.CharField("调解程序", max_length=10, choices=Procedure.choices, default=Procedure.FULL)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    source_id = models.BigIntegerField("来源编号", null=True, blank=True)
    source_number = models.CharField("来源文号", max_length=40, blank=True)
    status = models.CharField("状态", max_length=20, choices=DisputeStatus.choices, default="")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="调解员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recused = models.JSONField("已回避的调解员", default=list, blank=True)  # [{"user": id, "reason": …}]
    joint = models.JSONField("联合调解单位", default=list, blank=True)  # [{"kind": …, "unit": id, "name": …}]
    investigation = models.TextField("调查情况", blank=True)
    outcome = models.CharField("调解结果", max_length=10, choices=Outcome.choices, blank=True)
    agreement_form = models.CharField("协议形式", max_length=10, choices=AgreementForm.choices, blank=True)
    oral_terms = models.TextField("口头协议内容", blank=True)
    went_to = models.CharField("导出去向", max_length=20, choices=Destination.choices, blank=True)
    links = models.JSONField(
        "转化为", default=list, blank=True
    )  # [{"kind": "petition", "id": 1, "number": …}]
    effective_at = models.DateTimeField("协议生效时间", null=True, blank=True)
    confirmation_ends = models.DateField("司法确认申请期届满", null=True, blank=True)
    confirmation = models.CharField("司法确认", max_length=20, choices=Confirmation.choices, blank=True)
    next_visit_due = models.DateField("应回访日期", null=True, blank=True)
    visited_at = models.DateTimeField("回访时间", null=True, blank=True)
    satisfaction = models.CharField("满意度", max_length=20, choices=Satisfaction.choices, blank=True)
    performed_at = models.DateTimeField("履行完毕时间", null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField("登记时间")
    mediated_at = models.DateTimeField("参调时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)

    class Meta:
        verbose_name = "矛盾纠纷"
        ordering = ["-registered_at", "-pk"]
        indexes = [
            # the scope's lists (a unit path's range, newest first), and the figures' one aggregate,
            # which reads this index alone: every column it counts is here
            models.Index(
                fields=[
                    "unit_path",
                    "registered_at",
                    "unit",
                    "level",
                    "passed_up",
                    "outcome",
                    "mediated_at",
                    "status",
                    "next_visit_due",
                    "visited_at",
                    "satisfaction",
                ],
                name="dispute_figures",
            ),
            models.Index(fields=["unit", "status"], name="dispute_unit_status"),
            models.Index(
                fields=["next_visit_due"], name="dispute_visit_due", condition=Q(next_visit_due__isnull=False)
            ),
            # the lists, newest first: the scope's test (path, mediator) is read from the index, so a
            # page of 25 reads 25 rows whether the scope is the county or a village
            models.Index(fields=["-registered_at", "-id", "unit_path", "mediator"], name="dispute_newest"),
            # what a petition or a sign became (访调对接: the petition page's note)
            models.Index(
                fields=["source", "source_id"], name="dispute_source", condition=Q(source_id__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(dispute_class__in=[1, 2, 3]), name="dispute_class_known"),
            # a petition or a sign becomes one dispute (访调对接, 转为矛盾纠纷), even when asked twice at once
            models.UniqueConstraint(
                fields=["source", "source_id"],
                name="dispute_source_once",
                condition=Q(source__in=["petition", "sign"], source_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"纠纷{timezone.localtime(self.registered_at):%Y%m%d}-{self.pk or 0:05d}"

    @property
    def class_label(self) -> str:
        return {1: "一类", 2: "二类", 3: "三类"}.get(self.dispute_class, "")


class DisputeUnit(models.Model):
    """A unit taking part in a dispute besides the one where it arose and the one handling it: a
    unit of joint mediation (派出所, 司法所, 人民法庭, 信访办). It sees the case (the scope reads this)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    role = models.CharField("参与方式", max_length=20, default="joint")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dispute", "unit"], name="dispute_unit_once")]
        indexes = [models.Index(fields=["unit", "dispute"], name="dispute_unit_lookup")]


class DisputeParty(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField("类型", max_length=20, choices=PartyKind.choices, default=PartyKind.PERSON)
    name = models.CharField("姓名或名称", max_length=100)
    id_number = models.CharField("身份证号或统一社会信用代码", max_length=18, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "纠纷当事人"
        ordering = ["order", "pk"]


class DisputeSession(models.Model):
    """A mediation session (调解会): when, where, who attended and what was said."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    at = models.DateTimeField("调解时间")
    place = models.CharField("地点", max_length=200)
    attendees = models.CharField("参加人员", max_length=500)
    record = models.TextField("调解记录")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]


class Agreement(models.Model):
    """The written agreement (调解协议书, 人民调解法第二十九条). A new draft replaces the old while
    none has taken effect; one that took effect is never changed."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveSmallIntegerField(default=1)
    facts = models.TextField("纠纷主要事实")
    disputed_items = models.TextField("争议事项")
    responsibility = models.TextField("各方当事人的责任")
    performance_how = models.CharField("履行方式", max_length=500)
    performance_where = models.CharField("履行地点", max_length=200)
    performance_by = models.DateField("履行期限")
    copies = models.PositiveSmallIntegerField("份数", default=3)
    effective = models.BooleanField("已生效", default=False)
    signed_parties = models.JSONField("已签名的当事人", default=list, blank=True)
    mediator_signed = models.BooleanField("调解员已签名", default=False)
    sealed = models.BooleanField("已加盖调委会印章", default=False)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField()
    effective_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "调解协议"
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["dispute", "version"], name="agreement_version_once")]


class AgreementTerm(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="terms")
    order = models.PositiveSmallIntegerField()
    text = models.CharField("协议条款", max_length=1000)
    performed_at = models.DateField("履行日期", null=True, blank=True)
    evidence = models.CharField("履行凭证", max_length=500, blank=True)

    class Meta:
        ordering = ["order"]


class DisputeVisit(models.Model):
    """A return visit (回访) with the parties' satisfaction."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="visits")
    due = models.DateField("应回访日期", null=True, blank=True)
    at = models.DateTimeField("回访时间")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    satisfaction = models.CharField("满意度", max_length=20, choices=Satisfaction.choices)
    performed = models.BooleanField("协议已履行", default=True)
    note = models.TextField("回访情况", blank=True)

    class Meta:
        ordering = ["at", "pk"]


class DisputeEvent(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
