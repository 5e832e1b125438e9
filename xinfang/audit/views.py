import csv
import json
from collections.abc import Iterator
from datetime import date, datetime
from itertools import islice

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinfang.accounts.permissions import capability_required
from xinfang.core.exceptions import ApplicationError
from xinfang.core.requests import RequestMeta
from xinfang.core.spreadsheets import csv_row

from .details import readable_entries
from .models import AuditArchive, AuditEntry, AuditEvent
from .selectors import AuditFilter, audit_entry_list
from .services import audit_archive, audit_record


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters_from(request: HttpRequest) -> tuple[AuditFilter, list[str]]:
    get = request.GET
    problems = []
    date_from, date_to = _parse_date(get.get("date_from", "")), _parse_date(get.get("date_to", ""))
    if get.get("date_from") and date_from is None:
        problems.append("起始日期格式应为 YYYY-MM-DD。")
    if get.get("date_to") and date_to is None:
        problems.append("截止日期格式应为 YYYY-MM-DD。")
    event = get.get("event", "")
    success = {"1": True, "0": False}.get(get.get("success", ""))
    return (
        AuditFilter(
            username=get.get("username", "").strip(),
            event=int(event) if event.isdigit() else None,
            target_type=get.get("target_type", "").strip(),
            target_id=get.get("target_id", "").strip(),
            success=success,
            date_from=date_from,
            date_to=date_to,
            ip=get.get("ip", "").strip(),
        ),
        problems,
    )


@capability_required("audit.view_log")
def entry_list_view(request: HttpRequest) -> HttpResponse:
    filters, problems = _filters_from(request)
    page = Paginator(audit_entry_list(filters=filters), 50).get_page(request.GET.get("page"))
    rows = readable_entries(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/entry_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "filters": filters,
            "problems": problems,
            "events": AuditEvent.choices,
            "query_string": f"{query.urlencode()}&" if query else "",
            "archives": AuditArchive.objects.select_related("created_by")[:10],
        },
    )


EXPORT_CHUNK = 500


def _chunks(entries: Iterator[AuditEntry]) -> Iterator[list[AuditEntry]]:
    """The export reads the details of 500 entries at a time, like the page reads its 50."""
    while chunk := list(islice(entries, EXPORT_CHUNK)):
        yield chunk


class _Echo:
    def write(self, value: str) -> str:
        return value


@capability_required("audit.view_log")
def entry_export_view(request: HttpRequest) -> StreamingHttpResponse:
    """Streams the filtered log as CSV (UTF-8 with BOM so that Excel opens Chinese correctly)."""
    filters, _ = _filters_from(request)
    audit_record(
        actor=request.user,
        event=AuditEvent.AUDIT_EXPORTED,
        request_meta=RequestMeta.from_request(request),
        filters={k: str(v) for k, v in filters.__dict__.items() if v not in ("", None)},
    )
    writer = csv.writer(_Echo())
    labels = dict(AuditEvent.choices)

    def rows():  # type: ignore[no-untyped-def]
        yield "\ufeff" + writer.writerow(
            ["时间", "用户", "事件", "对象类型", "对象编号", "对象", "结果", "IP 地址", "详情", "说明"]
        )
        for chunk in _chunks(audit_entry_list(filters=filters).iterator(chunk_size=EXPORT_CHUNK)):
            for row in readable_entries(chunk):
                e = row.entry
                yield writer.writerow(
                    csv_row(
                        [
                            timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                            e.actor_username,
                            labels.get(e.event, e.event),
                            e.target_type,
                            e.target_id,
                            e.target_label,
                            "成功" if e.success else "失败",
                            e.ip or "",
                            json.dumps(e.extra_data, ensure_ascii=False),
                            row.text,
                        ]
                    )
                )

    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


@require_POST
@capability_required("audit.archive")
def archive_view(request: HttpRequest) -> HttpResponse:
    before = _parse_date(request.POST.get("before", ""))
    if before is None:
        messages.error(request, "请填写归档截止日期（YYYY-MM-DD）。")
        return redirect("audit:entry_list")
    cutoff = timezone.make_aware(datetime.combine(before, datetime.min.time()))
    try:
        archive = audit_archive(
            actor=request.user, before=cutoff, request_meta=RequestMeta.from_request(request)
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已归档 {archive.row_count} 条审计记录到 {archive.file_name}。")
    return redirect("audit:entry_list")
