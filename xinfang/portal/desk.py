"""Staff pages of the portal (the staff site only; the portal's own site has no route to them)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.accounts.permissions import acting_user, capability_required, has_capability
from xinfang.petitions.choices import Channel
from xinfang.petitions.selectors import petitions_visible_to

from . import selectors, services

SETTINGS_CAPABILITY = "rules.manage"
PAGE_SIZE = 25


@require_GET
@capability_required("petitions.accept")
def home_view(request: HttpRequest) -> HttpResponse:
    """网上信访: the review requests citizens made online that the actor's unit (or one below it)
    registers, oldest first, and the newest online petitions of the office's scope (both
    paginated in the database)."""
    actor = acting_user(request)
    scope = petitions_visible_to(actor)
    unit_path = actor.unit.path if actor.unit is not None else ""
    requests = Paginator(selectors.pending_review_requests(scope, unit_path), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    recent = (
        scope.filter(channel=Channel.ONLINE)
        .select_related("problem_unit")
        .only("pk", "number", "subject", "status", "received_at", "problem_unit__name")
        .order_by("-received_at", "-pk")[:20]
    )
    return render(
        request,
        "portal/desk.html",
        {
            "requests": requests,
            "recent": recent,
            "may_settings": has_capability(actor, SETTINGS_CAPABILITY),
        },
    )


@require_http_methods(["GET", "POST"])
@capability_required(SETTINGS_CAPABILITY)
def settings_view(request: HttpRequest) -> HttpResponse:
    """What the portal's guide publishes: the site's name, reception places and times, hotline, notice."""
    current = selectors.setting()
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {
            name: request.POST.get(name, "") for name in ("site_name", "reception", "hotline", "banner")
        }
        limits = {"site_name": 60, "reception": 4000, "hotline": 60, "banner": 300}
        errors = {
            name: f"不能超过 {limit} 个字。"
            for name, limit in limits.items()
            if len(values[name].strip()) > limit
        }
        if not values["site_name"].strip():
            errors["site_name"] = "请填写网站名称。"
        if not errors:
            services.setting_save(actor=acting_user(request), **values)
            messages.success(request, "已保存，网上信访页面立即生效。")
            return redirect("portal_desk:settings")
        for name, value in values.items():
            setattr(current, name, value)
    return render(
        request,
        "portal/desk_settings.html",
        {"setting": current, "errors": errors},
        status=422 if errors else 200,
    )
