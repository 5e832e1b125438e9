"""Written notices (文书): replaceable Word templates, their numbering and the generated files.

The kinds are registered by the apps that own them (see registry); `kind` holds a registered code.
A notice names its owner generically (`owner_type`, `owner_id`, as Deadline does)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from .registry import kind_label


class DocumentTemplate(models.Model):
    """An uploaded replacement of a kind's built-in template; a kind without a row uses the default."""

    kind = models.CharField("文书种类", max_length=30, unique=True)
    file = models.FileField(upload_to="document_templates/")
    original_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = "文书模板"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    def get_kind_display(self) -> str:
        return kind_label(self.kind)


class DocumentSequence(models.Model):
    """The last document number given out per issuing unit, kind and year (gap-free)."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "year"], name="document_sequence_unit_kind_year"),
        ]


class Document(models.Model):
    """One generated notice. The file is kept as issued; a later template change does not touch it."""

    kind = models.CharField("文书种类", max_length=30)
    number = models.CharField("文号", max_length=100)
    # the case the notice belongs to ("petitions.petition", 12); blank and null: no owner
    owner_type = models.CharField("所属对象类型", max_length=60, blank=True, default="")
    owner_id = models.BigIntegerField("所属对象", null=True, blank=True)
    owner_reference = models.CharField("所属对象编号", max_length=100, blank=True, default="")
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name="发文单位", on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    # blank until rendered: the row is written in the step's transaction, the file after it commits
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    original_name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    template_sha256 = models.CharField(max_length=64)
    # the placeholders' values as of the step, rendered into the file once it has committed
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
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
            models.Index(fields=["owner_type", "owner_id"], name="document_owner"),
            models.Index(fields=["unit_path"], name="document_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def get_kind_display(self) -> str:
        """The registered kind's label (the code for a kind no app registers any more)."""
        return kind_label(self.kind)

    @property
    def is_rendered(self) -> bool:
        return bool(self.sha256)
