from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinfang.accounts.permissions import capabilities_of
from xinfang.deadlines.selectors import calendar_year_status


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    context = {
        "today": today,
        "roles": user.role_labels(),
        "capabilities": capabilities_of(user),
        "calendar_missing_years": [
            year for year in (today.year, today.year + 1) if not calendar_year_status(year).is_covered
        ],
    }
    return render(request, "core/home.html", context)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"message": "您没有执行此操作的权限。"}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", {"message": "记录不存在或您无权查看。"}, status=404)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
