"""The inbox bell's unread count, for the bell notifications adds to the navigation bar."""

from typing import Any

from django.http import HttpRequest

from .selectors import notification_unread_count


class UnreadCount:
    """The navbar badge's unread count: one indexed COUNT, made only when a template reads it
    (templates call callables) and at most once per request context."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.value: int | None = None

    def __call__(self) -> int:
        if self.value is None:
            self.value = notification_unread_count(recipient=self.user)
        return self.value


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": UnreadCount(user)}
