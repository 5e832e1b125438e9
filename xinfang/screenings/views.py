"""矛盾排查 pages: the rounds the user's unit owes (due, filed, missing) and the rounds in scope,
filing a round for one expected period with its disputes, a round with its disputes (found and
carried) and history, the completeness grid (排查完整率) and its workbook, special screenings
(专项排查) and the schedule (排查周期设置). Views stay thin: selectors read, the services and the
round machine write; a refused form shows the page again with what was typed and the Chinese
message once."""

import io
from datetime import date, timedelta
from types import SimpleNamespace
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
from xinfang.core.exceptions import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.core.spreadsheets import xlsx_row, xlsx_value
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.organisation.models import Unit, UnitType
from xinfang.organisation.selectors import access_unit_by_id, units_visible_to

from . import forms, schedule, selectors, services
from .choices import ItemOrigin, ScreeningKind
from .machine import allowed_actions, expected_for, round_transition
from .models import ScreeningItem, ScreeningRound

PAGE_SIZE = 20
ITEMS_PAGE_SIZE = 50
TARGETS_PAGE_SIZE = 50
OWED_WEEKS = 12  # how far back the home page lists the unit's own rounds
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GRID_PERIODS_MAX = 16  # a cell per round when the range has at most this many columns


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


STATE_CLASSES = {
    selectors.ON_TIME: "text-bg-success",
    selectors.LATE: "text-bg-warning",
    selectors.MISSING: "text-bg-danger",
    selectors.PENDING: "text-bg-secondary",
}
OWED_LABELS = {
    selectors.ON_TIME: "已报送",
    selectors.LATE: "已报送（迟报）",
    selectors.MISSING: "未报送（已过截止时间）",
    selectors.PENDING: "待报送",
}


# --- 矛盾排查 (the unit's rounds and the list) -------------------------------------------------------


