"""Reads of notifications: each user sees only their own."""

from typing import Any

from django.db.models import QuerySet

from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta

from .models import Notification


def notification_list(*, recipient: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The inbox, newest first (index (recipient, created_at); unread: (recipient, read_at, …))."""
    qs = Notification.objects.filter(recipient=recipient)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_unread_count(*, recipient: Any) -> int:
    """The badge: one COUNT over the (recipient, read_at) index."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()


def access_notification_by_id(
    actor: Any, notification_id: Any, request_meta: RequestMeta | None = None
) -> Notification:
    """The same NotFound for a notification that does not exist and for another user's; the
    latter is audited (ACCESS_DENIED)."""
    try:
        return Notification.objects.get(pk=int(notification_id), recipient=actor)
    except (Notification.DoesNotExist, ValueError, TypeError):
        audit_access_denied(
            actor=actor, model=Notification, target_id=notification_id, request_meta=request_meta
        )
        raise NotFound() from None
