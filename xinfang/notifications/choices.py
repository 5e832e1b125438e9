from django.db import models


class NotificationKind(models.TextChoices):
    TASK = "task", "待办"
    DEADLINE_NEAR = "deadline_near", "临期提醒"
    DEADLINE_OVERDUE = "deadline_overdue", "逾期提醒"
    SUPERVISION = "supervision", "督办"
    ESCALATION = "escalation", "督办升级"
    URGENT = "urgent", "紧急事项"
    OTHER = "other", "其他"


class Channel(models.TextChoices):
    """Where a notification goes besides the in-app inbox (setting XINFANG_NOTIFY_CHANNEL)."""

    LOG = "log", "写入日志"
    SMTP = "smtp", "电子邮件"
    NONE = "none", "不外发"
