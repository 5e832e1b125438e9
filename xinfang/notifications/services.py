"""Writes of notifications: `notify` (the one way any app notifies a user), `notify_event` (the
notices of one step of a procedure: each person once), `notifications_insert` (many prepared rows
at once, for the deadline handlers), reading, and delivery to the outbound channel. The owning
apps write the wording; notifications know no kind of case."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.core.exceptions import ApplicationError, ValidationFailed

from .channels import channel_code, channel_from_settings
from .choices import Channel, NotificationKind
from .models import Notification
from .selectors import access_notification_by_id

DELIVERY_CHUNK = 1000
TITLE_MAX = 200


class DeliveryFailed(ApplicationError):
    """Some notifications could not be sent; the delivery task raises it so that Huey retries."""

    status_code = 503


# --- notify -------------------------------------------------------------------------------------


def owner_key(owner: Any) -> tuple[str, int | None]:
    """(owner_type, owner_id) of a model instance, in the strings of `Deadline.owner_type`
    ("<app label>.<model name>"); ("", None) for no owner."""
    if owner is None:
        return "", None
    meta = owner._meta
    return f"{meta.app_label}.{meta.model_name}", owner.pk


def _recipient_ids(recipients: Iterable[Any]) -> list[int]:
    """User objects or ids, each once, in the order given."""
    ids = dict.fromkeys(r if isinstance(r, int) else r.pk for r in recipients)
    return [pk for pk in ids if pk is not None]


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    owner: Any = None,
    link: str = "",
    dedupe_key: str = "",
) -> int:
    """Notifies each recipient; returns how many notifications are new.

    `owner` is the record the notice is about (a model instance, or None for a notice about no
    single record); `link` the page to open. The caller writes the wording.

    With a `dedupe_key`, a recipient who already has a notification with that key gets none:
    one indexed query finds them, and the insert ignores conflicts too, so that two callers at
    once still notify once. The new notifications go to the outbound channel after commit.
    """
    if kind not in NotificationKind.values:
        raise ValidationFailed("未知的通知类型。", {"kind": f"未知的通知类型：{kind}。"})
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("请填写通知标题。", {"title": "请填写通知标题。"})
    ids = _recipient_ids(recipients)
    if dedupe_key and ids:
        notified = Notification.objects.filter(recipient_id__in=ids, dedupe_key=dedupe_key)
        already = set(notified.values_list("recipient_id", flat=True))
        ids = [pk for pk in ids if pk not in already]
    if not ids:
        return 0
    now = timezone.now()
    owner_type, owner_id = owner_key(owner)
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            title=title[:TITLE_MAX],
            body=body,
            owner_type=owner_type,
            owner_id=owner_id,
            link=link,
            dedupe_key=dedupe_key,
            created_at=now,
        )
        for pk in ids
    ]
    new_ids = _insert(rows, created_at=now, written=Q(recipient_id__in=ids, dedupe_key=dedupe_key))
    _deliver_on_commit(new_ids)
    return len(new_ids)


@dataclass(frozen=True)
class Message:
    """One wording of an event's notices and the people it goes to (users or ids)."""

    recipients: Sequence[Any]
    title: str
    body: str = ""
    kind: str = NotificationKind.TASK


def notify_event(*, messages: Sequence[Message], owner: Any, link: str, event_key: str) -> int:
    """The notices of one event (a step of a procedure): each person gets one notice, the first
    message that names them, however many of its recipient lists they appear in (a village
    handler who is the unit's staff, the responsible person and the case leader's pick). The
    `event_key`, new with each event, is every row's dedupe key: the dedupe constraint refuses a
    second notice to anyone about the same event. One INSERT for all, which returns the ids (no
    conflict to ignore: the key is new and each person is in it once); delivered after commit.
    Returns how many were written."""
    seen: set[int] = set()
    rows: list[Notification] = []
    now = timezone.now()
    owner_type, owner_id = owner_key(owner)
    for message in messages:
        if message.kind not in NotificationKind.values:
            raise ValidationFailed("未知的通知类型。", {"kind": f"未知的通知类型：{message.kind}。"})
        title = message.title.strip()[:TITLE_MAX]
        for pk in _recipient_ids(message.recipients):
            if pk in seen:
                continue
            seen.add(pk)
            rows.append(
                Notification(
                    recipient_id=pk,
                    kind=message.kind,
                    title=title,
                    body=message.body,
                    owner_type=owner_type,
                    owner_id=owner_id,
                    link=link,
                    dedupe_key=event_key,
                    created_at=now,
                )
            )
    if not rows:
        return 0
    written = Notification.objects.bulk_create(rows)
    _deliver_on_commit([row.pk for row in written])
    return len(written)


def _insert(rows: list[Notification], *, created_at: datetime, written: Q) -> list[int]:
    """Inserts `rows`, skipping those a concurrent writer already inserted (the dedupe
    constraint), and returns the ids of the rows written here: the ones of `written` (a filter
    an index answers) stamped with this call's `created_at`. `ignore_conflicts` leaves the
    instances without ids, hence the read."""
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Notification.objects.filter(written, created_at=created_at).values_list("pk", flat=True))


def notifications_insert(rows: list[Notification], *, created_at: datetime, written: Q) -> list[int]:
    """Inserts prepared notifications (all stamped `created_at`; `written` a filter an index
    answers that finds them, e.g. their owners), skipping those the dedupe constraint refuses,
    and sends the new ones to the outbound channel after commit. Returns their ids. For callers
    that word many notices at once (the deadline handlers); `notify` is the one-notice way."""
    new_ids = _insert(rows, created_at=created_at, written=written)
    _deliver_on_commit(new_ids)
    return new_ids


def _deliver_on_commit(notification_ids: list[int]) -> None:
    if not notification_ids or channel_code() == Channel.NONE:
        return
    chunks = [
        notification_ids[start : start + DELIVERY_CHUNK]
        for start in range(0, len(notification_ids), DELIVERY_CHUNK)
    ]

    def enqueue() -> None:
        from .tasks import notifications_deliver_task

        for chunk in chunks:
            notifications_deliver_task(chunk)

    transaction.on_commit(enqueue)


# --- reading ------------------------------------------------------------------------------------


def notification_mark_read(*, actor: Any, notification_id: Any) -> Notification:
    """Marks one of the actor's own notifications read (404 for anyone else's). Idempotent."""
    notification = access_notification_by_id(actor, notification_id)
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, actor: Any) -> int:
    """Marks every unread notification of the actor read; returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- delivery -----------------------------------------------------------------------------------


def notifications_deliver(*, notification_ids: list[int]) -> int:
    """Hands notifications to the outbound channel; returns how many it sent.

    Rows already delivered are skipped, so a retry sends only what failed before. Raises
    `DeliveryFailed` when some failed, for the Huey task to retry; the in-app notifications stay
    whatever happens here.
    """
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, delivered_at__isnull=True)
        .select_related("recipient")
        .order_by("pk")
    )
    if not pending:
        return 0
    delivery = channel_from_settings().send(pending)
    if delivery.sent:
        Notification.objects.filter(pk__in=delivery.sent).update(delivered_at=timezone.now())
    if delivery.failed:
        raise DeliveryFailed(
            f"{len(delivery.failed)} 条消息通知外发失败，将自动重试。", {"ids": delivery.failed}
        )
    return len(delivery.sent)
