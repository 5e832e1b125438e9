"""Pages of supervision: the list with its tabs and filters. The actions themselves are forms on
the petition page and go through the petition's transition function (petitions:action)."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xinfang.accounts.permissions import capability_required
from xinfang.core.http import HtmxRequest

from .forms import SupervisionFilterForm
from .selectors import TABS, supervision_list
from .templatetags.supervision import decorate

PAGE_SIZE = 25


@require_GET
@capability_required("petitions.view")
def supervision_list_view(request: HtmxRequest) -> HttpResponse:
    form = SupervisionFilterForm(request.GET, actor=request.user)
    filters = form.to_filter()
    page = Paginator(supervision_list(actor=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for supervision in page.object_list:
        decorate(supervision)
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    tab_params = request.GET.copy()
    for name in ("page", "tab"):
        tab_params.pop(name, None)
    context = {
        "form": form,
        "tab": filters.tab,
        "tabs": [("", "全部")] + [(key, label) for key, (label, _) in TABS.items()],
        "tab_query": f"{tab_params.urlencode()}&" if tab_params else "",
        "page_obj": page,
        "query_string": f"{query}&" if query else "",
    }
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return render(request, "supervision/partials/_list_results.html", context)
    return render(request, "supervision/supervision_list.html", context)
