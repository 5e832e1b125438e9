"""Incident pages (突发事件): the board of open incidents (refreshing itself), the closed ones, the
register form, an incident's page with its reports, tasks, instructions, evidence and steps, the
contingency plans and the levels' rules. Views stay thin: selectors read, the services and the
incident machine write; a refused step shows the page again with what was typed and the Chinese
message once."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.models import User
from xinfang.accounts.permissions import acting_user, capabilities_of, capability_required, has_capability
from xinfang.core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.procedure.forms import Attempt, values_from_post

from . import forms, selectors, services
from .choices import IncidentKind, IncidentStatus, Level
from .levels import limits_all
from .machine import STEPS, allowed_actions, incident_transition
from .machine.schemas import RegisterIn
from .models import ContingencyPlan, Evidence, Incident
from .settings_services import level_rule_save

CLOSED_PAGE_SIZE = 25
REGISTER_CAPABILITIES = frozenset({"incidents.manage", "incidents.report"})
SUCCESS = {
    "report": "已报送",
    "sign_report": "已签收报告",
    "phone_report": "已登记电话报告",
    "activate_plan": "已启动应急预案，任务已分派",
    "complete_task": "已完成预案任务",
    "on_site": "已进入现场处置阶段",
    "arrive": "已登记主要领导到场",
    "instruct": "已批示并批转有关单位",
    "acknowledge": "已确认批示",
    "set_line": "已保存统一答复口径",
    "media_consent": "已记录媒体采访同意意见",
    "aftermath": "已转入善后阶段",
    "account": "已记录责任追究",
    "close": "事件已结束",
}


def _meta(request: HttpRequest) -> RequestMeta | None:
    return RequestMeta.from_request(request)


def _may_register(actor: User) -> bool:
    return bool(capabilities_of(actor) & REGISTER_CAPABILITIES)


# --- the board ------------------------------------------------------------------------------------


def _board(request: HttpRequest) -> dict[str, Any]:
    actor = acting_user(request)
    now = timezone.now()
    rows = forms.board_rows(selectors.board(actor), now)
    return {
        "rows": rows,
        "now": timezone.localtime(now),
        "overdue_count": sum(1 for r in rows if r.clock.overdue),
    }


@require_GET
@capability_required("incidents.view")
def board_view(request: HttpRequest) -> HttpResponse:
    """突发事件: the open incidents in scope, the next report due first; refreshes every 30 s."""
    actor = acting_user(request)
    context = _board(request)
    context.update(
        {
            "may_register": _may_register(actor),
            "may_plans": has_capability(actor, "incidents.plans"),
        }
    )
    return render(request, "incidents/board.html", context)


@require_GET
@capability_required("incidents.view")
def board_partial_view(request: HttpRequest) -> HttpResponse:
    return render(request, "incidents/partials/_board.html", _board(request))


@require_GET
@capability_required("incidents.view")
def closed_view(request: HttpRequest) -> HttpResponse:
    """已结束事件, newest first, a page at a time."""
    rows = selectors.incident_list(actor=acting_user(request), status=IncidentStatus.CLOSED)
    page = Paginator(rows, CLOSED_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/closed.html",
        {
            "page_obj": page,
            "rows": forms.board_rows(list(page.object_list), timezone.now()),
            "query_string": "",
        },
    )


# --- registering ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required("incidents.view")
def new_view(request: HttpRequest) -> HttpResponse:
    """登记突发事件; `?sign=<report id>` fills it from an information report (苗头信息)."""
    actor = acting_user(request)
    if not _may_register(actor):
        raise PermissionDenied("您的角色不能登记突发事件。")
    units = forms.scope_units(actor)
    if request.method != "POST":
        data = None
        sign = request.GET.get("sign", "").strip()
        if sign:
            from xinfang.inforeports.selectors import access_report_by_id

            data = forms.sign_initial(access_report_by_id(actor, sign, _meta(request)), actor)
        return _new_page(request, actor, units, data)
    fields = values_from_post(RegisterIn, request.POST)
    fields.pop("note", None)
    sign = request.POST.get("sign", "").strip()
    if sign:
        fields["sign"] = sign
    unit_text = request.POST.get("unit", "").strip()
    try:
        if unit_text and not unit_text.isdigit():
            raise ValidationFailed("请选择责任单位。", {"unit": "请选择责任单位。"})
        incident = services.incident_register(
            actor=actor, unit=int(unit_text) if unit_text else None, request_meta=_meta(request), **fields
        )
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
        errors = {k: str(v) for k, v in (exc.extra or {}).items() if isinstance(v, str)}
        return _new_page(request, actor, units, request.POST, errors, status=exc.status_code)
    messages.success(
        request,
        f"已登记突发事件 {incident.number}（{incident.get_level_display()}）。请在时限内首报，并通知主要领导到场。",
    )
    return redirect("incidents:detail", incident_id=incident.pk)


def _new_page(
    request: HttpRequest,
    actor: User,
    units: list[Any],
    data: Any,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = forms.register_items(actor, units, data, errors)
    return render(request, "incidents/new.html", context, status=status)


# --- an incident ----------------------------------------------------------------------------------


@require_GET
@capability_required("incidents.view")
def detail_view(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = selectors.access_incident_by_id(request.user, incident_id, _meta(request))
    return _detail_page(request, incident)


def _detail_page(
    request: HttpRequest,
    incident: Incident,
    attempt: Attempt | None = None,
    status: int = 200,
    evidence_description: str = "",
) -> HttpResponse:
    actor = acting_user(request)
    now = timezone.now()
    record = forms.incident_record(incident)
    actions = allowed_actions(incident, actor)
    lists = forms.choice_lists(forms.needed_lists(actions), incident, actor, record)
    step_forms = forms.step_forms(actions, lists, incident, record, attempt)
    clock = forms.clock_of(incident, now)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "clock": clock,
            "level_badge": forms.LEVEL_BADGES.get(incident.level, "text-bg-secondary"),
            "status_badge": forms.STATUS_BADGES.get(incident.status, "text-bg-secondary"),
            "phases": forms.phases(incident.status),
            "record": record,
            "reports": [{"report": r, "document": record.documents.get(r.pk)} for r in record.reports],
            "events": forms.timeline(record),
            "step_forms": step_forms,
            "no_plans": "activate_plan" in actions and not lists.get("plans"),
            "may_upload": "add_evidence" in actions,
            "evidence_description": evidence_description,
            "max_evidence_mb": services.EVIDENCE_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@require_POST
@capability_required("incidents.view")
def act_view(request: HttpRequest, incident_id: int, action: str) -> HttpResponse:
    """A button of the incident page: the same transition function as the API."""
    actor = acting_user(request)
    meta = _meta(request)
    incident = selectors.access_incident_by_id(actor, incident_id, meta)
    step = STEPS.get(action)
    if step is None or step.form is None or action in forms.NO_FORM:
        raise NotFound()
    fields = values_from_post(step.schema, request.POST)
    note = fields.pop("note", "")
    try:
        incident_transition(
            incident=incident, action=action, actor=actor, note=note, request_meta=meta, **fields
        )
    except (ValidationFailed, Conflict) as exc:
        # the page again with the form open, what was typed, and each field's message
        messages.error(request, exc.message)
        errors = {k: str(v) for k, v in (exc.extra or {}).items() if isinstance(v, str)}
        attempt = Attempt(
            action=action, data=request.POST, errors=errors if isinstance(exc, ValidationFailed) else {}
        )
        fresh = selectors.access_incident_by_id(actor, incident.pk, meta)
        return _detail_page(request, fresh, attempt, status=exc.status_code)
    messages.success(request, f"{SUCCESS.get(action, '已' + step.label)}：{incident.number}。")
    return redirect("incidents:detail", incident_id=incident.pk)


@require_POST
@capability_required("incidents.view")
def evidence_upload_view(request: HttpRequest, incident_id: int) -> HttpResponse:
    actor = acting_user(request)
    meta = _meta(request)
    incident = selectors.access_incident_by_id(actor, incident_id, meta)
    if not _may_register(actor):
        raise PermissionDenied("您的角色不能上传现场证据。")
    description = request.POST.get("description", "").strip()
    uploaded = request.FILES.get("file")
    try:
        if uploaded is None:
            raise ValidationFailed("请选择要上传的文件。", {"file": "请选择要上传的文件。"})
        row = services.evidence_add(
            actor=actor, incident=incident, uploaded_file=uploaded, description=description, request_meta=meta
        )
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
        fresh = selectors.access_incident_by_id(actor, incident.pk, meta)
        return _detail_page(request, fresh, status=exc.status_code, evidence_description=description)
    messages.success(request, f"已上传现场证据：{row.original_name}。")
    return redirect(f"{reverse('incidents:detail', args=[incident.pk])}#evidence")


@require_GET
@capability_required("incidents.view")
def evidence_download_view(request: HttpRequest, incident_id: int, evidence_id: int) -> FileResponse:
    """A piece of evidence, its download audited."""
    meta = _meta(request)
    incident = selectors.access_incident_by_id(request.user, incident_id, meta)
    row = Evidence.objects.filter(incident=incident, pk=evidence_id).first()
    if row is None:
        raise NotFound()
    row.incident = incident
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError):
        raise ApplicationError("证据文件缺失，请联系系统管理员。") from None
    services.evidence_downloaded(actor=request.user, evidence=row, request_meta=meta)
    return FileResponse(handle, as_attachment=True, filename=row.original_name, content_type=row.content_type)


# --- contingency plans ----------------------------------------------------------------------------


@require_GET
@capability_required("incidents.view")
def plans_view(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    plans = selectors.plans_visible_to(actor).prefetch_related("tasks").order_by("unit_path", "name")
    kinds, roles = dict(IncidentKind.choices), dict(forms.ROLE_CHOICES)
    rows = [
        {
            "plan": plan,
            "kinds": [kinds.get(k, k) for k in plan.kinds],
            "tasks": [(t.title, roles.get(t.role, t.role)) for t in plan.tasks.all()],
        }
        for plan in plans
    ]
    context = {"rows": rows, "may_edit": has_capability(actor, "incidents.plans")}
    return render(request, "incidents/plans.html", context)


@require_http_methods(["GET", "POST"])
@capability_required("incidents.plans")
def plan_edit_view(request: HttpRequest, plan_id: int | None = None) -> HttpResponse:
    """A new plan, or one in scope changed: name, kinds, in force, and its tasks (rows of title and
    role; a blank row is left out, 增加一行 adds one without saving)."""
    actor = acting_user(request)
    meta = _meta(request)
    plan: ContingencyPlan | None = None
    if plan_id is not None:
        plan = selectors.plans_visible_to(actor).filter(pk=plan_id).prefetch_related("tasks").first()
        if plan is None:
            raise NotFound()
    units = None if plan is not None else forms.scope_units(actor)
    if request.method != "POST":
        initial: dict[str, Any] = (
            {"name": plan.name, "kinds": plan.kinds, "active": plan.active}
            if plan is not None
            else {"unit": actor.unit_id, "active": True}
        )
        form = forms.PlanForm(initial=initial, units=units)
        return _plan_page(request, form, plan, forms.plan_initial_tasks(plan))
    form = forms.PlanForm(request.POST, units=units)
    tasks = forms.plan_tasks(request.POST)
    if "add_row" in request.POST:  # one more blank row, what was typed kept, nothing saved
        typed = {
            "name": request.POST.get("name", ""),
            "unit": request.POST.get("unit", ""),
            "kinds": request.POST.getlist("kinds"),
            "active": "active" in request.POST,
        }
        again = forms.PlanForm(initial=typed, units=units)
        blank = max(0, len(request.POST.getlist("task_title")) - len(tasks)) + 1
        return _plan_page(request, again, plan, tasks, blank=blank)
    if not form.is_valid():
        messages.error(request, "应急预案未保存，请按提示修改。")
        return _plan_page(request, form, plan, tasks, status=422)
    data = form.cleaned_data
    try:
        saved = services.plan_save(
            actor=actor,
            unit=data.get("unit") or None,
            name=data["name"],
            kinds=list(data["kinds"]),
            tasks=tasks,
            plan=plan,
            active=data["active"],
            request_meta=meta,
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        for field in ("name", "kinds"):
            if field in exc.extra:
                form.add_error(field, str(exc.extra[field]))
        return _plan_page(request, form, plan, tasks, status=422, tasks_error=str(exc.extra.get("tasks", "")))
    messages.success(request, f"已保存应急预案：{saved.name}（{len(tasks)} 项任务）。")
    return redirect("incidents:plans")


def _plan_page(
    request: HttpRequest,
    form: forms.PlanForm,
    plan: ContingencyPlan | None,
    tasks: list[dict[str, str]],
    *,
    blank: int = forms.PLAN_BLANK_ROWS,
    status: int = 200,
    tasks_error: str = "",
) -> HttpResponse:
    return render(
        request,
        "incidents/plan_edit.html",
        {
            "form": form,
            "plan": plan,
            "rows": forms.plan_rows(tasks, blank),
            "role_choices": forms.ROLE_CHOICES,
            "tasks_error": tasks_error,
        },
        status=status,
    )


# --- the levels' rules ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def levels_view(request: HttpRequest) -> HttpResponse:
    """分级标准: the four levels' rules; whoever keeps the rules (rules.manage) changes them."""
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    actor = acting_user(request)
    caps = capabilities_of(actor)
    may_edit = "rules.manage" in caps
    if not may_edit and "incidents.view" not in caps:
        raise PermissionDenied("您没有执行此操作的权限。")
    limits = limits_all()
    bound: forms.LevelRuleForm | None = None
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("只有规则管理员可以修改分级规则。")
        bound = forms.LevelRuleForm(request.POST, level=request.POST.get("level", ""))
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                level_rule_save(
                    actor=actor,
                    level=data["level"],
                    min_headcount=data["min_headcount"],
                    kinds=list(data["kinds"]),
                    first_report_minutes=data["first_report_minutes"],
                    phone_report_minutes=data["phone_report_minutes"],
                    follow_up_minutes=data["follow_up_minutes"],
                    arrival_minutes=data["arrival_minutes"],
                    request_meta=_meta(request),
                )
            except ValidationFailed as exc:
                for field, message in exc.extra.items():
                    if field in bound.fields:
                        bound.add_error(field, str(message))
                messages.error(request, exc.message)
                status = 422
            else:
                messages.success(
                    request, f"已保存{Level(data['level']).label}的规则，此后登记的事件按新规则计时。"
                )
                return redirect("incidents:levels")
        else:
            messages.error(request, "规则未保存，请按提示修改。")
            status = 422
    rows = []
    for level, rule in sorted(limits.items()):
        form = (
            bound
            if bound is not None and str(bound.data.get("level")) == str(level)
            else forms.LevelRuleForm(initial=forms.LevelRuleForm.initial_of(rule), level=level)
        )
        rows.append({"limits": rule, "form": form, "badge": forms.LEVEL_BADGES.get(level, "")})
    context = {
        "rows": rows,
        "may_edit": may_edit,
        "may_view": "incidents.view" in caps,
        "kinds": dict(IncidentKind.choices),
    }
    return render(request, "incidents/levels.html", context, status=status)
