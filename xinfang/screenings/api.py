"""The 矛盾纠纷排查 API. Same conventions as the information reports: scoped lists `{count, page,
page_size, items}`, 404 outside scope, steps answer 403 / 409 / 422 with Chinese messages."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from xinfang.accounts.permissions import acting_user, ensure_capability
from xinfang.core.bounds import Day, Id, PageNumber
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta, json_body
from xinfang.organisation.selectors import access_unit_by_id
from xinfang.procedure.openapi import request_body

from . import forms, selectors, services
from .choices import ScreeningKind
from .machine import STEPS, allowed_actions, round_transition
from .machine.schemas import FileIn, ScreeningFileDoc
from .models import ScreeningItem, ScreeningRound

router = Router(tags=["矛盾纠纷排查"])

PAGE_SIZE_MAX = 100


class ScreeningErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


class ScreeningOut(Schema):
    id: int
    number: str
    unit: int
    unit_name: str
    kind: str
    kind_label: str
    cadence: str
    period_key: str
    period_label: str
    period_start: date
    period_end: date
    due_at: datetime
    on_time: bool
    zero: bool
    found_count: int
    carried_count: int
    status: str
    status_label: str
    filed_by: str
    filed_at: datetime


class ScreeningDisputeOut(Schema):
    id: int
    number: str
    origin: str
    origin_label: str
    kind: str
    place: str
    status_at_filing: str
    status_at_filing_label: str
    status: str
    status_label: str
    url: str


class ScreeningEventOut(Schema):
    action: str
    label: str
    actor: str
    note: str
    data: dict[str, Any]
    created_at: datetime


class ScreeningDetail(ScreeningOut):
    sensitive_period: int | None
    special: int | None
    screened_by: str
    screened_at: datetime
    summary: str
    disorder: str
    hazards: str
    disputes: list[ScreeningDisputeOut]
    allowed_actions: list[str]
    timeline: list[ScreeningEventOut]


class ScreeningPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ScreeningOut]


class ScreeningQuery(Schema):
    kind: str = ""
    unit: Id | None = None
    start: Day | None = Field(None, alias="from")
    end: Day | None = Field(None, alias="to")
    page: PageNumber = 1
    page_size: int = Field(20, ge=1, le=PAGE_SIZE_MAX)


class ScreeningCompletenessQuery(Schema):
    unit: Id | None = None
    start: Day | None = Field(None, alias="from")
    end: Day | None = Field(None, alias="to")


class ScreeningCompletenessRow(Schema):
    unit: int
    unit_name: str
    unit_type: str
    depth: int
    expected: int
    filed: int
    on_time: int
    late: int
    missing: int
    pending: int
    chased: int


class ScreeningCompletenessTotals(Schema):
    expected: int
    filed: int
    on_time: int
    late: int
    missing: int
    pending: int
    chased: int
    timely_rate: float | None
    complete_rate: float | None


class ScreeningCompletenessOut(Schema):
    unit: int
    unit_name: str
    start: date = Field(..., alias="from")
    end: date = Field(..., alias="to")
    items: list[ScreeningCompletenessRow]
    totals: ScreeningCompletenessTotals


def _summary(round_: ScreeningRound) -> dict[str, Any]:
    return {
        "id": round_.pk,
        "number": round_.number,
        "unit": round_.unit_id,
        "unit_name": round_.unit.name,
        "kind": round_.kind,
        "kind_label": round_.get_kind_display(),
        "cadence": round_.cadence,
        "period_key": round_.period_key,
        "period_label": round_.period_label,
        "period_start": round_.period_start,
        "period_end": round_.period_end,
        "due_at": round_.due_at,
        "on_time": round_.on_time,
        "zero": round_.is_zero,
        "found_count": round_.found_count,
        "carried_count": round_.carried_count,
        "status": round_.status,
        "status_label": round_.get_status_display(),
        "filed_by": str(round_.filed_by),
        "filed_at": round_.filed_at,
    }


def _detail(request: HttpRequest, round_id: int) -> dict[str, Any]:
    actor = acting_user(request)
    round_ = selectors.access_round_by_id(actor, round_id, RequestMeta.from_request(request))
    items = (
        ScreeningItem.objects.filter(round=round_).select_related("dispute", "dispute__kind").order_by("pk")
    )
    return {
        **_summary(round_),
        "sensitive_period": round_.sensitive_period_id,
        "special": round_.special_id,
        "screened_by": round_.screened_by,
        "screened_at": round_.screened_at,
        "summary": round_.summary,
        "disorder": round_.disorder,
        "hazards": round_.hazards,
        "disputes": [
            {
                "id": i.dispute_id,
                "number": i.dispute.number,
                "origin": i.origin,
                "origin_label": i.get_origin_display(),
                "kind": i.dispute.kind.code,
                "place": i.dispute.place,
                "status_at_filing": i.status,
                "status_at_filing_label": i.status_label,
                "status": i.dispute.status,
                "status_label": i.dispute.get_status_display(),
                "url": reverse("disputes:detail", args=[i.dispute_id]),
            }
            for i in items
        ],
        "allowed_actions": allowed_actions(round_, actor),
        "timeline": [
            {
                "action": e.action,
                "label": forms.action_label(e.action),
                "actor": str(e.actor) if e.actor is not None else "系统",
                "note": e.note,
                "data": e.data or {},
                "created_at": e.created_at,
            }
            for e in round_.events.select_related("actor").order_by("created_at", "pk")
        ],
    }


@router.get("/screenings", response={200: ScreeningPage, 403: ScreeningErrorOut, 422: ScreeningErrorOut})
def list_rounds(request: HttpRequest, query: Query[ScreeningQuery]) -> dict[str, Any]:
    """权限范围内的排查，按报送时间倒序分页。kind（regular | quarterly | key | special）、unit（含下级单位）、
    from/to（报送日期，含）筛选。"""
    ensure_capability(request.user, "screenings.view")
    if query.kind and query.kind not in ScreeningKind.values:
        message = f"排查类别须为以下之一：{'、'.join(ScreeningKind.values)}。"
        raise ValidationFailed(message, {"kind": message})
    if query.start and query.end and query.end < query.start:
        raise ValidationFailed("结束日期不能早于开始日期。", {"to": "结束日期不能早于开始日期。"})
    qs = selectors.round_list(
        actor=request.user, kind=query.kind, unit=query.unit, start=query.start, end=query.end
    )
    first = (query.page - 1) * query.page_size
    items = list(qs[first : first + query.page_size])
    return {
        "count": qs.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_summary(r) for r in items],
    }


def _fields(request: HttpRequest, schema: Any, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """The body's values the step's schema reads (names the transition functions take as their
    own arguments never reach them), nulls left out."""
    return {
        k: v
        for k, v in json_body(request).items()
        if v is not None and (k in schema.model_fields or k in extra)
    }


@router.post(
    "/screenings",
    response={
        201: ScreeningDetail,
        403: ScreeningErrorOut,
        404: ScreeningErrorOut,
        409: ScreeningErrorOut,
        422: ScreeningErrorOut,
    },
    openapi_extra=request_body(
        ScreeningFileDoc,
        "排查单位默认为调用者本单位（只能报送本单位的排查）；found 中每一项登记为一件矛盾纠纷，"
        "字段有误时以 found[序号].字段 返回。",
    ),
)
def file_round(request: HttpRequest) -> Status:
    """报送排查：kind 为 regular（定期排查）| quarterly（季度三个排查，另填 disorder 治安乱点、hazards
    安全隐患）| key（敏感时期的重点排查：period 为敏感时期内任一天，或以 sensitive 指定）| special
    （专项排查，special 为其编号）；period 为所属期间内任一天（默认今天）。没有发现矛盾纠纷时 found 为空
    （零报告）；本单位未化解的矛盾纠纷自动结转。同一期重复报送 409。"""
    ensure_capability(request.user, "screenings.file")
    fields = _fields(request, FileIn, ("unit",))
    unit = fields.pop("unit", None)
    if unit is not None and (not isinstance(unit, int) or isinstance(unit, bool) or unit < 1):
        raise ValidationFailed("请选择排查单位。", {"unit": "排查单位须为单位编号。"})
    round_ = services.round_file(
        actor=acting_user(request), unit=unit, request_meta=RequestMeta.from_request(request), **fields
    )
    return Status(201, _detail(request, round_.pk))


@router.get(
    "/screenings/completeness",
    response={
        200: ScreeningCompletenessOut,
        403: ScreeningErrorOut,
        404: ScreeningErrorOut,
        422: ScreeningErrorOut,
    },
    by_alias=True,
)
def completeness(request: HttpRequest, query: Query[ScreeningCompletenessQuery]) -> dict[str, Any]:
    """排查完整率：该单位（默认本单位）及其下级单位在 [from, to]（含，默认最近四周，至多 366 天）
    应报、已报、按时、迟报、未报、未到期的排查次数和被催报次数，及合计和比率（%）。"""
    ensure_capability(request.user, "screenings.view")
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
            "filed": row.filed,
            "on_time": row.on_time,
            "late": row.late,
            "missing": row.missing,
            "pending": sum(1 for c in row.cells if c.state == selectors.PENDING),
            "chased": chased.get(row.unit_id, 0),
        }
        for row in grid.rows
    ]
    totals: dict[str, Any] = {
        key: sum(item[key] for item in items)
        for key in ("expected", "filed", "on_time", "late", "missing", "pending", "chased")
    }
    whole = totals["expected"]
    totals["timely_rate"] = round(100 * totals["on_time"] / whole, 1) if whole else None
    totals["complete_rate"] = round(100 * totals["filed"] / whole, 1) if whole else None
    return {
        "unit": unit.pk,
        "unit_name": unit.name,
        "from": first,
        "to": last,
        "items": items,
        "totals": totals,
    }


@router.get(
    "/screenings/{round_id}", response={200: ScreeningDetail, 403: ScreeningErrorOut, 404: ScreeningErrorOut}
)
def get_round(request: HttpRequest, round_id: int) -> dict[str, Any]:
    """排查详情：排查情况、本轮发现和往期结转的矛盾纠纷（报送时状态和现状态）、可执行的操作和经过。范围外 404。"""
    ensure_capability(request.user, "screenings.view")
    return _detail(request, round_id)


@router.post(
    "/screenings/{round_id}/actions/amend",
    response={
        200: ScreeningDetail,
        403: ScreeningErrorOut,
        404: ScreeningErrorOut,
        409: ScreeningErrorOut,
        422: ScreeningErrorOut,
    },
    summary="修改排查（amend）",
    operation_id="screening_action_amend",
    openapi_extra=request_body(STEPS["amend"].schema, "只填写需要更正的字段；note（修改说明）必填。"),
)
def amend_round(request: HttpRequest, round_id: int) -> dict[str, Any]:
    """修改排查：报送单位更正排查人员、排查时间、排查情况（季度排查另有治安乱点、安全隐患）。
    非本单位 403，范围外 404，字段有误 422。"""
    ensure_capability(request.user, "screenings.view")
    fields = _fields(request, STEPS["amend"].schema)
    note = fields.pop("note", "")
    round_transition(
        round_=ScreeningRound(pk=round_id),
        action="amend",
        actor=acting_user(request),
        note=note if isinstance(note, str) else "",
        request_meta=RequestMeta.from_request(request),
        **fields,
    )
    return _detail(request, round_id)


__all__ = ["router"]
