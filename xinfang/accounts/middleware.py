"""Session rules: end a session after SESSION_IDLE_MINUTES without a request, and send users who
must change their password to the change page before anything else."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from xinfang.core.requests import RequestMeta

from .policy import security_policy
from .services import auth_record_logout

LAST_ACTIVITY_KEY = "last_activity"
EXEMPT_PREFIXES = ("/static/", "/api/")


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES):
            now = timezone.now().timestamp()
            last = request.session.get(LAST_ACTIVITY_KEY)
            idle_minutes = security_policy().idle_minutes
            if last is not None and now - last > idle_minutes * 60:
                user = request.user
                logout(request)
                auth_record_logout(user=user, request_meta=RequestMeta.from_request(request), expired=True)
                messages.warning(request, f"您已超过 {idle_minutes} 分钟未操作，请重新登录。")
                if request.htmx:  # type: ignore[attr-defined]
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = settings.LOGIN_URL_PATH
                    return response
                return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    ALLOWED = ("/accounts/password/", "/accounts/logout/", "/static/", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.must_change_password and not request.path.startswith(self.ALLOWED):
            return redirect("accounts:password_change")
        return self.get_response(request)
