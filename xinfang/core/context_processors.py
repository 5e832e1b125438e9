"""The navigation bar: only what the signed-in user's capabilities allow."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from xinfang.accounts.permissions import capabilities_of
from xinfang.notifications.selectors import notification_unread_count

NAV_ITEMS = (
    ("工作台", "core:home", None),
    ("信访登记簿", "petitions:register", "petitions.view"),
    ("督查督办", "supervision:list", "petitions.view"),
    ("统计分析", "stats:index", "stats.view"),
    ("期限计算器", "deadlines:calculator", "calendar.compute"),
    ("节假日设置", "deadlines:holidays", "calendar.manage"),
    ("期限规则", "deadlines:rules", "rules.manage"),
    ("文书模板", "documents:templates", "templates.manage"),
    ("组织机构", "organisation:unit_list", "units.view"),
    ("用户管理", "accounts:user_list", "users.manage"),
    ("角色分配", "accounts:user_list", "roles.manage"),
    ("安全策略", "accounts:policy", "security.manage"),
    ("审计日志", "audit:entry_list", "audit.view_log"),
)


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


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    caps = capabilities_of(user)
    items = []
    seen = set()
    for label, url_name, capability in NAV_ITEMS:
        if capability is not None and capability not in caps:
            continue
        url = reverse(url_name)
        if url in seen:
            continue
        seen.add(url)
        items.append({"label": label, "url": url, "active": request.path == url})
    return {"nav_items": items, "user_capabilities": caps, "inbox_unread": UnreadCount(user)}