@require_GET
@capability_required("screenings.view")
def home_view(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    units = _scope_units(actor)
    form = forms.RoundFilterForm(request.GET or None, units=units)
    if form.is_bound:
        form.is_valid()  # an invalid filter is shown with its message and not applied
    rows = selectors.round_list(actor=actor, **form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for round_ in page.object_list:
        round_.kind_badge = forms.KIND_BADGES.get(round_.kind, "text-bg-light border")  # type: ignore[attr-defined]
    may_file = has_capability(actor, "screenings.file") and actor.unit is not None
    owed: list[dict[str, Any]] = []
    if may_file and actor.unit is not None:
        today = timezone.localdate()
        owed = [
            {
                "cell": cell,
                "kind": ScreeningKind(cell.expected.kind).label,
                "label": OWED_LABELS[cell.state],
                "css": STATE_CLASSES[cell.state],
                "file_url": selectors.file_link(cell.expected) if cell.round_id is None else "",
            }
            for cell in selectors.owed(actor.unit, today - timedelta(weeks=OWED_WEEKS), today)
        ]
    return render(
        request,
        "screenings/home.html",
        {
            "form": form,
            "page_obj": page,
            "query_string": _query_string(request),
            "owed": owed,
            "may_file": may_file,
            "may_manage": has_capability(actor, "screenings.manage"),
            "may_schedule": has_capability(actor, "rules.manage"),
            "owed_weeks": OWED_WEEKS,
        },
    )


# --- 报送排查 ----------------------------------------------------------------------------------------


def _wanted(data: Any) -> SimpleNamespace:
    """Which round the form is for (the link's or the form's kind, period, sensitive, special)."""

    def number(name: str) -> int | None:
        text = str(data.get(name, "")).strip()
        return int(text) if (text.isascii() and text.isdigit()) and len(text) < 19 else None

    kind = str(data.get("kind", "")).strip() or ScreeningKind.REGULAR
    if kind not in ScreeningKind.values:
        raise ValidationFailed("排查类别有误。", {"kind": "排查类别有误。"})
    period_text = str(data.get("period", "")).strip()
    try:
        period = date.fromisoformat(period_text) if period_text else None
    except ValueError:
        raise ValidationFailed(
            "所属期间日期格式应为 YYYY-MM-DD。", {"period": "日期格式应为 YYYY-MM-DD。"}
        ) from None
    return SimpleNamespace(kind=kind, period=period, sensitive=number("sensitive"), special=number("special"))


def _new_page(
    request: HttpRequest, wanted: SimpleNamespace, form: forms.FileForm, status: int = 200
) -> HttpResponse:
    actor = acting_user(request)
    assert actor.unit is not None
    expected = expected_for(actor.unit, wanted, timezone.now())
    from xinfang.disputes.models import DisputeKind

    kinds = list(
        DisputeKind.objects.filter(active=True).order_by("order", "code").values_list("code", "name")
    )
    hidden = {"kind": str(expected.kind)}
    if expected.sensitive_id is not None:
        hidden["sensitive"] = str(expected.sensitive_id)
    elif expected.special_id is not None:
        hidden["special"] = str(expected.special_id)
    else:
        hidden["period"] = expected.start.isoformat()
    if not form.values["screened_at"]:
        form.values["screened_at"] = f"{timezone.localtime():%Y-%m-%dT%H:%M}"
    return render(
        request,
        "screenings/new.html",
        {
            "unit": actor.unit,
            "expected": expected,
            "kind_label": ScreeningKind(expected.kind).label,
            "quarterly": expected.kind == ScreeningKind.QUARTERLY,
            "late": expected.due_at <= timezone.now(),
            "hidden": hidden,
            "file": form,
            "kinds": kinds,
            "rows_max": forms.ROWS_MAX,
            "classes": [("", "按金额和人数"), ("1", "一类"), ("2", "二类"), ("3", "三类")],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@capability_required("screenings.file")
def new_view(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    if actor.unit is None:
        raise NotFound("您的账号没有所属单位，不能报送排查。")
    data = request.POST if request.method == "POST" else request.GET
    try:
        wanted = _wanted(data)
        expected = expected_for(actor.unit, wanted, timezone.now())
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("screenings:home")
    done = ScreeningRound.objects.filter(unit_id=actor.unit.pk, period_key=expected.key).first()
    if done is not None:
        messages.info(request, f"本单位{expected.label}的{ScreeningKind(expected.kind).label}已报送。")
        return redirect("screenings:detail", round_id=done.pk)
    if request.method == "GET":
        return _new_page(request, wanted, forms.file_form())
    if "more" in request.POST:  # 增加一行: the same form with one more dispute row, nothing filed
        return _new_page(request, wanted, forms.file_form(request.POST, more=True))
    found, rows = forms.found_from_post(request.POST)
    try:
        round_ = services.round_file(
            actor=actor, request_meta=_meta(request), found=found, **forms.header_from_post(request.POST)
        )
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        errors = forms.errors_to_rows(_refused(request, exc), rows)
        return _new_page(request, wanted, forms.file_form(request.POST, errors), status=exc.status_code)
    zero = "（零报告）" if round_.is_zero else f"，发现矛盾纠纷 {round_.found_count} 起"
    messages.success(request, f"已报送{round_.get_kind_display()} {round_.number}{zero}。")
    return redirect("screenings:detail", round_id=round_.pk)


# --- a round ------------------------------------------------------------------------------------


@require_GET
@capability_required("screenings.view")
def detail_view(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = selectors.access_round_by_id(request.user, round_id, _meta(request))
    return _detail_page(request, round_)


def _detail_page(
    request: HttpRequest,
    round_: ScreeningRound,
    amend: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = acting_user(request)
    # 本轮发现 (found) first, then 往期结转 (carried)
    items = ScreeningItem.objects.filter(round=round_).select_related("dispute", "dispute__kind")
    page = Paginator(items.order_by("-origin", "pk"), ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for item in page.object_list:
        dispute = item.dispute
        rows.append(
            {
                "item": item,
                "found": item.origin == ItemOrigin.FOUND,
                "number": dispute.number,
                "url": reverse("disputes:detail", args=[dispute.pk]),
                "kind": dispute.kind.name,
                "place": dispute.place,
                "now": dispute.get_status_display(),
            }
        )
    events = [
        {
            "event": e,
            "label": forms.action_label(e.action),
            "actor": str(e.actor) if e.actor is not None else "系统",
            "text": forms.event_text(e),
        }
        for e in round_.events.select_related("actor").order_by("created_at", "pk")
    ]
    actions = allowed_actions(round_, actor)
    values = amend["values"] if amend else {}
    return render(
        request,
        "screenings/detail.html",
        {
            "round": round_,
            "kind_badge": forms.KIND_BADGES.get(round_.kind, "text-bg-light border"),
            "quarterly": round_.kind == ScreeningKind.QUARTERLY,
            "page_obj": page,
            "query_string": "",
            "items": rows,
            "events": events,
            "may_amend": "amend" in actions,
            "amend_open": amend is not None,
            "amend_values": {
                "screened_by": values.get("screened_by", round_.screened_by),
                "screened_at": values.get(
                    "screened_at", f"{round_.screened_at.astimezone(LOCAL_TZ):%Y-%m-%dT%H:%M}"
                ),
                "summary": values.get("summary", round_.summary),
                "disorder": values.get("disorder", round_.disorder),
                "hazards": values.get("hazards", round_.hazards),
                "note": values.get("note", ""),
            },
            "amend_errors": amend["errors"] if amend else {},
        },
        status=status,
    )


@require_POST
@capability_required("screenings.file")
def amend_view(request: HttpRequest, round_id: int) -> HttpResponse:
    actor = acting_user(request)
    meta = _meta(request)
    round_ = selectors.access_round_by_id(actor, round_id, meta)
    fields = forms.amend_from_post(request.POST)
    note = fields.pop("note", "")
    try:
        round_transition(round_=round_, action="amend", actor=actor, note=note, request_meta=meta, **fields)
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        errors = _refused(request, exc)
        fresh = selectors.access_round_by_id(actor, round_.pk, meta)
        values = {k: str(request.POST.get(k, "")) for k in (*forms.HEADER_FIELDS, "note")}
        return _detail_page(request, fresh, {"values": values, "errors": errors}, status=exc.status_code)
    messages.success(request, f"已修改排查 {round_.number}。")
    return redirect("screenings:detail", round_id=round_.pk)


# --- 排查完整率 ---------------------------------------------------------------------------------------


def _completeness(request: HttpRequest) -> dict[str, Any]:
    """The grid's form and, when it is valid, the grid (`grid` None otherwise): the unit chosen
    (default the user's own, 404 outside the scope) and the days (default the last 4 weeks)."""
    actor = acting_user(request)
    units = _scope_units(actor)
    first, last = forms.default_range(timezone.localdate())
    own = actor.unit_id if any(u.pk == actor.unit_id for u in units) else (units[0].pk if units else None)
    form = forms.CompletenessForm(
        request.GET or None, initial={"unit": own, "from": first, "to": last}, units=units
    )
    context: dict[str, Any] = {"form": form, "grid": None}
    if form.is_bound and not form.is_valid():
        return context
    unit_id = own
    if form.is_bound:
        first, last = form.cleaned_data["from"], form.cleaned_data["to"]
        unit_id = form.cleaned_data["unit"] or own
    if unit_id is None:
        raise NotFound()
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
@capability_required("screenings.view")
def completeness_view(request: HttpRequest) -> HttpResponse:
    context = _completeness(request)
    status = 422 if context["grid"] is None else 200
    return render(request, "screenings/completeness.html", context, status=status)


@require_GET
@capability_required("screenings.view")
def completeness_xlsx_view(request: HttpRequest) -> HttpResponse:
    """The grid as a workbook (per unit: expected, filed, on time, late, missing, rates, chased;
    the total row), one EXPORT audit entry per download."""
    context = _completeness(request)
    if context["grid"] is None:
        return render(request, "screenings/completeness.html", context, status=422)
    unit, first, last = context["unit"], context["first"], context["last"]
    title = f"{unit.name}矛盾纠纷排查完整率（{first:%Y-%m-%d}至{last:%Y-%m-%d}）"
    content = _grid_xlsx(title, context)
    audit_record(
        actor=request.user,
        event=AuditEvent.EXPORT,
        target=unit,
        target_label=title,
        request_meta=_meta(request),
        kind="screenings_completeness_xlsx",
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
TOTAL_KEYS = ("expected", "filed", "on_time", "late", "missing", "timely", "complete", "chased")


def _grid_xlsx(title: str, context: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "排查完整率"
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
            row.filed,
            row.on_time,
            row.late,
            row.missing,
            item["timely"],
            item["complete"],
            item["chased"],
        ]
        sheet.append(xlsx_row(sheet, values))
    totals = context["totals"]
    sheet.append(["合计", *(totals[key] for key in TOTAL_KEYS)])
    for column in range(1, len(GRID_HEADERS) + 1):
        sheet.cell(row=sheet.max_row, column=column).font = Font(bold=True)
    sheet.freeze_panes = "B3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


KIND_ORDER = {k: i for i, k in enumerate(ScreeningKind.values)}


def _cell(cell: selectors.Cell) -> dict[str, Any]:
    due = timezone.localtime(cell.expected.due_at)
    title = f"{cell.expected.label} 截止 {due:%m-%d %H:%M}"
    if cell.round_id is not None:
        title += "，已报送" if cell.state == selectors.ON_TIME else "，迟报"
    return {
        "state": cell.state,
        "label": selectors.STATE_LABELS[cell.state],
        "css": STATE_CLASSES[cell.state],
        "title": title,
        "url": reverse("screenings:detail", args=[cell.round_id]) if cell.round_id else "",
    }


def _grid(grid: selectors.Completeness, chased: dict[int, int]) -> dict[str, Any]:
    """The grid's rows (indented by depth), the round columns when they are few (a cell per unit
    and round, coloured by its state), and the totals. No query: all in memory."""
    columns_by_key = {c.expected.key: c.expected for row in grid.rows for c in row.cells}
    keys = sorted(
        columns_by_key, key=lambda k: (KIND_ORDER[columns_by_key[k].kind], columns_by_key[k].start, k)
    )
    show_cells = 0 < len(keys) <= GRID_PERIODS_MAX
    columns = (
        [
            {"label": columns_by_key[k].label, "kind": ScreeningKind(columns_by_key[k].kind).label}
            for k in keys
        ]
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
                cells[index[cell.expected.key]] = _cell(cell)
        rows.append(
            {
                "row": row,
                "indent": row.depth - base,
                "chased": chased.get(row.unit_id, 0),
                "timely": rate(row.on_time, row.expected),
                "complete": rate(row.filed, row.expected),
                "cells": cells,
            }
        )
    expected, filed, on_time = grid.total("expected"), grid.total("filed"), grid.total("on_time")
    return {
        "grid": grid,
        "rows": rows,
        "columns": columns,
        "period_count": len(keys),
        "cells_max": GRID_PERIODS_MAX,
        "totals": {
            "expected": expected,
            "filed": filed,
            "on_time": on_time,
            "late": grid.total("late"),
            "missing": grid.total("missing"),
            "chased": sum(chased.values()),
            "timely": rate(on_time, expected),
            "complete": rate(filed, expected),
        },
    }


# --- 专项排查 ---------------------------------------------------------------------------------------


def _below(actor: User) -> list[Unit]:
    unit = actor.unit
    if unit is None:
        return []
    return list(
        Unit.objects.filter(path__startswith=unit.path, is_active=True)
        .exclude(pk=unit.pk)
        .only("pk", "name", "depth", "path")
        .order_by("path")
    )


@require_http_methods(["GET", "POST"])
@capability_required("screenings.view")
def special_view(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    may_manage = has_capability(actor, "screenings.manage") and actor.unit is not None
    status = 200
    form = None
    if may_manage:
        below = _below(actor)
        today = timezone.localdate()
        form = forms.SpecialForm(
            request.POST if request.method == "POST" else None,
            units=below,
            initial={"starts_on": today, "all_below": "1"},
        )
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    special = services.special_open(
                        actor=actor,
                        field=data["field"],
                        title=data["title"],
                        requirements=data["requirements"],
                        starts_on=data.get("starts_on"),
                        ends_on=data.get("ends_on"),
                        all_below=data["all_below"],
                        units=data["units"],
                        request_meta=_meta(request),
                    )
                except ValidationFailed as exc:
                    for name, message in exc.extra.items():
                        if name in form.fields:
                            form.add_error(name, message)
                    if not any(name in form.fields for name in exc.extra):
                        messages.error(request, exc.message)
                else:
                    messages.success(
                        request,
                        f"已部署{special.get_field_display()}专项排查，{special.target_count} 个单位参加。",
                    )
                    return redirect("screenings:special_detail", special_id=special.pk)
            else:
                messages.error(request, "专项排查未部署，请按提示修改。")
            status = 422
    elif request.method == "POST":
        raise PermissionDenied("只有综治信访维稳中心（办公室）可以部署专项排查。")
    rows = selectors.specials_visible_to(actor).select_related("unit").order_by("-opened_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "screenings/special.html",
        {"form": form, "page_obj": page, "query_string": "", "may_manage": may_manage},
        status=status,
    )


@require_GET
@capability_required("screenings.view")
def special_detail_view(request: HttpRequest, special_id: int) -> HttpResponse:
    """A special screening with its units (in the viewer's scope, 50 a page) and each one's round."""
    actor = acting_user(request)
    special = selectors.access_special_by_id(actor, special_id, _meta(request))
    targets = (
        special.targets.filter(unit_id__in=units_visible_to(actor).values("pk"))
        .select_related("unit")
        .order_by("unit_path")
    )
    page = Paginator(targets, TARGETS_PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [t.unit_id for t in page.object_list]
    filed = {
        unit_id: (pk, filed_at, found)
        for unit_id, pk, filed_at, found in ScreeningRound.objects.filter(
            unit_id__in=ids, period_key=f"special:{special.pk}"
        ).values_list("unit_id", "pk", "filed_at", "found_count")
    }
    now = timezone.now()
    rows = []
    for target in page.object_list:
        done = filed.get(target.unit_id)
        if done is not None:
            state = selectors.ON_TIME if done[1] <= special.due_at else selectors.LATE
        else:
            state = selectors.MISSING if special.due_at <= now else selectors.PENDING
        rows.append(
            {
                "unit": target.unit,
                "state": OWED_LABELS[state],
                "css": STATE_CLASSES[state],
                "round_id": done[0] if done else None,
                "filed_at": done[1] if done else None,
                "found": done[2] if done else None,
            }
        )
    asked = actor.unit_id is not None and special.targets.filter(unit_id=actor.unit_id).exists()
    mine = asked and has_capability(actor, "screenings.file")
    return render(
        request,
        "screenings/special_detail.html",
        {
            "special": special,
            "rows": rows,
            "page_obj": page,
            "query_string": "",
            "file_url": selectors.file_link(schedule.special_round(special)) if mine else "",
        },
    )


# --- 排查周期设置 ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required("rules.manage")
def schedule_view(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    refused: forms.ScheduleRowForm | None = None
    status = 200
    if request.method == "POST":
        key = f"{request.POST.get('unit_type', '')}-{request.POST.get('kind', '')}"
        form = forms.ScheduleRowForm(request.POST, auto_id=f"{key}-%s")
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = schedule.schedule_save(
                    actor=actor,
                    unit_type=data["unit_type"],
                    kind=data["kind"],
                    active=data["active"],
                    due_time=data["due_time"],
                    cadence=data["cadence"] or "",
                    weekday=data["weekday"] or 5,
                    day=data["day"] or 24,
                    request_meta=_meta(request),
                )
            except ValidationFailed as exc:
                for name, message in exc.extra.items():
                    if name in form.fields:
                        form.add_error(name, message)
                messages.error(request, exc.message)
            else:
                state = "启用" if saved.active else "停用"
                label = UnitType(saved.unit_type).label
                messages.success(
                    request,
                    f"已保存：{label}{schedule.KIND_LABELS[ScreeningKind(saved.kind)]}（{state}，截止 {saved.due_time:%H:%M}）。",
                )
                return redirect(f"{reverse('screenings:schedule')}#{saved.unit_type}-{saved.kind}")
        else:
            messages.error(request, "排查周期未保存，请按提示修改。")
        refused, status = form, 422
    rows = []
    for row in schedule.schedule_rows():
        mine = (
            refused is not None
            and refused.data.get("unit_type") == row["unit_type"]
            and refused.data.get("kind") == row["kind"]
        )
        form = (
            refused
            if mine and refused is not None
            else forms.ScheduleRowForm(
                initial={
                    "unit_type": row["unit_type"],
                    "kind": row["kind"],
                    "active": row["active"],
                    "cadence": row["cadence"],
                    "due_time": row["due_time"],
                    "weekday": row["weekday"],
                    "day": row["day"],
                },
                auto_id=f"{row['unit_type']}-{row['kind']}-%s",
            )
        )
        rows.append({**row, "form": form, "key": f"{row['unit_type']}-{row['kind']}"})
    return render(request, "screenings/schedule.html", {"rows": rows}, status=status)
