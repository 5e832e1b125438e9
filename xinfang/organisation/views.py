from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from xinfang.accounts.permissions import capability_required, has_capability
from xinfang.core.exceptions import ApplicationError
from xinfang.core.forms import apply_service_errors
from xinfang.core.requests import RequestMeta

from . import services
from .forms import UnitForm
from .models import UnitType
from .selectors import access_unit_by_id, unit_list


@capability_required("units.view")
def unit_list_view(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    unit_type = request.GET.get("unit_type", "")
    page = Paginator(unit_list(actor=request.user, q=q, unit_type=unit_type), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "organisation/unit_list.html",
        {
            "page_obj": page,
            "q": q,
            "unit_type": unit_type,
            "unit_types": UnitType.choices,
            "query_string": f"q={q}&unit_type={unit_type}&",
            "can_manage": has_capability(request.user, "units.manage"),
        },
    )


@login_required
def unit_detail_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = access_unit_by_id(request.user, unit_id)
    children = unit_list(actor=request.user).filter(parent=unit)
    return render(
        request,
        "organisation/unit_detail.html",
        {"unit": unit, "children": children, "can_manage": has_capability(request.user, "units.manage")},
    )


@capability_required("units.manage")
def unit_create_view(request: HttpRequest, parent_id: int) -> HttpResponse:
    parent = access_unit_by_id(request.user, parent_id)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(
                actor=request.user,
                parent=parent,
                request_meta=RequestMeta.from_request(request),
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已新建单位 {unit.name}。")
            return redirect("organisation:unit_detail", unit_id=unit.pk)
    return render(
        request, "organisation/unit_form.html", {"form": form, "title": f"在 {parent.name} 下新建单位"}
    )


@capability_required("units.manage")
def unit_edit_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = access_unit_by_id(request.user, unit_id)
    initial = {"name": unit.name, "code": unit.code, "unit_type": unit.unit_type, "is_active": unit.is_active}
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(
                actor=request.user,
                unit=unit,
                request_meta=RequestMeta.from_request(request),
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已保存单位 {unit.name}。")
            return redirect("organisation:unit_detail", unit_id=unit.pk)
    return render(request, "organisation/unit_form.html", {"form": form, "title": f"编辑 {unit.name}"})


@capability_required("units.manage")
def unit_types_view(request: HttpRequest) -> HttpResponse:
    """单位类型设置: which types are organs (有权处理的机关). One checkbox per type."""
    if request.method == "POST":
        chosen = set(request.POST.getlist("answers"))
        try:
            changed = services.unit_types_save(
                actor=request.user,
                answers={t: t in chosen for t in UnitType.values},
                request_meta=RequestMeta.from_request(request),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已保存单位类型设置，{changed} 个单位的所属机关随之调整。")
            return redirect("organisation:unit_types")
    answers = services.answering_types()
    return render(
        request,
        "organisation/unit_types.html",
        {"types": [(t, label, answers[t]) for t, label in UnitType.choices]},
    )
