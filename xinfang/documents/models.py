"""Written notices (文书): replaceable Word templates, their numbering and the generated files."""

from django.conf import settings
from django.db import models


class DocumentKind(models.TextChoices):
    ACCEPTANCE_NOTICE = "acceptance_notice", "受理告知单"
    REJECTION_NOTICE = "rejection_notice", "不予受理告知单"
    DECLINE_NOTICE = "decline_notice", "不再受理告知单"
    TRANSFER_NOTICE = "transfer_notice", "转送办理通知单"
    ASSIGNMENT_NOTICE = "assignment_notice", "交办通知单"
    EXTENSION_NOTICE = "extension_notice", "延期办理告知单"
    HANDLING_OPINION = "handling_opinion", "处理意见书"
    REVIEW_OPINION = "review_opinion", "复查意见书"
    REREVIEW_OPINION = "rereview_opinion", "复核意见书"
    CLOSURE_REPORT = "closure_report", "办结报告"
    HEARING_NOTICE = "hearing_notice", "听证会议通知单"
    SUPERVISION_NOTICE = "supervision_notice", "督查督办通知单"


# The abbreviation of each kind inside a document number: 城关镇信受〔2026〕1号.
NUMBER_ABBREVIATIONS: dict[str, str] = {
    DocumentKind.ACCEPTANCE_NOTICE: "受",
    DocumentKind.REJECTION_NOTICE: "不受",
    DocumentKind.DECLINE_NOTICE: "不再",
    DocumentKind.TRANSFER_NOTICE: "转",
    DocumentKind.ASSIGNMENT_NOTICE: "交",
    DocumentKind.EXTENSION_NOTICE: "延",
    DocumentKind.HANDLING_OPINION: "处",
    DocumentKind.REVIEW_OPINION: "复查",
    DocumentKind.REREVIEW_OPINION: "复核",
    DocumentKind.CLOSURE_REPORT: "结",
    DocumentKind.HEARING_NOTICE: "听",
    DocumentKind.SUPERVISION_NOTICE: "督",
}


class DocumentTemplate(models.Model):
    """An uploaded replacement of a kind's built-in template; a kind without a row uses the default."""

    kind = models.CharField("文书种类", max_length=30, choices=DocumentKind.choices, unique=True)
    file = models.FileField(upload_to="document_templates/")
    original_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = "文书模板"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"


class DocumentSequence(models.Model):
    """The last document number given out per issuing unit, kind and year (gap-free)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "year"], name="document_sequence_unit_kind_year"),
        ]


class Document(models.Model):
    """One generated notice. The file is kept as issued; a later template change does not touch it."""

    kind = models.CharField("文书种类", max_length=30, choices=DocumentKind.choices)
    number = models.CharField("文号", max_length=100)
    petition = models.ForeignKey(
        "petitions.Petition",
        verbose_name="信访事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name="发文单位", on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    file = models.FileField(upload_to="documents/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    template_sha256 = models.CharField(max_length=64)
    event_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,  # None: written by a daily job (e.g. the notice of an escalated supervision)
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "文书"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["petition", "created_at"], name="document_petition_time"),
            models.Index(fields=["unit_path"], name="document_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
