"""On the portal's own site, only the static files its pages use are served (the staff
platform's scripts and styles are not published on the internet)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound

PORTAL_STATIC = ("portal/", "vendor/bootstrap/bootstrap.min.")


class PortalStaticOnly:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = settings.STATIC_URL

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.prefix):
            name = request.path[len(self.prefix) :]
            if not name.startswith(PORTAL_STATIC):
                return HttpResponseNotFound("页面不存在。", content_type="text/plain; charset=utf-8")
        return self.get_response(request)
