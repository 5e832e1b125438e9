"""The public side (网上信访): what a citizen's query code opens, their online review requests,
the throttles' counters and the guide's published facts. The petitions themselves are ordinary
petitions (channel `online`) in the register."""

from django.conf import settings
from django.db import models


class PortalAccess(models.Model):
    """The query code (查询码) of one online petition. Only a salted hash is kept: the code is
    shown once on the receipt and cannot be read back, by staff or anyone else."""

    petition = models.OneToOneField(
        "petitions.Petition", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    code_salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    # the answer stage (0 处理意见, 1 复查意见) the petitioner rated online; None: not rated
    rated_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "网上信访查询码"

    def __str__(self) -> str:
        return f"查询码 {self.petition_id}"


class ReviewRequestStatus(models.TextChoices):
    PENDING = "pending", "待登记"
    REGISTERED = "registered", "已登记"


class PortalReviewRequest(models.Model):
    """A petitioner's request for review (复查) or re-review (复核) made online. The office
    registers it as the petition's own `request_review` step, with that step's checks."""

    petition = models.ForeignKey("petitions.Petition", on_delete=models.CASCADE, related_name="+")
    stage = models.PositiveSmallIntegerField("申请层级")  # 0: 复查 of the answer, 1: 复核
    reason = models.TextField("申请理由")
    requested_at = models.DateTimeField("申请时间")
    # the path of the organ that registers it (one level above the latest answer's), else of the
    # petition's office: the 网上信访 list shows it to that organ and the units above it
    unit_path = models.CharField(max_length=255, editable=False)
    status = models.CharField(
        max_length=20, choices=ReviewRequestStatus.choices, default=ReviewRequestStatus.PENDING
    )
    registered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "网上复查（复核）申请"
        ordering = ["requested_at", "id"]
        indexes = [
            models.Index(fields=["status", "unit_path"], name="portal_review_pending"),
            models.Index(fields=["petition", "status"], name="portal_review_petition"),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.get_status_display()}"


class PortalThrottle(models.Model):
    """How often one key (a hashed address, ID number or petition number under a scope) was
    counted in one fixed window. Kept in the database so that every worker and every host that
    serves the portal counts together; old windows are purged every hour."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "网上信访限流计数"
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="portal_throttle_window"),
        ]
        indexes = [models.Index(fields=["window_start"], name="portal_throttle_age")]

    def __str__(self) -> str:
        return f"{self.key[:8]} {self.count}"


class PortalSetting(models.Model):
    """What the guide publishes (one row): where and when the offices receive visitors, the
    hotline, and a notice shown on every page (a holiday, a move)."""

    site_name = models.CharField("网站名称", max_length=60, default="网上信访")
    reception = models.TextField(
        "接待场所和时间",
        blank=True,
        default=(
            "青山县信访局来访接待中心：青山县人民路 88 号，工作日 8:30–12:00、14:30–17:30；"
            "每月 15 日为县领导公开接访日。\n"
            "城关镇综治信访维稳中心：城关镇政府一楼，工作日 8:30–12:00、14:30–17:30。"
        ),
    )
    hotline = models.CharField("信访咨询电话", max_length=60, blank=True, default="0557-12345")
    banner = models.CharField("公告", max_length=300, blank=True, default="")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "网上信访公开信息"

    def __str__(self) -> str:
        return "网上信访公开信息"
