"""Maps service errors raised inside page views to a Chinese error page with the right status."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from .db import BUSY_MESSAGE, RETRY_AFTER_SECONDS, is_lock_timeout, recover_connections
from .exceptions import ApplicationError, NotFound


class ApplicationErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if is_lock_timeout(exception):
            return busy_page(request)
        if not isinstance(exception, ApplicationError):
            return None
        template = "core/404.html" if isinstance(exception, NotFound) else "core/error.html"
        return render(request, template, {"message": exception.message}, status=exception.status_code)


def busy_page(request: HttpRequest) -> HttpResponse:
    """A lock wait that timed out: 503 in the product's layout, and come back in a few seconds."""
    recover_connections()
    response = render(request, "core/503.html", {"message": BUSY_MESSAGE}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class NoStoreMiddleware:
    """Pages for a signed-in user and every API answer carry personal data: no browser or proxy
    cache may keep them (Cache-Control: no-store). Static files are served before this runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response


CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # ECharts' tooltips and Swagger UI write style attributes; scripts stay 'self' only
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)


class ContentSecurityPolicyMiddleware:
    """Every response says where scripts, styles and images may come from: our own static files
    only, so that no inline script runs (an injected one included). Templates therefore hold no
    <script> body and no on…= attribute; their scripts live in static .js files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
