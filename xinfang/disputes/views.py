"""矛盾纠纷调处 pages: the disputes in scope (parties masked, filtered, paged in the database),
registering one (also from a petition: 访调对接), the case file (卷宗: in full, audited on every
rendering) with its step forms, sending a failed mediation into the petition procedure, the
figures and their workbook, and the installation's settings. Views stay thin: selectors read, the
services and the dispute machine write; a refused form shows the page again with what was typed
and the Chinese message once. Messages name a dispute by number, never a party."""

import io
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.models import User
from xinfang.accounts.permissions import acting_user, capability_required, has_capability
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.core.forms import apply_service_errors
from xinfang.core.requests import RequestMeta
from xinfang.core.spreadsheets import xlsx_row, xlsx_value
from xinfang.incidents.choices import IncidentKind
from xinfang.organisation.selectors import access_unit_by_id
from xinfang.procedure.forms import Attempt, values_from_post

from . import forms, selectors, services
from .choices import DisputeStatus, Source
from .figures import Figures, export_rows, figures
from .machine import STEPS, dispute_transition
from .machine.schemas import RegisterIn
from .models import Dispute, DisputeSetting

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RATES = ("participation", "success", "satisfaction")


def _meta(request: HttpRequest) -> RequestMeta | None:
    return RequestMeta.from_request(request)


def _query_string(request: HttpRequest) -> str:
    kept = [(k, v) for k, values in request.GET.lists() for v in values if k != "page" and v]
    return f"{urlencode(kept)}&" if kept else ""


def _refused(request: HttpRequest, exc: ApplicationError) -> dict[str, str]:
    """The refusal's fields' messages, shown at their fields; its message above the page only
    when no field already says it (the Chinese message is shown once)."""
    errors = {k: str(v) for k, v in (exc.extra or {}).items() if isinstance(v, str)}
    if exc.message not in errors.values():
        messages.error(request, exc.message)
    return errors


# --- 矛盾纠纷 (the list) --------------------------------------------------------------------------


@require_GET
@capability_required("disputes.view")
def home_view(request: HttpRequest) -> HttpResponse:
    """The disputes in scope, newest first, 25 a page, the parties masked; filters status, kind,
    class, unit and overdue return visits."""
    actor = acting_user(request)
    today = timezone.localdate()
    form = forms.DisputeFilterForm(request.GET, kinds=forms.kind_options(), units=forms.scope_units(actor))
    rows = forms.filtered(actor, form.values(), today)
    page = Paginator(rows, forms.PAGE_SIZE).get_page(request.GET.get("page"))
    levels = DisputeSetting.load().levels
    context = {
        "form": form,
        "page_obj": page,
        "rows": forms.list_rows(list(page.object_list), levels, today),
        "query_string": _query_string(request),
        "may_register": has_capability(actor, "disputes.register"),
        "may_settings": has_capability(actor, services.SETTINGS_CAPABILITY),
    }
    return render(request, "disputes/home.html", context)


# --- 登记纠纷 ----------------------------------------------------------------------------------------


def _register_fields(data: QueryDict) -> tuple[dict[str, Any], list[int], dict[str, str]]:
    """The form's values for `RegisterIn` with the party rows typed (blank rows ignored)."""
    fields = values_from_post(RegisterIn, data)
    fields.pop("note", None)
    parties, rows, errors = forms.parties_from_post(data)
    fields["parties"] = parties
    return fields, rows, errors


@require_http_methods(["GET", "POST"])
@capability_required("disputes.register")
def new_view(request: HttpRequest) -> HttpResponse:
    """登记纠纷: `RegisterIn`'s form, the unit where it arose (the actor's own or one below it) and
    five party rows."""
    actor = acting_user(request)
    units = forms.scope_units(actor)
    if request.method != "POST":
        data = QueryDict(mutable=True)
        data.update(forms.REGISTER_DEFAULTS)
        if actor.unit_id:
            data["unit"] = str(actor.unit_id)
        return _new_page(request, units, data)
    fields, rows, row_errors = _register_fields(request.POST)
    unit_text = request.POST.get("unit", "").strip()
    try:
        if not (unit_text.isascii() and unit_text.isdigit()) or len(unit_text) > 18:
            raise ValidationFailed("请选择发生单位。", {"unit": "请选择发生单位。"})
        forms.check_register(fields, row_errors)
        try:
            dispute = services.dispute_register(
                actor=actor, unit=int(unit_text), request_meta=_meta(request), **fields
            )
        except NotFound:  # a unit outside scope (the form offers none): a field's refusal
            raise ValidationFailed("请选择发生单位。", {"unit": "发生单位须为本单位或下级单位。"}) from None
    except (ValidationFailed, Conflict) as exc:
        errors = forms.party_errors(_refused(request, exc), rows)
        return _new_page(request, units, request.POST, errors, status=exc.status_code)
    messages.success(request, f"已登记矛盾纠纷 {dispute.number}，已通知承担调处的调委会。")
    return redirect("disputes:detail", dispute_id=dispute.pk)


