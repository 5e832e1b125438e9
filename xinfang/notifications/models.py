"""Notifications (消息通知): the in-app inbox of each user; the outbound channel is in `channels`."""

from django.conf import settings
from django.db import models

from .choices import NotificationKind


class Notification(models.Model):
    """One message to one user. Written only by `services`.

    `owner_type` and `owner_id` name the record the notification is about, in the strings of
    `deadlines.Deadline.owner_type` ("petitions.petition", "supervision.supervision", …); both
    are empty for a notice about no single record (e.g. "3 proposals wait"). `link` is the page
    to open. Notifications know no kind of case: the owning app writes title, body and link.

    `dedupe_key` (blank for none) makes a notification happen once per recipient, ever: the
    petitions' deadline alerts use "deadline:<petition>:<near|overdue>:<due date>", so a rerun, a
    retry or a crash halfway never notifies twice. `delivered_at` is when the outbound channel (log,
    e-mail) handled it; a retried delivery skips the rows that already have it.
    """

    # No index of its own: the two indexes below and the dedupe constraint all start with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField("类型", max_length=20, choices=NotificationKind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    owner_type = models.CharField("所属对象类型", max_length=60, blank=True)
    owner_id = models.BigIntegerField("所属对象编号", null=True, blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    dedupe_key = models.CharField("去重键", max_length=120, blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    delivered_at = models.DateTimeField("外发时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            # the badge's COUNT (recipient, read_at IS NULL) and the unread inbox in date order
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # what was already sent about a batch of records (the deadline handlers)
            models.Index(fields=["owner_type", "owner_id"], name="notification_owner"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
