"""The 信息报送 API. Same conventions as petitions: scoped lists `{count, page, page_size, items}`,
404 outside scope, steps answer 403 / 409 / 422 with Chinese messages."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from xinfang.accounts.permissions import acting_user, ensure_capability
from xinfang.core.bounds import Day, Id, PageNumber
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta, json_body
from xinfang.organisation.selectors import access_unit_by_id
from xinfang.procedure.openapi import request_body

from . import forms, selectors, services
from .choices import ReportKind, ReportStatus
from .machine import STEPS, allowed_actions, report_transition
from .machine.schemas import FileIn
from .models import InfoReport

router = Router(tags=["信息报送"])

PAGE_SIZE_MAX = 100
ACTIONS = ("sign", "return", "forward", "resubmit")


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


class InfoReportOut(Schema):
    id: int
    number: str
    unit: int
    unit_name: str
    to_unit: int | None
    to_unit_name: str
    kind: str
    kind_label: str
    cadence: str
    period_start: date | None
    period_end: date | None
    period_label: str
    due_at: datetime | None
    on_time: bool | None
    title: str
    risk: str
    status: str
    status_label: str
    filed_by: str
    filed_at: datetime


class InfoReportUnitRef(Schema):
    id: int
    name: str


class ReportRef(Schema):
    id: int
    number: str
    unit_name: str
    title: str


class InfoReportEventOut(Schema):
    action: str
    label: str
    from_status: str
    to_status: str
    actor: str
    note: str
    data: dict[str, Any]
    created_at: datetime


class ReportDetail(InfoReportOut):
    content: str
    subjects: str
    headcount: int | None
    expected_at: datetime | None
    place: str
    demands: str
    skipped_units: list[InfoReportUnitRef]
    returned_reason: str
    signed_by: str
    signed_at: datetime | None
    forwarded_to: ReportRef | None
    merged: list[ReportRef]
    links: list[dict[str, Any]]
    allowed_actions: list[str]
    timeline: list[InfoReportEventOut]


class ReportPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InfoReportOut]


class ReportQuery(Schema):
    kind: str = ""
    status: str = ""
    unit: Id | None = None
    inbox: bool = False
    start: Day | None = Field(None, alias="from")
    end: Day | None = Field(None, alias="to")
    page: PageNumber = 1
    page_size: int = Field(20, ge=1, le=PAGE_SIZE_MAX)


class CompletenessQuery(Schema):
    unit: Id | None = None
    start: Day | None = Field(None, alias="from")
    end: Day | None = Field(None, alias="to")


class CompletenessRow(Schema):
    unit: int
    unit_name: str
    unit_type: str
    depth: int
    expected: int
    received: int
    on_time: int
    late: int
    missing: int
    chased: int


class CompletenessTotals(Schema):
    expected: int
    received: int
    on_time: int
    late: int
    missing: int
    chased: int


class CompletenessOut(Schema):
    unit: int
    unit_name: str
    start: date = Field(..., alias="from")
    end: date = Field(..., alias="to")
    items: list[CompletenessRow]
    totals: CompletenessTotals


class SignToPetitionIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field("", max_length=30)
    category: str = Field(..., min_length=1, max_length=20)
    not_repeat: bool = False
    repeat_of: Id | None = None


class SignPetitionRef(Schema):
    id: int
    number: str


def _summary(report: InfoReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "number": report.number,
        "unit": report.unit_id,
        "unit_name": report.unit.name,
        "to_unit": report.to_unit_id,
        "to_unit_name": report.to_unit.name if report.to_unit is not None else "",
        "kind": report.kind,
        "kind_label": report.get_kind_display(),
        "cadence": report.cadence,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "period_label": forms.period_label(report),
        "due_at": report.due_at,
        "on_time": report.on_time,
        "title": report.title,
        "risk": report.risk,
        "status": report.status,
        "status_label": report.get_status_display(),
        "filed_by": str(report.filed_by),
        "filed_at": report.filed_at,
    }


def _ref(report: InfoReport) -> dict[str, Any]:
    return {"id": report.pk, "number": report.number, "unit_name": report.unit.name, "title": report.title}


def _detail(request: HttpRequest, report_id: int) -> dict[str, Any]:
    actor = acting_user(request)
    report = selectors.access_report_by_id(actor, report_id, RequestMeta.from_request(request))
    facts = forms.report_facts(actor, report)
    return {
        **_summary(report),
        "content": report.content,
        "subjects": report.subjects,
        "headcount": report.headcount,
        "expected_at": report.expected_at,
        "place": report.place,
        "demands": report.demands,
        "skipped_units": [{"id": u.pk, "name": u.name} for u in facts.skipped],
        "returned_reason": report.returned_reason,
        "signed_by": str(report.signed_by) if report.signed_by is not None else "",
        "signed_at": report.signed_at,
        "forwarded_to": _ref(report.forwarded_to)
        if report.forwarded_to is not None and facts.forwarded_visible
        else None,
        "merged": [_ref(r) for r in facts.merged],
        "links": list(report.links),
        "allowed_actions": allowed_actions(report, actor),
        "timeline": [
            {
                "action": e.action,
                "label": forms.action_label(e.action),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": str(e.actor) if e.actor is not None else "系统",
                "note": e.note,
                "data": e.data or {},
                "created_at": e.created_at,
            }
            for e in facts.events
        ],
    }


def _choice(value: str, allowed: list[str], label: str, field: str) -> None:
    if value and value not in allowed:
        message = f"{label}须为以下之一：{'、'.join(allowed)}。"
        raise ValidationFailed(message, {field: message})


@router.get("/info-reports", response={200: ReportPage, 422: ErrorOut})
def list_reports(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    """权限范围内的信息报告，按报送时间倒序分页。kind、status、unit（含下级单位）、from/to（报送日期，含）
    筛选；inbox=true 为报送至本单位、待签收的报告。"""
    ensure_capability(request.user, "reports.view")
    _choice(query.kind, list(ReportKind.values), "信息类别", "kind")
    _choice(query.status, list(ReportStatus.values), "状态", "status")
    start, end = forms.day_range(query.start, query.end)
    qs = selectors.report_list(
        actor=request.user,
        kind=query.kind,
        status=query.status,
        unit=query.unit,
        inbox=query.inbox,
        start=start,
        end=end,
    )
    first = (query.page - 1) * query.page_size
    items = list(qs[first : first + query.page_size])
    return {
        "count": qs.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_summary(r) for r in items],
    }


# the filing step's fields no caller sets: 转报 (`forwarded`) is the machine's own, set by 上报
FILE_INTERNAL = frozenset({"forwarded"})


def _fields(request: HttpRequest, schema: Any, internal: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The body's values the step's schema reads (names the transition functions take as their
    own arguments — report, actor, action — never reach them, nor the step's internal fields),
    nulls left out."""
    return {
        k: v
        for k, v in json_body(request).items()
        if v is not None and k in schema.model_fields and k not in internal
    }


