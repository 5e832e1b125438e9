"""Pages: the inbox (消息通知), marking read. Each user sees only their own notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from xinfang.core.http import HtmxRequest

from . import selectors, services

PAGE_SIZE = 25


@require_GET
@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    """Newest first, 25 a page (LIMIT/OFFSET); `?unread=1` shows only the unread ones."""
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.notification_list(recipient=request.user, unread_only=unread_only)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "notifications": page.object_list,
        "unread_only": unread_only,
        "query_string": "unread=1&" if unread_only else "",
    }
    return render(request, "notifications/inbox.html", context)


@require_POST
@login_required
def notification_read_view(request: HtmxRequest, notification_id: int) -> HttpResponse:
    """Marks read. From htmx: the item again (and the badge, out of band); from a plain form
    (a click on the title): on to the page the notification is about."""
    notification = services.notification_mark_read(actor=request.user, notification_id=notification_id)
    if request.htmx:
        return render(request, "notifications/partials/_read.html", {"notification": notification})
    link = notification.link
    if link and link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notifications:inbox")


@require_POST
@login_required
def notifications_read_all_view(request: HttpRequest) -> HttpResponse:
    marked = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, f"已将 {marked} 条消息标为已读。" if marked else "没有未读消息。")
    return redirect("notifications:inbox")
