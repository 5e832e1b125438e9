"""REST API of the caller's own notifications: list, mark one read, mark all read."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from xinfang.core.bounds import PageNumber

from . import selectors, services
from .models import Notification

router = Router(tags=["消息通知"])

MAX_PAGE_SIZE = 100


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    owner_type: str
    owner_id: int | None
    link: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    page: int
    page_size: int
    items: list[NotificationOut]


class NotificationQuery(Schema):
    unread: bool = False
    page: PageNumber = 1
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class ReadAllOut(Schema):
    marked: int
    unread: int


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


def _notification(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "kind_label": notification.get_kind_display(),
        "title": notification.title,
        "body": notification.body,
        "owner_type": notification.owner_type,
        "owner_id": notification.owner_id,
        "link": notification.link,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@router.get("/notifications", response={200: NotificationPage, 422: ErrorOut})
def list_notifications(request: HttpRequest, query: Query[NotificationQuery]) -> dict[str, Any]:
    """我的消息通知，最新在前；unread=true 只列未读。`count` 为符合条件的条数，`unread` 为未读总数。"""
    notifications = selectors.notification_list(recipient=request.user, unread_only=query.unread)
    start = (query.page - 1) * query.page_size
    items = list(notifications[start : start + query.page_size])
    return {
        "count": notifications.count(),
        "unread": selectors.notification_unread_count(recipient=request.user),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_notification(n) for n in items],
    }


@router.post("/notifications/read-all", response={200: ReadAllOut})
def read_all_notifications(request: HttpRequest) -> dict[str, int]:
    """将我的全部未读消息标为已读。"""
    marked = services.notifications_mark_all_read(actor=request.user)
    return {"marked": marked, "unread": selectors.notification_unread_count(recipient=request.user)}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, 404: ErrorOut})
def read_notification(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    """将一条消息标为已读（可重复调用）；他人的消息回答 404。"""
    notification = services.notification_mark_read(actor=request.user, notification_id=notification_id)
    return _notification(notification)
