"""Outbound channels (外发渠道): where a notification goes besides the in-app inbox.

One class per channel, chosen by `settings.XINFANG_NOTIFY_CHANNEL` ("log", the default; "smtp";
"none"). `send` gets notifications with their recipient loaded and reports which it sent and
which failed; a failure is logged here and never raised, so that one bad message does not stop
the others. The in-app notification is already committed whatever a channel does.

Nothing a channel writes out names a petitioner: titles carry the petition's number, step and
date only, and the log line carries the recipient's username and the title.
"""

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection, send_mail

from .choices import Channel
from .models import Notification

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "【信访维稳工作平台】"


@dataclass
class Delivery:
    """Ids of the notifications sent and of those that failed; the rest were skipped (no address)."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


class NotificationChannel:
    code: str = ""

    def send(self, notifications: Sequence[Notification]) -> Delivery:
        raise NotImplementedError


class LogChannel(NotificationChannel):
    """One INFO line per notification, for installations without mail (and for the ops log)."""

    code = Channel.LOG

    def send(self, notifications: Sequence[Notification]) -> Delivery:
        for notification in notifications:
            logger.info("消息通知 → %s：%s", notification.recipient.username, notification.title)
        return Delivery(sent=[notification.pk for notification in notifications])


class SmtpChannel(NotificationChannel):
    """An e-mail per notification to the recipient's address, over one SMTP connection.

    Users without an address are skipped. When the server cannot be reached, nothing is sent
    and everything is reported failed, so that the delivery task is retried later.
    """

    code = Channel.SMTP

    def send(self, notifications: Sequence[Notification]) -> Delivery:
        delivery = Delivery()
        addressed = [n for n in notifications if n.recipient.email]
        if not addressed:
            return delivery
        connection = get_connection()
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("消息通知邮件服务器不可用（%s 条待发）：%s", len(addressed), error)
            delivery.failed = [n.pk for n in addressed]
            return delivery
        try:
            for notification in addressed:
                self._send_one(notification, connection, delivery)
        finally:
            connection.close()
        return delivery

    def _send_one(self, notification: Notification, connection: object, delivery: Delivery) -> None:
        try:
            send_mail(
                subject=f"{SUBJECT_PREFIX}{notification.title}",
                message=email_text(notification),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[notification.recipient.email],
                connection=connection,
            )
        except (OSError, smtplib.SMTPException) as error:
            logger.warning(
                "消息通知邮件发送失败（通知 %s → %s）：%s",
                notification.pk,
                notification.recipient.username,
                error,
            )
            delivery.failed.append(notification.pk)
        else:
            delivery.sent.append(notification.pk)


class NoChannel(NotificationChannel):
    """In-app only."""

    code = Channel.NONE

    def send(self, notifications: Sequence[Notification]) -> Delivery:
        return Delivery()


CHANNELS: dict[str, type[NotificationChannel]] = {
    Channel.LOG: LogChannel,
    Channel.SMTP: SmtpChannel,
    Channel.NONE: NoChannel,
}


def email_text(notification: Notification) -> str:
    lines = [notification.title]
    if notification.body:
        lines += ["", notification.body]
    if notification.link:
        lines += ["", f"查看：{settings.XINFANG_NOTIFY_SITE_URL}{notification.link}"]
    lines += ["", "此邮件由信访维稳工作平台自动发送，请勿回复。"]
    return "\n".join(lines)


def channel_code() -> str:
    code = settings.XINFANG_NOTIFY_CHANNEL
    if code not in CHANNELS:
        raise ImproperlyConfigured(
            f"XINFANG_NOTIFY_CHANNEL 须为 {'、'.join(CHANNELS)} 之一，当前为 {code!r}。"
        )
    return code


def channel_from_settings() -> NotificationChannel:
    return CHANNELS[channel_code()]()
