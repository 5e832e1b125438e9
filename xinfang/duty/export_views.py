"""Downloads of duty files (值班表 .xlsx / .docx, 值班记录表, 交接班记录): scope through the
selectors (404 outside it), the file laid out by `exports`, one EXPORT audit entry per download.
No transaction is open: the reads, the layout and the one audit INSERT each stand alone."""

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from xinfang.accounts.permissions import capability_required
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import Conflict
from xinfang.core.requests import RequestMeta

from . import exports, selectors
from .models import RosterMonth, Shift

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _file(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _audit(request: HttpRequest, target: RosterMonth | Shift, label: str, kind: str, rows: int) -> None:
    audit_record(
        actor=request.user,
        event=AuditEvent.EXPORT,
        target=target,
        target_label=label,
        request_meta=RequestMeta.from_request(request),
        kind=kind,
        rows=rows,
    )


@require_GET
@capability_required("duty.view")
def roster_xlsx(request: HttpRequest, roster_id: int) -> HttpResponse:
    roster = selectors.access_roster_by_id(request.user, roster_id, RequestMeta.from_request(request))
    exported = exports.roster_xlsx(roster)
    title = exports.roster_title(roster)
    _audit(request, roster, title, "duty_roster_xlsx", exported.rows)
    return _file(exported.content, f"{title}.xlsx", XLSX)


@require_GET
@capability_required("duty.view")
def roster_docx(request: HttpRequest, roster_id: int) -> HttpResponse:
    roster = selectors.access_roster_by_id(request.user, roster_id, RequestMeta.from_request(request))
    exported = exports.roster_docx(roster)
    title = exports.roster_title(roster)
    _audit(request, roster, title, "duty_roster_docx", exported.rows)
    return _file(exported.content, f"{title}.docx", DOCX)


def _shift_name(shift: Shift) -> str:
    return f"{shift.unit.name}{shift.number}"


@require_GET
@capability_required("duty.view")
def shift_record(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = selectors.access_shift_by_id(request.user, shift_id, RequestMeta.from_request(request))
    exported = exports.shift_record_docx(shift)
    _audit(request, shift, _shift_name(shift), "duty_shift_record", exported.rows)
    return _file(exported.content, f"值班记录表-{_shift_name(shift)}.docx", DOCX)


@require_GET
@capability_required("duty.view")
def handover_docx(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = selectors.access_shift_by_id(request.user, shift_id, RequestMeta.from_request(request))
    try:
        exported = exports.handover_docx(shift)
    except exports.NotHandedOver:
        raise Conflict("本班次尚未交班，还没有交接班记录。") from None
    _audit(request, shift, _shift_name(shift), "duty_handover", exported.rows)
    return _file(exported.content, f"交接班记录-{_shift_name(shift)}.docx", DOCX)
