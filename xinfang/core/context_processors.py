"""The navigation bar: only what the signed-in user's capabilities allow."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from xinfang.accounts.permissions import capabilities_of

NAV_ITEMS = (
    ("工作台", "core:home", None),
    ("信访登记簿", "petitions:register", "petitions.view"),
    ("期限计算器", "deadlines:calculator", "calendar.compute"),
    ("节假日设置", "deadlines:holidays", "calendar.manage"),
    ("组织机构", "organisation:unit_list", "units.view"),
    ("用户管理", "accounts:user_list", "users.manage"),
    ("角色分配", "accounts:user_list", "roles.manage"),
    ("安全策略", "accounts:policy", "security.manage"),
    ("审计日志", "audit:entry_list", "audit.view_log"),
)


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
    return {"nav_items": items, "user_capabilities": caps}
