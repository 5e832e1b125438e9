"""Key-person pages (重点人员 / 重点群体): the register in scope (masked, filtered, paged in the
database), the enter form, a person's page (in full, audited on every view) with the plan, visits,
alarms, linked petitions, groups, history and the step forms, and the key groups. Views stay thin:
selectors read, the services and the key-person machine write; a refused step shows the page again
with what was typed and the Chinese message once. Messages name a person by number, never by name."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.models import User
from xinfang.accounts.permissions import acting_user, capability_required, has_capability
from xinfang.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.core.forms import apply_service_errors
from xinfang.core.requests import RequestMeta
from xinfang.procedure.forms import Attempt, values_from_post

from . import clocks, forms, selectors, services
from .machine import OFFICE, STEPS, person_transition
from .machine.schemas import EnterIn
from .models import KeyPerson

MANAGE = "keypersons.manage"
SUCCESS = {
    "visit": "已登记走访",
    "update_plan": "已调整一人一策，原措施保留在历史中",
    "change_owner": "已调整责任人",
    "change_risk": "已调整风险等级",
    "start_monitoring": "已启动24小时稳控",
    "stop_monitoring": "已解除24小时稳控",
    "remove": "已提交息访申请，待领导批准",
    "approve_removal": "已批准息访，该人员移出在册名单",
    "reject_removal": "已退回息访申请，该人员仍在册",
}


def _meta(request: HttpRequest) -> RequestMeta | None:
    return RequestMeta.from_request(request)


def _may_enter(actor: User) -> bool:
    """Only the office of an organ keeps the register (the `enter` step's party)."""
    return has_capability(actor, MANAGE) and selectors.sees_register(actor)


def _query_string(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    return f"{query}&" if query else ""


def _errors(exc: ValidationFailed | Conflict) -> dict[str, str]:
    return {k: str(v) for k, v in (exc.extra or {}).items() if isinstance(v, str)}


# --- the register -------------------------------------------------------------------------------


@require_GET
@capability_required("keypersons.view")
def list_view(request: HttpRequest) -> HttpResponse:
    """重点人员: the persons in scope, masked, 25 a page; filters category, risk, unit, overdue
    visits and status (the removed only when asked for)."""
    actor = acting_user(request)
    now = timezone.now()
    form = forms.PersonFilterForm(
        request.GET, categories=forms.category_options(), units=forms.scope_units(actor)
    )
    rows = forms.filtered(actor, form.values(), now)
    page = Paginator(rows, forms.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "rows": forms.list_rows(list(page.object_list), now),
        "query_string": _query_string(request),
        "may_enter": _may_enter(actor),
    }
    return render(request, "keypersons/list.html", context)


# --- entering a person ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def new_view(request: HttpRequest) -> HttpResponse:
    """列管: `EnterIn`'s form and the responsible unit (default the actor's own)."""
    actor = acting_user(request)
    if not selectors.sees_register(actor):
        raise PermissionDenied(OFFICE.refusal)
    units = forms.scope_units(actor)
    if request.method != "POST":
        return _new_page(request, actor, units, None)
    fields = values_from_post(EnterIn, request.POST)
    fields.pop("note", None)
    unit_text = request.POST.get("unit", "").strip()
    try:
        if unit_text and not unit_text.isdigit():
            raise ValidationFailed("请选择责任单位。", {"unit": "请选择责任单位。"})
        try:
            person = services.person_enter(
                actor=actor, unit=int(unit_text) if unit_text else None, request_meta=_meta(request), **fields
            )
        except NotFound:  # a unit outside scope (the form offers none): a field's refusal
            raise ValidationFailed("请选择责任单位。", {"unit": "责任单位须为本单位或下级单位。"}) from None
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
        return _new_page(request, actor, units, request.POST, _errors(exc), status=exc.status_code)
    messages.success(request, f"已列管{person.number}，已通知包案责任人和稳控责任人。")
    return redirect("keypersons:detail", person_id=person.pk)


def _new_page(
    request: HttpRequest,
    actor: User,
    units: list[Any],
    data: QueryDict | None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = forms.enter_items(actor, units, data, errors)
    return render(request, "keypersons/new.html", context, status=status)


# --- a person -------------------------------------------------------------------------------------


@require_GET
@capability_required("keypersons.view")
def detail_view(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.access_person_by_id(acting_user(request), person_id, _meta(request))
    return _detail_page(request, person)


def _detail_page(
    request: HttpRequest, person: KeyPerson, attempt: Attempt | None = None, status: int = 200
) -> HttpResponse:
    """The person in full: every rendering is one PERSONAL_DATA_VIEWED entry."""
    actor = acting_user(request)
    services.person_viewed(actor=actor, person=person, request_meta=_meta(request))
    now = timezone.now()
    record = forms.person_record(person, actor)
    actions = forms.offered(person, actor)
    lists = forms.choice_lists(forms.needed_lists(actions), actor)
    context = {
        "person": person,
        "record": record,
        "risk_badge": forms.RISK_BADGES.get(person.risk, "text-bg-secondary"),
        "status_badge": forms.STATUS_BADGES.get(person.status, "text-bg-secondary"),
        "overdue": forms.is_overdue(person, now),
        "removal_requested_by": record.names.get(person.removal_requested_by_id or 0, ""),
        "hits": forms.hit_rows(record),
        "events": forms.timeline(record),
        "step_forms": forms.step_forms(actions, lists, person, attempt),
        "visits_shown": forms.VISITS_SHOWN,
        # a sensitive period in force whose themes name the person's category: visited more often
        "raised_days": clocks.sensitive_days(person, timezone.localdate(now)),
    }
    return render(request, "keypersons/detail.html", context, status=status)


@require_POST
@capability_required("keypersons.view")
def act_view(request: HttpRequest, person_id: int, action: str) -> HttpResponse:
    """A form of the person's page: the same transition function as the API."""
    actor = acting_user(request)
    meta = _meta(request)
    person = selectors.access_person_by_id(actor, person_id, meta)
    step = STEPS.get(action)
    if step is None or step.form is None or action in forms.NO_FORM:
        raise NotFound()
    fields = values_from_post(step.schema, request.POST)
    note = fields.pop("note", "")
    try:
        person_transition(person=person, action=action, actor=actor, note=note, request_meta=meta, **fields)
    except (ValidationFailed, Conflict) as exc:
        # the page again with the form open, what was typed, and each field's message
        messages.error(request, exc.message)
        errors = _errors(exc) if isinstance(exc, ValidationFailed) else {}
        attempt = Attempt(action=action, data=request.POST, errors=errors)
        fresh = selectors.access_person_by_id(actor, person.pk, meta)
        return _detail_page(request, fresh, attempt, status=exc.status_code)
    messages.success(request, f"{SUCCESS.get(action, '已' + step.label)}：{person.number}。")
    return redirect("keypersons:detail", person_id=person.pk)


# --- key groups -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required("keypersons.view")
def groups_view(request: HttpRequest) -> HttpResponse:
    """重点群体: the groups in scope (their members masked) and, for the office, a new group."""
    actor = acting_user(request)
    may_create = has_capability(actor, MANAGE)
    form: forms.GroupForm | None = None
    status = 200
    if may_create:
        units = forms.scope_units(actor)
        lists = forms.choice_lists({"categories", "people", "leaders"}, actor)
        members = forms.member_options(actor)
        if request.method == "POST":
            form = forms.GroupForm(request.POST, units=units, lists=lists, members=members)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    try:
                        group = services.group_save(
                            actor=actor,
                            unit=data["unit"],
                            name=data["name"],
                            category=data["category"],
                            size=data["size"],
                            leaders=data["leaders"],
                            matter=data["matter"],
                            history=data["history"],
                            case_owner=data["case_owner"],
                            stability_owner=data["stability_owner"],
                            members=list(data["members"]),
                            request_meta=_meta(request),
                        )
                    except NotFound:
                        raise ValidationFailed(
                            "请选择责任单位。", {"unit": "责任单位须为本单位或下级单位。"}
                        ) from None
                except ValidationFailed as exc:
                    apply_service_errors(form, exc)
                    messages.error(request, exc.message)
                    status = 422
                else:
                    messages.success(request, f"已建立重点群体：{group.name}。")
                    return redirect("keypersons:groups")
            else:
                messages.error(request, "重点群体未保存，请按提示修改。")
                status = 422
        else:
            form = forms.GroupForm(initial={"unit": actor.unit_id}, units=units, lists=lists, members=members)
    elif request.method == "POST":
        raise PermissionDenied("您的角色不能建立重点群体。")
    page = Paginator(forms.groups_in_scope(actor), forms.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "rows": forms.group_rows(list(page.object_list), actor),
        "query_string": _query_string(request),
        "open": status != 200,
    }
    return render(request, "keypersons/groups.html", context, status=status)
