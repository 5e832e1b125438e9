from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinfang.accounts.http import AuthenticatedRequest
from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of
from xinfang.disputes.figures import figures as dispute_figures
from xinfang.duty.selectors import duty_units_for, on_duty_now, published_months_with_gaps
from xinfang.petitions.selectors import warning_boundary
from xinfang.petitions.views import LIGHT_COLOURS, STATUS_BADGES, DeadlineLight, deadline_light
from xinfang.stats.selectors import month_key, overview_charts, stats_overview

from .guides import GUIDES, guides_for
from .selectors import TodoGroup, todo_groups, work_queue_page, work_queue_q

QUEUE_PAGE_SIZE = 15


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """工作台: the leaders' dashboard (stats.view), or the user's own work queue."""
    user = request.user
    today = timezone.localdate()
    capabilities = capabilities_of(user)
    context: dict[str, object] = {
        "today": today,
        "roles": user.role_labels(),
        "capabilities": capabilities,
    }
    todo = _todo(user, request.GET.get("todo", ""), request.GET.get("todo_page"), today)
    context.update(todo=todo, todo_total=sum(group.count for group in todo))
    # 今日值班: the shift running now at the user's unit and the unit above, with phones; and for
    # the office that draws up the roster, its published months that leave a gap
    context["on_duty"] = on_duty_now(duty_units_for(user))
    if "duty.roster" in capabilities and user.unit is not None:
        context["duty_gaps"] = published_months_with_gaps(user.unit)
    if "stats.view" in capabilities and user.unit is not None:
        overview = stats_overview(
            actor=user,
            unit=user.unit,
            month_from=month_key(today.replace(month=1, day=1)),
            month_to=month_key(today),
            today=today,
        )
        context.update(overview=overview, charts=overview_charts(overview))
        if "disputes.view" in capabilities:
            # 矛盾纠纷调处 this year against 篇五's targets (one aggregate)
            context["disputes"] = dispute_figures(
                actor=user, unit=user.unit, first=today.replace(month=1, day=1), last=today, today=today
            )
    elif work_queue_q(user) is not None:
        page = work_queue_page(actor=user, page=request.GET.get("page"), per_page=QUEUE_PAGE_SIZE)
        boundary = warning_boundary(today)
        for petition in page.items:
            # read by the queue's rows (petitions/partials/_light.html), as on the register
            petition.light = deadline_light(petition, boundary)  # type: ignore[attr-defined]
            petition.status_badge = STATUS_BADGES.get(petition.status, "text-bg-secondary")  # type: ignore[attr-defined]
        context.update(queue=page, show_queue=True)
    return render(request, "workbench/home.html", context)


def _todo(user: User, code: str, page: str | None, today: date) -> list[TodoGroup]:
    """The user's 待办 by kind (`?todo=<kind>&todo_page=N` pages one kind), each row with the
    traffic light of its deadline (red overdue, yellow within 3 working days)."""
    try:
        pages = {code: max(int(page), 1)} if code and page else {}
    except ValueError:
        pages = {}
    groups = todo_groups(actor=user, pages=pages)
    rows = [row for group in groups for row in group.rows]
    if rows:  # the calendar is read only for a page that shows deadlines
        boundary = warning_boundary(today)
        for row in rows:
            row.light = _light(row.deadline, today, boundary)
    return groups


def _light(deadline: date | None, today: date, boundary: date) -> DeadlineLight | None:
    if deadline is None:
        return None
    days = (deadline - today).days
    if deadline < today:
        return DeadlineLight(LIGHT_COLOURS["red"], f"逾期 {-days} 天")
    colour = LIGHT_COLOURS["yellow" if deadline <= boundary else "green"]
    return DeadlineLight(colour, "今日到期" if days == 0 else f"剩 {days} 天")


@login_required
def guide(request: AuthenticatedRequest, role: str | None = None) -> HttpResponse:
    """使用指引: the guide of `role`, or of the user's own roles; every role's guide is listed."""
    if role is None:
        shown = guides_for(request.user.role_codes)
    elif role in GUIDES:
        shown = [GUIDES[role]]
    else:
        raise Http404("没有这个角色的使用指引。")
    others = [g for g in GUIDES.values() if g not in shown]
    return render(request, "workbench/guide.html", {"guides": shown, "others": others})