def _new_page(
    request: HttpRequest,
    units: list[Any],
    data: QueryDict,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    context = forms.register_items(data=data, errors=errors)
    context.update(
        {
            "units": forms.unit_options(units),
            "unit": data.get("unit", ""),
            "unit_error": errors.get("unit", ""),
            "action_url": request.path,
            "petition": None,
        }
    )
    return render(request, "disputes/new.html", context, status=status)


# --- 访调对接: a petition into mediation ----------------------------------------------------------


def _petition_for(actor: User, petition_id: int, meta: RequestMeta | None) -> Any:
    from xinfang.petitions.selectors import access_petition_by_id, identity_hidden

    petition = access_petition_by_id(actor, petition_id, meta)
    if identity_hidden(actor, petition):
        # the complained-about unit sees no petitioner: none may become a party through it
        raise PermissionDenied("您所在单位是被反映单位，不能将此信访件转入人民调解。")
    return petition


@require_http_methods(["GET", "POST"])
@capability_required("disputes.register")
def from_petition_view(request: HttpRequest, petition_id: int) -> HttpResponse:
    """访调对接: the register form filled from the petition (its petitioners as the parties, its
    content and subject as the facts and demands), registered at the unit the matter concerns."""
    actor = acting_user(request)
    meta = _meta(request)
    petition = _petition_for(actor, petition_id, meta)
    existing = Dispute.objects.filter(source=Source.PETITION, source_id=petition.pk).order_by("pk").first()
    if existing is not None:
        messages.info(request, f"信访件 {petition.number} 已转入人民调解：{existing.number}。")
        if selectors.disputes_visible_to(actor).filter(pk=existing.pk).exists():
            return redirect("disputes:detail", dispute_id=existing.pk)
        return redirect("petitions:detail", petition_id=petition.pk)
    if request.method != "POST":
        return _from_petition_page(request, petition, _petition_prefill(petition))
    fields, rows, row_errors = _register_fields(request.POST)
    for name in ("source", "source_id", "source_number"):
        fields.pop(name, None)
    kind = fields.pop("kind", "")
    try:
        forms.check_register({**fields, "kind": kind}, row_errors)
        try:
            dispute = services.dispute_from_petition(
                actor=actor, petition_id=petition.pk, kind=kind, request_meta=meta, **fields
            )
        except NotFound:  # the unit the matter concerns lies outside the actor's scope
            raise Conflict(
                f"信访件反映的问题属地（{petition.problem_unit}）不在您的管辖范围内，请由其所属单位登记。"
            ) from None
    except (ValidationFailed, Conflict) as exc:
        errors = forms.party_errors(_refused(request, exc), rows)
        return _from_petition_page(request, petition, request.POST, errors, status=exc.status_code)
    messages.success(request, f"已将信访件 {petition.number} 转入人民调解：{dispute.number}。")
    return redirect("disputes:detail", dispute_id=dispute.pk)


def _petition_prefill(petition: Any) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update(forms.REGISTER_DEFAULTS)
    links = list(petition.petitioner_links.select_related("petitioner")[: forms.PARTY_ROWS + 1])
    data["place"] = petition.problem_unit.name if petition.problem_unit else ""
    data["facts"] = petition.content[:5000]
    data["demands"] = petition.subject
    data["people"] = str(max(len(links), 2))
    for index, link in enumerate(links[: forms.PARTY_ROWS]):
        person = link.petitioner
        for name in ("name", "id_number", "phone", "address"):
            data[f"party-{index}-{name}"] = getattr(person, name, "") or ""
    data["more_petitioners"] = "1" if len(links) > forms.PARTY_ROWS else ""
    return data


def _from_petition_page(
    request: HttpRequest,
    petition: Any,
    data: QueryDict,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = forms.register_items(data=data, errors=errors, hide=frozenset({"source"}))
    context.update(
        {
            "action_url": request.path,
            "petition": petition,
            "more_petitioners": bool(data.get("more_petitioners")),
        }
    )
    return render(request, "disputes/new.html", context, status=status)


# --- a sign (苗头信息) that is a dispute ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required("disputes.register")
def from_sign_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """转为矛盾纠纷: the register form filled from the sign (its place, content, demands and
    headcount), registered at the reporting unit; the sign records the link."""
    from xinfang.inforeports.selectors import access_report_by_id

    actor = acting_user(request)
    meta = _meta(request)
    report = access_report_by_id(actor, report_id, meta)
    done = next((link for link in report.links or [] if link.get("kind") == "dispute"), None)
    if done is not None:
        messages.info(request, f"这条苗头信息已转为矛盾纠纷 {done.get('number', '')}。")
        return redirect("inforeports:detail", report_id=report.pk)
    if request.method != "POST":
        data = QueryDict(mutable=True)
        data.update(forms.REGISTER_DEFAULTS)
        data["place"] = report.place or report.unit.name
        data["facts"] = report.content or report.title
        data["demands"] = report.demands or report.title
        data["people"] = str(max(report.headcount or 2, 2))
        return _from_sign_page(request, report, data)
    fields, rows, row_errors = _register_fields(request.POST)
    for name in ("source", "source_id", "source_number"):
        fields.pop(name, None)
    kind = fields.pop("kind", "")
    parties = fields.pop("parties", [])
    try:
        forms.check_register({**fields, "kind": kind, "parties": parties}, row_errors)
        dispute = services.dispute_from_sign(
            actor=actor, report_id=report.pk, kind=kind, parties=parties, request_meta=meta, **fields
        )
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        errors = forms.party_errors(_refused(request, exc), rows)
        return _from_sign_page(request, report, request.POST, errors, status=exc.status_code)
    messages.success(request, f"已将苗头信息 {report.number} 转为矛盾纠纷：{dispute.number}。")
    return redirect("disputes:detail", dispute_id=dispute.pk)


def _from_sign_page(
    request: HttpRequest,
    report: Any,
    data: QueryDict,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = forms.register_items(data=data, errors=errors, hide=frozenset({"source"}))
    context.update({"action_url": request.path, "petition": None, "sign": report})
    return render(request, "disputes/new.html", context, status=status)


# --- 卷宗 (the case file) ---------------------------------------------------------------------------


@require_GET
@capability_required("disputes.view")
def detail_view(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = selectors.access_dispute_by_id(acting_user(request), dispute_id, _meta(request))
    return _detail_page(request, dispute)


def _detail_page(
    request: HttpRequest, dispute: Dispute, attempt: Attempt | None = None, status: int = 200
) -> HttpResponse:
    """The dispute in full: every rendering is one PERSONAL_DATA_VIEWED entry."""
    actor = acting_user(request)
    services.dispute_viewed(actor=actor, dispute=dispute, request_meta=_meta(request))
    today = timezone.localdate()
    record = forms.dispute_record(dispute)
    levels = record.setting.levels
    actions = forms.offered(dispute, actor)
    lists = forms.choice_lists(forms.needed_lists(actions), dispute, record)
    may_petition = (
        dispute.status == DisputeStatus.FAILED
        and "refer" in actions
        and has_capability(actor, "petitions.register")
    )
    petition_attempt = attempt if attempt is not None and attempt.action == "petition" else None
    # a dispute that turned into a gathering, a blockade …: an incident of its unit (the incidents'
    # own registration and clocks), the dispute recording where it went
    may_incident = (
        dispute.status in (DisputeStatus.FAILED, DisputeStatus.MEDIATING, DisputeStatus.REGISTERED)
        and "refer" in actions
        and has_capability(actor, "incidents.manage")
    )
    incident_attempt = attempt if attempt is not None and attempt.action == "incident" else None
    context = {
        "dispute": dispute,
        "record": record,
        "status_badge": forms.STATUS_BADGES.get(dispute.status, "text-bg-secondary"),
        "class_badge": forms.CLASS_BADGES.get(dispute.dispute_class, "text-bg-secondary"),
        "risk_badge": forms.RISK_BADGES.get(dispute.risk, "text-bg-secondary"),
        "level_label": forms.level_label(levels, dispute.level),
        "chain": forms.chain_rows(dispute, levels),
        "joint": forms.joint_rows(dispute),
        "recused": [record.names.get(r.get("user") or 0, "—") for r in dispute.recused or []],
        "agreement": forms.agreement_view(record),
        "documents": forms.document_rows(record),
        "source": forms.source_link(dispute),
        "links": forms.link_rows(dispute),
        "events": forms.timeline(dispute, record),
        "visit_overdue": forms.visit_overdue(dispute, today),
        "confirmation_open": bool(dispute.confirmation_ends and not dispute.confirmation),
        "step_forms": forms.step_forms(actions, lists, dispute, record, attempt),
        "may_petition": may_petition,
        "petition_attempt": petition_attempt,
        "categories": forms.category_options() if may_petition else [],
        "may_incident": may_incident,
        "incident_attempt": incident_attempt,
        "incident_kinds": IncidentKind.choices if may_incident else [],
    }
    return render(request, "disputes/detail.html", context, status=status)


@require_POST
@capability_required("disputes.view")
def act_view(request: HttpRequest, dispute_id: int, action: str) -> HttpResponse:
    """A form of the case file: the same transition function as the API."""
    actor = acting_user(request)
    meta = _meta(request)
    dispute = selectors.access_dispute_by_id(actor, dispute_id, meta)
    step = STEPS.get(action)
    if step is None or step.form is None or action in forms.NO_FORM:
        raise NotFound()
    fields = values_from_post(step.schema, request.POST)
    note = fields.pop("note", "")
    try:
        dispute_transition(
            dispute=dispute, action=action, actor=actor, note=note, request_meta=meta, **fields
        )
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        # the page again with the form open, what was typed, and each field's message
        errors = _refused(request, exc)
        attempt = Attempt(
            action=action, data=request.POST, errors=errors if isinstance(exc, ValidationFailed) else {}
        )
        fresh = selectors.access_dispute_by_id(actor, dispute.pk, meta)
        return _detail_page(request, fresh, attempt, status=exc.status_code)
    messages.success(request, f"{forms.SUCCESS.get(action, '已' + step.label)}：{dispute.number}。")
    return redirect("disputes:detail", dispute_id=dispute.pk)


@require_POST
@capability_required("disputes.view")
def to_petition_view(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """导入信访程序: a failed mediation registered as a petition (its parties the petitioners), and
    the page goes to it."""
    actor = acting_user(request)
    meta = _meta(request)
    dispute = selectors.access_dispute_by_id(actor, dispute_id, meta)
    try:
        petition = services.dispute_to_petition(
            actor=actor,
            dispute=dispute,
            category=request.POST.get("category", ""),
            not_repeat=request.POST.get("not_repeat") == "true",
            request_meta=meta,
        )
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        errors = _refused(request, exc)
        fresh = selectors.access_dispute_by_id(actor, dispute.pk, meta)
        return _detail_page(request, fresh, Attempt("petition", request.POST, errors), status=exc.status_code)
    messages.success(request, f"已将矛盾纠纷 {dispute.number} 导入信访程序：{petition.number}。")
    return redirect("petitions:detail", petition_id=petition.pk)


@require_POST
@capability_required("incidents.manage")
def to_incident_view(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """转为突发事件: the incident registered by its own service at the dispute's unit (its clocks
    start: 首报 within the hour), then the dispute records the referral and the link."""
    actor = acting_user(request)
    meta = _meta(request)
    dispute = selectors.access_dispute_by_id(actor, dispute_id, meta)
    now = timezone.now()
    headcount = request.POST.get("headcount", "").strip()
    try:
        incident = services.dispute_to_incident(
            actor=actor,
            dispute=dispute,
            request_meta=meta,
            title=request.POST.get("title", "").strip(),
            kind=request.POST.get("kind", ""),
            learned_at=request.POST.get("learned_at", "").strip() or now,
            occurred_at=request.POST.get("learned_at", "").strip() or now,
            headcount=int(headcount)
            if (headcount.isascii() and headcount.isdigit()) and len(headcount) < 7
            else headcount or None,
        )
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        errors = _refused(request, exc)
        fresh = selectors.access_dispute_by_id(actor, dispute.pk, meta)
        return _detail_page(request, fresh, Attempt("incident", request.POST, errors), status=exc.status_code)
    messages.success(
        request, f"已将矛盾纠纷 {dispute.number} 转为突发事件：{incident.number}，请按时限报告。"
    )
    return redirect("incidents:detail", incident_id=incident.pk)


# --- 调处统计 ----------------------------------------------------------------------------------------


def _stats(request: HttpRequest) -> dict[str, Any]:
    """The form and, when it is valid, the figures (`result` None otherwise): the unit chosen
    (default the actor's own, 404 outside the scope) and the days (default this year)."""
    actor = acting_user(request)
    units = forms.scope_units(actor)
    first, last = forms.this_year(timezone.localdate())
    own = actor.unit_id if any(u.pk == actor.unit_id for u in units) else (units[0].pk if units else None)
    form = forms.StatsForm(request.GET or None, initial={"unit": own, "from": first, "to": last}, units=units)
    context: dict[str, Any] = {"form": form, "result": None}
    if form.is_bound and not form.is_valid():
        return context
    unit_id = own
    if form.is_bound:
        first = form.cleaned_data.get("from") or first
        last = form.cleaned_data.get("to") or last
        unit_id = form.cleaned_data.get("unit") or own
        if last < first:
            form.add_error("to", "结束日期不能早于开始日期。")
            return context
    if unit_id is None:
        raise NotFound()
    unit = next((u for u in units if u.pk == unit_id), None) or access_unit_by_id(
        actor, unit_id, _meta(request)
    )
    result = figures(actor=actor, unit=unit, first=first, last=last)
    query = urlencode({"unit": str(unit.pk), "from": first.isoformat(), "to": last.isoformat()})
    context.update(
        {
            "result": result,
            "rows": [_stat_row(result, line) for line in result.rows],
            "total": _stat_row(result, result.total),
            "unit": unit,
            "first": first,
            "last": last,
            "export_query": query,
        }
    )
    return context


def _stat_row(result: Figures, line: Any) -> dict[str, Any]:
    """A line with its rates (red below the target) and its passed-up levels in words."""
    rates = {}
    for key in RATES:
        value = getattr(line, key)
        rates[key] = {"value": value, "below": value is not None and value < float(result.targets[key])}
    levels = [
        {"label": forms.level_label(result.chain, level), "count": n}
        for level, n in sorted(line.levels.items())
    ]
    return {"line": line, "rates": rates, "levels": levels}


@require_GET
@capability_required("disputes.view")
def stats_view(request: HttpRequest) -> HttpResponse:
    context = _stats(request)
    status = 422 if context["result"] is None else 200
    return render(request, "disputes/stats.html", context, status=status)


@require_GET
@capability_required("disputes.view")
def stats_export_view(request: HttpRequest) -> HttpResponse:
    """The figures as a workbook, one EXPORT audit entry per download."""
    context = _stats(request)
    if context["result"] is None:
        return render(request, "disputes/stats.html", context, status=422)
    unit, first, last = context["unit"], context["first"], context["last"]
    title = f"{unit.name}矛盾纠纷调处统计（{first:%Y-%m-%d}至{last:%Y-%m-%d}）"
    rows = export_rows(context["result"])
    content = _xlsx(title, rows)
    audit_record(
        actor=request.user,
        event=AuditEvent.EXPORT,
        target=unit,
        target_label=title,
        request_meta=_meta(request),
        kind="disputes_stats_xlsx",
        rows=len(rows) - 1,
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(title + '.xlsx')}"
    return response


def _xlsx(title: str, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "调处统计"
    sheet.append([xlsx_value(sheet, title)])
    sheet["A1"].font = Font(bold=True, size=14)
    header, *body = rows
    sheet.append(header)
    for index, _ in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 30 if index in (1, 11) else 11
        sheet.cell(row=2, column=index).font = Font(bold=True)
    for values in body:
        sheet.append(xlsx_row(sheet, values))
    for column in range(1, len(header) + 1):  # the total row
        sheet.cell(row=sheet.max_row, column=column).font = Font(bold=True)
    sheet.freeze_panes = "B3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- 调处设置 ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(services.SETTINGS_CAPABILITY)
def settings_view(request: HttpRequest) -> HttpResponse:
    """The class thresholds, return-visit months, the chain (one level per line), the township's
    first level and the targets, saved by `services.setting_save` (audited)."""
    actor = acting_user(request)
    setting = DisputeSetting.load()
    status = 200
    if request.method == "POST":
        form = forms.SettingForm(request.POST)
        if form.is_valid():
            try:
                services.setting_save(actor=actor, request_meta=_meta(request), **form.values())
            except ValidationFailed as exc:
                apply_service_errors(form, exc)
                messages.error(request, exc.message)
                status = 422
            else:
                messages.success(request, "已保存矛盾纠纷调处设置，此后的登记、上交和回访按新设置执行。")
                return redirect("disputes:settings")
        else:
            messages.error(request, "设置未保存，请按提示修改。")
            status = 422
    else:
        form = forms.SettingForm(initial=forms.SettingForm.initial_of(setting))
    updated_by = User.objects.filter(pk=setting.updated_by_id).first() if setting.updated_by_id else None
    context = {"form": form, "setting": setting, "updated_by": updated_by}
    return render(request, "disputes/settings.html", context, status=status)
