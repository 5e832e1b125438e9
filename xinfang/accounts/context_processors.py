"""The navigation bar: the entries each app registered (core.navigation), only those the
signed-in user's capabilities allow."""

from typing import Any

from django.http import HttpRequest

from xinfang.core.navigation import MAIN, TOOLS, nav_items_for

from .permissions import capabilities_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    caps = capabilities_of(user)
    return {
        "nav_items": nav_items_for(capabilities=caps, path=request.path, group=MAIN),
        "nav_tools": nav_items_for(capabilities=caps, path=request.path, group=TOOLS),
        "user_capabilities": caps,
    }