def _file_body() -> dict[str, Any]:
    """The documented body of 报送: FileIn without its internal fields."""
    extra = request_body(FileIn, "报送单位为调用者本单位；越级报送（skip_to）仅限紧急情况。")
    schema = extra["requestBody"]["content"]["application/json"]["schema"]
    for name in FILE_INTERNAL:
        schema.get("properties", {}).pop(name, None)
    return extra


@router.post(
    "/info-reports",
    response={201: ReportDetail, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra=_file_body(),
)
def file_report(request: HttpRequest) -> Status:
    """报送信息：kind 为 early_sign（苗头信息）| routine（定期报告）| zero（零报告）| daily（日报）|
    immediate（即时报告）；定期报告、零报告和日报注明 cadence 和 period（期间内任一天）。报送至上一级
    单位；紧急情况可越级报送（skip_to），被越过的层级同时收到通知。"""
    ensure_capability(request.user, "reports.file")
    report = services.report_file(
        actor=acting_user(request),
        request_meta=RequestMeta.from_request(request),
        **_fields(request, FileIn, FILE_INTERNAL),
    )
    return Status(201, _detail(request, report.pk))


@router.get(
    "/info-reports/completeness",
    response={200: CompletenessOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    by_alias=True,
)
def completeness(request: HttpRequest, query: Query[CompletenessQuery]) -> dict[str, Any]:
    """报送完整率：该单位（默认本单位）及其下级单位在 [from, to]（含，默认最近四周，至多 366 天）
    应报、已报、按时、迟报、未报的期数和被催报次数，及合计。"""
    ensure_capability(request.user, "reports.view")
    actor = acting_user(request)
    first, last = forms.completeness_range(query.start, query.end)
    wanted = query.unit if query.unit is not None else actor.unit_id
    if wanted is None:
        raise ValidationFailed("您的账号没有所属单位，请指定单位。", {"unit": "请指定单位。"})
    unit = access_unit_by_id(actor, wanted, RequestMeta.from_request(request))
    grid = selectors.completeness(actor=actor, unit=unit, first=first, last=last)
    chased = selectors.chased_counts(actor, unit, first, last)
    items: list[dict[str, Any]] = [
        {
            "unit": row.unit_id,
            "unit_name": row.name,
            "unit_type": row.unit_type,
            "depth": row.depth,
            "expected": row.expected,
            "received": row.received,
            "on_time": row.on_time,
            "late": row.late,
            "missing": row.missing,
            "chased": chased.get(row.unit_id, 0),
        }
        for row in grid.rows
    ]
    totals = {
        key: sum(item[key] for item in items)
        for key in ("expected", "received", "on_time", "late", "missing", "chased")
    }
    return {
        "unit": unit.pk,
        "unit_name": unit.name,
        "from": first,
        "to": last,
        "items": items,
        "totals": totals,
    }


@router.get("/info-reports/{report_id}", response={200: ReportDetail, 404: ErrorOut})
def get_report(request: HttpRequest, report_id: int) -> dict[str, Any]:
    """信息报告详情：全部字段、状态、可执行的操作（allowed_actions）和经过（timeline）。范围外 404。"""
    ensure_capability(request.user, "reports.view")
    return _detail(request, report_id)


ACTION_RESPONSES = {200: ReportDetail, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _act(request: HttpRequest, report_id: int, action: str) -> dict[str, Any]:
    ensure_capability(request.user, "reports.view")
    fields = _fields(request, STEPS[action].schema)
    note = fields.pop("note", "")
    report_transition(
        report=InfoReport(pk=report_id),
        action=action,
        actor=acting_user(request),
        note=note if isinstance(note, str) else "",
        request_meta=RequestMeta.from_request(request),
        **fields,
    )
    return _detail(request, report_id)


def _action_endpoint(action: str, step: Any) -> None:
    def act(request: HttpRequest, report_id: int) -> dict[str, Any]:
        return _act(request, report_id, action)

    act.__name__ = f"report_{action}"
    router.post(
        f"/info-reports/{{report_id}}/actions/{action}",
        response=ACTION_RESPONSES,
        summary=f"{step.label}（{action}）",
        description=f"{step.label}。非法顺序 409，角色或单位不符 403，范围外 404，字段有误 422。",
        operation_id=f"info_report_action_{action}",
        openapi_extra=request_body(step.schema),
    )(act)


for _action in ACTIONS:
    _action_endpoint(_action, STEPS[_action])


@router.post(
    "/info-reports/{report_id}/petition",
    response={201: SignPetitionRef, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def to_petition(request: HttpRequest, report_id: int, payload: SignToPetitionIn) -> Status:
    """转为信访件：苗头信息登记为信访件（来访，报送单位为问题属地，调用者为首问责任人），并在本报告记下转化。"""
    ensure_capability(request.user, "reports.view")
    actor = acting_user(request)
    meta = RequestMeta.from_request(request)
    report = selectors.access_report_by_id(actor, report_id, meta)
    petition = services.report_to_petition(
        actor=actor,
        report=report,
        name=payload.name,
        phone=payload.phone,
        category=payload.category,
        not_repeat=payload.not_repeat,
        repeat_of=payload.repeat_of,
        request_meta=meta,
    )
    return Status(201, {"id": petition.pk, "number": petition.number})


__all__ = ["router"]
