"""Petitions (信访事项), petitioners (信访人), categories (问题类别) and attachments."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce

from .choices import Channel, Gender, Outcome, PetitionStatus, ReferralKind, Satisfaction

# The unit whose office a matter waits for (the front desk's work queue): the unit handling it,
# or before it is routed the unit that registered it. It heads the index `petition_office_queue`;
# a query must use this very expression for SQLite and PostgreSQL to use that index.
OFFICE_UNIT = Coalesce("handling_unit", "unit")
# How documents, notifications and clocks name a petition as their owner (owner_type).
OWNER_TYPE = "petitions.petition"


class Category(models.Model):
    """A two-level tree of problem classes; codes are what the API takes."""

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级类别",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "问题类别"

    def __str__(self) -> str:
        return f"{self.parent.name}/{self.name}" if self.parent_id and self.parent else self.name


class Petitioner(models.Model):
    """A person who petitions. Visible to the users who can see the unit that first recorded them."""

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    id_number = models.CharField("身份证号", max_length=18, blank=True, db_index=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, db_index=True)
    address = models.CharField("住址", max_length=200, blank=True)
    workplace = models.CharField("工作单位", max_length=100, blank=True)
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "信访人"
        indexes = [
            models.Index(fields=["name", "phone"], name="petitioner_name_phone"),
            models.Index(fields=["unit_path"], name="petitioner_scope"),
        ]

    def __str__(self) -> str:
        return self.name


UNROUTED = 32767


def shared_depth(unit_path: str, handling_path: str) -> int:
    """Depth of the deepest unit on both chains ("/1/4/" and "/1/4/17/" share /1/4/: depth 1)."""
    if not handling_path:
        return UNROUTED
    common = 0
    for a, b in zip(unit_path.strip("/").split("/"), handling_path.strip("/").split("/"), strict=False):
        if a != b:
            break
        common += 1
    return common - 1


class Petition(models.Model):
    number = models.CharField("信访件编号", max_length=40, unique=True)
    # 责任单位: the unit whose register holds the matter; scope follows it. `unit_path` repeats the
    # unit's materialised path so that the scope filter is one indexed prefix on this table.
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name="登记单位", on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    channel = models.CharField("来源渠道", max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField("收到时间")
    subject = models.CharField("标题", max_length=200)
    content = models.TextField("反映的主要问题和诉求")
    category = models.ForeignKey(
        Category, verbose_name="问题类别", on_delete=models.PROTECT, related_name="+"
    )
    problem_unit = models.ForeignKey(
        "organisation.Unit", verbose_name="问题属地", on_delete=models.PROTECT, related_name="+"
    )
    complained_unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name="被反映单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    complained_party = models.CharField("被反映单位或个人", max_length=100, blank=True)
    # 被反映人: a user of this system the matter complains about; never sees it (domain.md §3.12)
    complained_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="被反映人（本系统用户）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The complained-about unit's path when the matter came from outside it (not registered by
    # that unit or one below): its users see the matter without the petitioner's identity, contact
    # data, attachments or notices carrying them (selectors.identity_hidden); "" when none.
    protected_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    is_skip_level = models.BooleanField("越级", default=False)
    is_collective = models.BooleanField("集体", default=False)
    is_anonymous = models.BooleanField("匿名", default=False)
    is_urgent = models.BooleanField("紧急", default=False)
    is_litigation = models.BooleanField("涉法涉诉", default=False)
    is_joint_letter = models.BooleanField("联名", default=False)
    headcount = models.PositiveIntegerField("人数", default=1)
    status = models.CharField(
        "状态", max_length=20, choices=PetitionStatus.choices, default=PetitionStatus.REGISTERED
    )
    current_deadline = models.DateField("当前期限", null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="首问责任人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间")
    repeat_of = models.ForeignKey(
        "self",
        verbose_name="重复件（原件）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repeats",
    )
    referral_kind = models.CharField("上级来文方式", max_length=10, choices=ReferralKind.choices, blank=True)
    referral_office = models.CharField("上级机关", max_length=100, blank=True)
    referral_number = models.CharField("上级文号", max_length=60, blank=True)
    referral_deadline = models.DateField("上级要求办结时间", null=True, blank=True)
    petitioner_names = models.CharField(max_length=200, blank=True, editable=False)
    # --- handling (办理); written only by workflow.petition_transition -------------------------
    # 承办单位: the unit a matter was assigned (交办) or transferred (转送) to. Users of that unit,
    # and above it, see the petition as well; `handling_path` copies its path for the scope filter.
    handling_unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handling_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    # Depth of the deepest unit above both the registering and the handling unit (UNROUTED when
    # there is no handling unit). A user sees the petition through its handling unit only when
    # their unit lies deeper than that, so the scope filter can skip the handling branch by
    # index for everyone above it (the county sees everything through `unit_path` already).
    handling_shared_depth = models.PositiveSmallIntegerField(default=UNROUTED, editable=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    co_units = models.ManyToManyField(
        "organisation.Unit", verbose_name="协办单位（联合办案）", blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    routed_at = models.DateTimeField("转送/交办时间", null=True, blank=True)
    assignment_due = models.DateField("交办期限", null=True, blank=True)
    owner_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="包案领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    extension_requested_days = models.PositiveSmallIntegerField("申请延期天数", default=0)
    hearing_pending = models.BooleanField("听证中", default=False)
    # 0: the first answer (处理意见), 1: the review opinion (复查意见), 2: the re-review (复核意见)
    review_stage = models.PositiveSmallIntegerField("答复层级", default=0)
    answered_unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name="答复单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answer_outcome = models.CharField("处理结果", max_length=20, choices=Outcome.choices, blank=True)
    answer_delivered_on = models.DateField("送达日期", null=True, blank=True)
    window_ends = models.DateField("申请复查（复核）截止日期", null=True, blank=True)
    review_unit = models.ForeignKey(
        "organisation.Unit",
        verbose_name="复查（复核）机关",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    satisfaction = models.CharField("满意度", max_length=20, choices=Satisfaction.choices, blank=True)
    is_final = models.BooleanField("已终结", default=False)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "信访事项"
        indexes = [
            models.Index(fields=["unit_path", "received_at"], name="petition_scope_received"),
            # scope columns last: the scope test of a count is answered from the index itself
            models.Index(
                fields=[
                    "category",
                    "status",
                    "received_at",
                    "unit_path",
                    "handling_shared_depth",
                    "handling_path",
                ],
                name="petition_cat_status_scope",
            ),
            models.Index(fields=["status", "received_at"], name="petition_status_received"),
            models.Index(fields=["status", "current_deadline"], name="petition_status_deadline"),
            models.Index(fields=["channel", "received_at"], name="petition_channel_received"),
            models.Index(fields=["received_at"], name="petition_received"),
            models.Index(fields=["problem_unit", "received_at"], name="petition_problem_unit"),
            models.Index(fields=["handling_unit", "status"], name="petition_handling_unit"),
            models.Index(fields=["handling_shared_depth", "handling_path"], name="petition_handling_scope"),
            # the work queue: filter and order in the index, so a page sorts entries, not rows;
            # the two columns of the expression at the end make it covering for SQLite
            models.Index(
                OFFICE_UNIT,
                F("status"),
                F("current_deadline"),
                F("received_at"),
                F("handling_unit"),
                F("unit"),
                name="petition_office_queue",
            ),
            # a handler's queue; partial, because most petitions have no handler and SQLite's
            # statistics, which cannot tell NULLs apart, would otherwise judge the index useless
            # the few matters with an extension waiting for a leader (the leaders' 待办)
            models.Index(fields=["status", "extension_requested_days"], name="petition_extension_pending"),
            # the few matters hidden from a complained-about unit (selectors.protected_petition_ids)
            models.Index(
                fields=["protected_path"],
                condition=~models.Q(protected_path=""),
                name="petition_protected",
            ),
            models.Index(
                fields=["handler", "status", "current_deadline", "received_at"],
                condition=models.Q(handler__isnull=False),
                name="petition_handler_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(headcount__gte=1), name="petition_headcount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"


class PetitionPetitioner(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="petitioner_links")
    petitioner = models.ForeignKey(Petitioner, on_delete=models.PROTECT, related_name="petition_links")
    is_representative = models.BooleanField("代表", default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "petitioner"], name="petition_petitioner_unique"),
        ]


class NumberSequence(models.Model):
    """The last number given out per unit and year; incremented inside the registering transaction."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="number_sequence_unit_year"),
        ]


class Attachment(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="petitions/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class SearchDocument(models.Model):
    """Word-segmented text of a petition for full-text search on PostgreSQL (GIN over a 'simple'
    tsvector). On SQLite the same words go to the FTS5 table `petitions_search` instead."""

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, primary_key=True, related_name="+")
    tokens = models.TextField()


class PetitionEvent(models.Model):
    """One step of a petition's timeline: written only by workflow.petition_transition."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=30)
    from_status = models.CharField(max_length=20, choices=PetitionStatus.choices)
    to_status = models.CharField(max_length=20, choices=PetitionStatus.choices)
    # None: a job (escalation, proposal …), shown as 系统
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["petition", "created_at"], name="petition_event_timeline")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.action}"
