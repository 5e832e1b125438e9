"""信息报送 pages: the reports in scope with the office's inbox (待签收), filing a report, a report
with its history and steps, the completeness grid (报送完整率) and the reporting schedule
(报送周期设置). Views stay thin: selectors read, `services.report_file` and the report machine
write; a refused form shows the page again with what was typed and the Chinese message once."""

import io
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.models import User
from xinfang.accounts.permissions import acting_user, capability_required, has_capability
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ApplicationError, NotFound, ValidationFailed
from xinfang.core.http import HtmxRequest
from xinfang.core.requests import RequestMeta
from xinfang.core.spreadsheets import xlsx_row, xlsx_value
from xinfang.deadlines.periods import CADENCE_LABELS
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import access_unit_by_id, units_visible_to
from xinfang.procedure.forms import Attempt, values_from_post

from . import forms, schedule, selectors, services
from .choices import ReportKind, ReportStatus
from .machine import STEPS, allowed_actions, report_transition
from .machine.schemas import FileIn
from .models import InfoReport

PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GRID_PERIODS_MAX = 16  # a cell per period when the range has at most this many periods
SUCCESS = {
    "sign": "已签收",
    "return": "已退回报送单位补充",
    "forward": "已上报",
    "resubmit": "已补充并重新报送",
}


def _meta(request: HttpRequest) -> RequestMeta | None:
    return RequestMeta.from_request(request)


def _scope_units(actor: User) -> list[Unit]:
    return list(
        units_visible_to(actor).filter(is_active=True).only("pk", "name", "depth", "path").order_by("path")
    )


def _query_string(request: HttpRequest, *drop: str) -> str:
    kept = [(k, v) for k, values in request.GET.lists() for v in values if k not in ("page", *drop) and v]
    return f"{urlencode(kept)}&" if kept else ""


def _refused(request: HttpRequest, exc: ApplicationError) -> dict[str, str]:
    """The refusal's fields' messages, shown at their fields; its message above the page only
    when no field already says it (the Chinese message is shown once)."""
    errors = {k: str(v) for k, v in (exc.extra or {}).items() if isinstance(v, str)}
    if exc.message not in errors.values():
        messages.error(request, exc.message)
    return errors


# --- 信息报送 (the list) -----------------------------------------------------------------------------


