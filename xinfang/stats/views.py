"""The statistics page (统计分析) and the files that leave the office: the statistics workbook,
the monthly bulletin, the transfer bulletin and the analysis report. Every file is audited with
its filters (`services.stats_exported`)."""

from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from xinfang.accounts.permissions import capability_required
from xinfang.core.http import HtmxRequest
from xinfang.core.requests import RequestMeta

from . import files, reports, services
from .choices import Dimension
from .forms import MonthReportForm, StatsFilterForm
from .selectors import month_key, month_shift, month_text, stats_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _file(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _invalid(request: HttpRequest, form: Any) -> HttpResponse:
    errors = "；".join(
        f"{form.fields[k].label if k in form.fields else ''}{' '.join(v)}" for k, v in form.errors.items()
    )
    return render(request, "core/error.html", {"message": f"参数有误：{errors}"}, status=422)


@require_GET
@capability_required("stats.view")
def index_view(request: HtmxRequest) -> HttpResponse:
    today = timezone.localdate()
    form = StatsFilterForm(request.GET, actor=request.user)
    table = (
        stats_table(actor=request.user, filters=form.to_filter(), today=today) if form.is_valid() else None
    )
    context = {
        "form": form,
        "table": table,
        "query": request.GET.urlencode(),
        "today": today,
        "notes": reports.definitions_notes(today, table.filters.dimension if table else Dimension.REGISTERED),
        "bulletin_month": month_text(month_shift(month_key(today), -1)),
        "dimensions": Dimension.choices,
        "bulletin_dimension": Dimension.HANDLING,
    }
    if table is not None:
        context.update(
            period_from=month_text(table.filters.month_from), period_to=month_text(table.filters.month_to)
        )
    template = "stats/partials/_tables.html" if request.htmx else "stats/index.html"
    return render(request, template, context)


@require_GET
@capability_required("stats.view")
def export_view(request: HttpRequest) -> HttpResponse:
    form = StatsFilterForm(request.GET, actor=request.user)
    if not form.is_valid():
        return _invalid(request, form)
    filters = form.to_filter()
    today = timezone.localdate()
    table = stats_table(actor=request.user, filters=filters, today=today)
    heading = (
        f"{filters.unit.name}信访工作统计表（{filters.dimension_label}，"
        f"{month_text(filters.month_from)} 至 {month_text(filters.month_to)}）"
    )
    content = files.workbook_xlsx(reports.stats_sheets(table), heading=heading)
    services.stats_exported(
        actor=request.user,
        kind="stats_xlsx",
        filters=filters.summary(),
        rows=len(table.units) + len(table.categories),
        request_meta=RequestMeta.from_request(request),
    )
    return _file(
        content,
        f"信访统计表-{filters.unit.name}-{month_text(filters.month_from)}至{month_text(filters.month_to)}.xlsx",
        XLSX,
    )


def _month_report(
    request: HttpRequest,
    *,
    name: str,
    export_kind: str,
    build: Any,
    rows: Any,
    heading: Any,
    sheets: Any,
    report: Any,
    uses_dimension: bool = False,
) -> HttpResponse:
    """A monthly report of the chosen unit as .docx (default) or .xlsx, its export audited."""
    form = MonthReportForm(request.GET, actor=request.user)
    if not form.is_valid():
        return _invalid(request, form)
    unit, month, kind = form.cleaned_data["unit"], form.cleaned_data["month"], form.cleaned_data["format"]
    options = {"dimension": form.cleaned_data["by"]} if uses_dimension else {}
    data = build(actor=request.user, unit=unit, month=month, today=timezone.localdate(), **options)
    services.stats_exported(
        actor=request.user,
        kind=f"{export_kind}_{kind}",
        filters={"unit": unit.pk, "unit_name": unit.name, "month": month_text(month)}
        | ({"by": form.cleaned_data["by"]} if uses_dimension else {}),
        rows=rows(data),
        request_meta=RequestMeta.from_request(request),
    )
    filename = f"{name}-{unit.name}-{month_text(month)}"
    if kind == "xlsx":
        content = files.workbook_xlsx(sheets(data), heading=heading(unit, month, data))
        return _file(content, f"{filename}.xlsx", XLSX)
    return _file(files.report_docx(report(data)), f"{filename}.docx", DOCX)


@require_GET
@capability_required("stats.view")
def bulletin_view(request: HttpRequest) -> HttpResponse:
    """信访工作通报 of a month, as .docx (default) or .xlsx."""
    return _month_report(
        request,
        name="信访工作通报",
        export_kind="bulletin",
        build=reports.monthly_bulletin,
        rows=lambda bulletin: len(bulletin.table.units),
        heading=lambda unit, month, bulletin: f"{unit.name}信访工作通报（{bulletin.title_period}）",
        sheets=reports.bulletin_sheets,
        report=reports.bulletin_report,
        uses_dimension=True,
    )


@require_GET
@capability_required("stats.view")
def transfer_bulletin_view(request: HttpRequest) -> HttpResponse:
    """转送情况通报 of a month, as .docx (default) or .xlsx."""
    return _month_report(
        request,
        name="转送情况通报",
        export_kind="transfer_bulletin",
        build=reports.transfer_bulletin,
        rows=lambda bulletin: bulletin.total,
        heading=lambda unit, month, bulletin: f"{unit.name}转送信访事项情况通报（{month_text(month)}）",
        sheets=reports.transfer_sheets,
        report=reports.transfer_report,
    )


@require_GET
@capability_required("stats.view")
def analysis_report_view(request: HttpRequest) -> HttpResponse:
    """信访情况分析报告 of a period (.docx with charts)."""
    form = StatsFilterForm(request.GET, actor=request.user)
    if not form.is_valid():
        return _invalid(request, form)
    filters = form.to_filter()
    data = reports.analysis(
        actor=request.user,
        unit=filters.unit,
        first=filters.month_from,
        last=filters.month_to,
        today=timezone.localdate(),
        dimension=filters.dimension,
    )
    services.stats_exported(
        actor=request.user,
        kind="analysis_docx",
        filters={k: v for k, v in filters.summary().items() if k not in ("category", "channel")},
        rows=data.table.total.intake,
        request_meta=RequestMeta.from_request(request),
    )
    filename = f"信访情况分析报告-{filters.unit.name}-{month_text(filters.month_from)}至{month_text(filters.month_to)}.docx"
    return _file(files.report_docx(reports.analysis_report(data)), filename, DOCX)