@require_GET
@capability_required("reports.view")
def home_view(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    units = _scope_units(actor)
    form = forms.ReportFilterForm(request.GET or None, units=units)
    if form.is_bound:
        form.is_valid()  # an invalid filter is shown with its message and not applied
    filters = form.filters()
    rows = selectors.report_list(actor=actor, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page.object_list:
        report.period_text = forms.period_label(report)  # type: ignore[attr-defined]
        report.status_badge = forms.STATUS_BADGES.get(report.status, "text-bg-secondary")  # type: ignore[attr-defined]
        report.kind_badge = forms.KIND_BADGES.get(report.kind, "text-bg-secondary")  # type: ignore[attr-defined]
        report.risk_badge = forms.RISK_BADGES.get(report.risk, "text-bg-secondary")  # type: ignore[attr-defined]
    inbox_query = urlencode({"inbox": "on"})
    return render(
        request,
        "inforeports/home.html",
        {
            "form": form,
            "page_obj": page,
            "query_string": _query_string(request),
            "inbox": filters["inbox"],
            "inbox_count": selectors.inbox_count(actor),
            "inbox_query": inbox_query,
            "may_file": has_capability(actor, "reports.file"),
            "may_schedule": has_capability(actor, "rules.manage"),
        },
    )


# --- 报送信息 ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required("reports.file")
def new_view(request: HtmxRequest) -> HttpResponse:
    actor = acting_user(request)
    if request.method == "GET":
        # a link's ?kind=, or the form again for another kind (htmx: only its fields)
        data = request.GET if "kind" in request.GET else None
        form = forms.file_form(actor, data)
        if request.htmx:
            return render(request, "inforeports/partials/_file_fields.html", {"file": form})
        return _new_page(request, form)
    fields = values_from_post(FileIn, request.POST)
    try:
        report = services.report_file(actor=actor, request_meta=_meta(request), **fields)
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        errors = _refused(request, exc)
        return _new_page(request, forms.file_form(actor, request.POST, errors), status=exc.status_code)
    to = f"，报送至{report.to_unit.name}" if report.to_unit is not None else ""
    messages.success(request, f"已报送{report.get_kind_display()} {report.number}{to}。")
    return redirect("inforeports:detail", report_id=report.pk)


def _new_page(request: HttpRequest, form: dict[str, Any], status: int = 200) -> HttpResponse:
    actor = acting_user(request)
    return render(
        request,
        "inforeports/new.html",
        {"file": form, "unit": actor.unit},
        status=status,
    )


# --- a report ------------------------------------------------------------------------------------


@require_GET
@capability_required("reports.view")
def detail_view(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request.user, report_id, _meta(request))
    return _detail_page(request, report)


def _detail_page(
    request: HttpRequest,
    report: InfoReport,
    attempt: Attempt | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = acting_user(request)
    facts = forms.report_facts(actor, report)
    actions = allowed_actions(report, actor)
    names = {u.pk: u.name for u in facts.skipped}
    if report.to_unit is not None:
        names[report.to_unit_id] = report.to_unit.name  # type: ignore[index]
    events = [
        {
            "event": e,
            "label": forms.action_label(e.action),
            "actor": str(e.actor) if e.actor is not None else "系统",
            "text": forms.event_text(e, names),
            "status_changed": e.from_status != e.to_status,
            "to_label": ReportStatus(e.to_status).label if e.to_status in ReportStatus.values else "",
        }
        for e in facts.events
    ]
    sign = report.kind == ReportKind.EARLY_SIGN
    linked_petition = any(link.get("kind") == "petition" for link in report.links)
    may_petition = (
        sign and not linked_petition and "link" in actions and has_capability(actor, "petitions.register")
    )
    may_incident = sign and (
        has_capability(actor, "incidents.manage") or has_capability(actor, "incidents.report")
    )
    linked_dispute = any(link.get("kind") == "dispute" for link in report.links)
    may_dispute = (
        sign and not linked_dispute and "link" in actions and has_capability(actor, "disputes.register")
    )
    petition_attempt = attempt if attempt is not None and attempt.action == "petition" else None
    return render(
        request,
        "inforeports/detail.html",
        {
            "report": report,
            "period_text": forms.period_label(report),
            "status_badge": forms.STATUS_BADGES.get(report.status, "text-bg-secondary"),
            "risk_badge": forms.RISK_BADGES.get(report.risk, "text-bg-secondary"),
            "kind_badge": forms.KIND_BADGES.get(report.kind, "text-bg-secondary"),
            "skipped": facts.skipped,
            "merged": facts.merged,
            "forwarded_visible": facts.forwarded_visible,
            "links": forms.link_rows(report),
            "events": events,
            "step_forms": forms.step_forms(actor, report, actions, attempt),
            "may_petition": may_petition,
            "petition_attempt": petition_attempt,
            "categories": forms.category_options() if may_petition else [],
            "repeat_candidates": _candidates(actor, petition_attempt.errors) if petition_attempt else [],
            "incident_url": f"/incidents/new/?{urlencode({'sign': report.pk})}" if may_incident else "",
            # a sign that is a dispute between parties: the disputes' own form, prefilled
            "dispute_url": f"/disputes/from-sign/{report.pk}/" if may_dispute else "",
        },
        status=status,
    )


@require_POST
@capability_required("reports.view")
def act_view(request: HttpRequest, report_id: int, action: str) -> HttpResponse:
    """A step form of the report's page: the same transition function as the API."""
    actor = acting_user(request)
    meta = _meta(request)
    report = selectors.access_report_by_id(actor, report_id, meta)
    step = STEPS.get(action)
    if action not in forms.PAGE_ACTIONS or step is None:
        raise NotFound()
    fields = values_from_post(step.schema, request.POST)
    note = fields.pop("note", "")
    try:
        report_transition(report=report, action=action, actor=actor, note=note, request_meta=meta, **fields)
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        errors = _refused(request, exc)
        attempt = Attempt(
            action=action, data=request.POST, errors=errors if isinstance(exc, ValidationFailed) else {}
        )
        fresh = selectors.access_report_by_id(actor, report.pk, meta)
        return _detail_page(request, fresh, attempt, status=exc.status_code)
    messages.success(request, f"{SUCCESS.get(action, '已' + step.label)}：{report.number}。")
    return redirect("inforeports:detail", report_id=report.pk)


@require_POST
@capability_required("petitions.register")
def to_petition_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """转为信访件: the sign becomes a registered petition, and the page goes to it."""
    actor = acting_user(request)
    meta = _meta(request)
    report = selectors.access_report_by_id(actor, report_id, meta)
    repeat_text = request.POST.get("repeat_of", "").strip()
    try:
        petition = services.report_to_petition(
            actor=actor,
            report=report,
            name=request.POST.get("name", ""),
            phone=request.POST.get("phone", ""),
            category=request.POST.get("category", ""),
            not_repeat=request.POST.get("not_repeat") == "true",
            repeat_of=int(repeat_text) if repeat_text.isdigit() and len(repeat_text) < 19 else None,
            request_meta=meta,
        )
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        errors = _refused(request, exc)
        fresh = selectors.access_report_by_id(actor, report.pk, meta)
        return _detail_page(request, fresh, Attempt("petition", request.POST, errors), status=exc.status_code)
    messages.success(request, f"已将苗头信息转为信访件 {petition.number}，首问责任人：{actor}。")
    return redirect("petitions:detail", petition_id=petition.pk)


def _candidates(actor: User, errors: dict[str, str]) -> list[Any]:
    """The likely repeats the registration named (重复件): linked or declared another matter."""
    from xinfang.petitions.selectors import petitions_visible_to

    ids = [int(pk) for pk in errors.get("repeat_candidates", "").split(",") if pk.strip().isdigit()]
    if not ids:
        return []
    return list(petitions_visible_to(actor).filter(pk__in=ids).only("pk", "number", "subject"))


# --- 报送完整率 ---------------------------------------------------------------------------------------


def _completeness(request: HttpRequest) -> dict[str, Any]:
    """The grid's form and, when it is valid, the grid (`grid` None otherwise): the unit chosen
    (default the user's own, 404 outside the scope) and the days (default the last 4 weeks)."""
    actor = acting_user(request)
    units = _scope_units(actor)
    first, last = forms.default_range(timezone.localdate())
    own = actor.unit_id if any(u.pk == actor.unit_id for u in units) else (units[0].pk if units else None)
    initial = {"unit": own, "from": first, "to": last}
    form = forms.CompletenessForm(request.GET or None, initial=initial, units=units)
    context: dict[str, Any] = {"form": form, "grid": None}
    if form.is_bound and not form.is_valid():
        return context
    unit_id = own
    if form.is_bound:
        first, last = form.cleaned_data["from"], form.cleaned_data["to"]
        unit_id = form.cleaned_data["unit"] or own
    if unit_id is None:
        raise NotFound()
    # the units in scope were read for the form: the one chosen among them, else 404 (audited)
    unit = next((u for u in units if u.pk == unit_id), None) or access_unit_by_id(
        actor, unit_id, _meta(request)
    )
    grid = selectors.completeness(actor=actor, unit=unit, first=first, last=last)
    chased = selectors.chased_counts(actor, unit, first, last)
    context.update(_grid(grid, chased))
    query = urlencode({"unit": str(unit.pk), "from": first.isoformat(), "to": last.isoformat()})
    context.update({"unit": unit, "first": first, "last": last, "export_query": query})
    return context


@require_GET
@capability_required("reports.view")
def completeness_view(request: HttpRequest) -> HttpResponse:
    context = _completeness(request)
    status = 422 if context["grid"] is None else 200
    return render(request, "inforeports/completeness.html", context, status=status)


@require_GET
@capability_required("reports.view")
def completeness_xlsx_view(request: HttpRequest) -> HttpResponse:
    """The grid as a workbook (per unit: expected, received, on time, late, missing, rates,
    chased; the total row), one EXPORT audit entry per download."""
    context = _completeness(request)
    if context["grid"] is None:
        return render(request, "inforeports/completeness.html", context, status=422)
    unit, first, last = context["unit"], context["first"], context["last"]
    title = f"{unit.name}信息报送完整率（{first:%Y-%m-%d}至{last:%Y-%m-%d}）"
    content = _grid_xlsx(title, context)
    audit_record(
        actor=request.user,
        event=AuditEvent.EXPORT,
        target=unit,
        target_label=title,
        request_meta=_meta(request),
        kind="inforeports_completeness_xlsx",
        rows=len(context["rows"]),
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(title + '.xlsx')}"
    return response


GRID_HEADERS = (
    ("单位", 30),
    ("应报", 8),
    ("已报", 8),
    ("按时", 8),
    ("迟报", 8),
    ("未报", 8),
    ("及时率", 10),
    ("完整率", 10),
    ("被催报", 8),
)


def _grid_xlsx(title: str, context: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "报送完整率"
    sheet.append([xlsx_value(sheet, title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([header for header, _ in GRID_HEADERS])
    for index, (_, width) in enumerate(GRID_HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=2, column=index).font = Font(bold=True)
    for item in context["rows"]:
        row = item["row"]
        values = [
            "\u3000" * item["indent"] + row.name,
            row.expected,
            row.received,
            row.on_time,
            row.late,
            row.missing,
            item["timely"],
            item["complete"],
            item["chased"],
        ]
        sheet.append(xlsx_row(sheet, values))
    totals = context["totals"]
    keys = ("expected", "received", "on_time", "late", "missing", "timely", "complete", "chased")
    sheet.append(["合计", *(totals[key] for key in keys)])
    for column in range(1, len(GRID_HEADERS) + 1):
        sheet.cell(row=sheet.max_row, column=column).font = Font(bold=True)
    sheet.freeze_panes = "B3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


STATE_CLASSES = {
    selectors.ON_TIME: "text-bg-success",
    selectors.LATE: "text-bg-warning",
    selectors.MISSING: "text-bg-danger",
    selectors.PENDING: "text-bg-secondary",
}


def _cell(cell: selectors.Cell) -> dict[str, Any]:
    due = timezone.localtime(cell.period.due_at)
    title = f"{cell.period.label} 截止 {due:%m-%d %H:%M}"
    if cell.filed_at is not None:
        title += f"，{timezone.localtime(cell.filed_at):%m-%d %H:%M} 报送"
    return {
        "state": cell.state,
        "label": selectors.STATE_LABELS[cell.state],
        "css": STATE_CLASSES[cell.state],
        "title": title,
    }


def _grid(grid: selectors.Completeness, chased: dict[int, int]) -> dict[str, Any]:
    """The grid's rows (indented by depth), the period columns when they are few (a cell per
    unit and period, coloured by its state), and the totals. No query: all in memory."""
    periods = {(c.period.start, c.period.cadence.value): c.period for row in grid.rows for c in row.cells}
    order = {cadence: i for i, cadence in enumerate(CADENCE_LABELS)}  # 周报, 半月报, 月报, 日报
    keys = sorted(periods, key=lambda key: (order[periods[key].cadence], key[0]))
    show_cells = 0 < len(keys) <= GRID_PERIODS_MAX
    columns = (
        [{"label": periods[k].label, "cadence": CADENCE_LABELS[periods[k].cadence]} for k in keys]
        if show_cells
        else []
    )
    index = {key: i for i, key in enumerate(keys)}
    base = min((row.depth for row in grid.rows), default=0)
    rate = selectors.Completeness.rate
    rows = []
    for row in grid.rows:
        cells: list[dict[str, Any] | None] = [None] * len(keys) if show_cells else []
        if show_cells:
            for cell in row.cells:
                cells[index[(cell.period.start, cell.period.cadence.value)]] = _cell(cell)
        rows.append(
            {
                "row": row,
                "indent": row.depth - base,
                "chased": chased.get(row.unit_id, 0),
                "timely": rate(row.on_time, row.expected),
                "complete": rate(row.received, row.expected),
                "cells": cells,
            }
        )
    return {
        "grid": grid,
        "rows": rows,
        "columns": columns,
        "period_count": len(keys),
        "cells_max": GRID_PERIODS_MAX,
        "totals": {
            "expected": grid.expected,
            "received": grid.received,
            "on_time": grid.on_time,
            "late": sum(r.late for r in grid.rows),
            "missing": sum(r.missing for r in grid.rows),
            "chased": sum(chased.values()),
            "timely": rate(grid.on_time, grid.expected),
            "complete": rate(grid.received, grid.expected),
        },
    }


# --- 报送周期设置 ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required("rules.manage")
def schedule_view(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    refused: forms.ScheduleRowForm | None = None
    saved: Any
    status = 200
    if request.method == "POST":
        key = f"{request.POST.get('unit_type', '')}-{request.POST.get('cadence', '')}"
        form = forms.ScheduleRowForm(request.POST, auto_id=f"{key}-%s")
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = schedule.schedule_save(
                    actor=actor,
                    unit_type=data["unit_type"],
                    cadence=data["cadence"],
                    active=data["active"],
                    due_time=data["due_time"],
                    weekday=data["weekday"] or 5,
                    day=data["day"] or 25,
                    request_meta=_meta(request),
                )
            except ValidationFailed as exc:
                for name, message in exc.extra.items():
                    if name in form.fields:
                        form.add_error(name, message)
                messages.error(request, exc.message)
            else:
                state = "启用" if saved.active else "停用"
                messages.success(request, f"已保存：{saved}（{state}，截止 {saved.due_time:%H:%M}）。")
                return redirect(f"{reverse('inforeports:schedule')}#{saved.unit_type}-{saved.cadence}")
        else:
            messages.error(request, "报送周期未保存，请按提示修改。")
        refused, status = form, 422
    rows = []
    for row in schedule.schedule_rows():
        mine = (
            refused is not None
            and refused.data.get("unit_type") == row["unit_type"]
            and refused.data.get("cadence") == row["cadence"]
        )
        form = (
            refused
            if mine and refused is not None
            else forms.ScheduleRowForm(
                initial={
                    "unit_type": row["unit_type"],
                    "cadence": row["cadence"],
                    "active": row["active"],
                    "due_time": row["due_time"],
                    "weekday": row["weekday"] or 5,
                    "day": row["day"] or 25,
                },
                auto_id=f"{row['unit_type']}-{row['cadence']}-%s",
            )
        )
        rows.append({**row, "form": form, "key": f"{row['unit_type']}-{row['cadence']}"})
    return render(request, "inforeports/schedule.html", {"rows": rows}, status=status)
