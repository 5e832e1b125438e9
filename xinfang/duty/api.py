"""The duty API (值班): shifts, their steps, the duty log, coverage and who is on duty now. Same
conventions as petitions: scoped lists `{count, page, page_size, items}`, 404 outside scope,
steps answer 403 / 409 / 422 with Chinese messages."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from xinfang.accounts.permissions import acting_user, ensure_capability
from xinfang.core.bounds import Day, Id, Moment, PageNumber
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta, step_fields
from xinfang.organisation.selectors import access_unit_by_id, units_visible_to
from xinfang.procedure.openapi import request_body

from . import selectors, services
from .choices import MemberKind
from .machine import STEPS, allowed_actions, shift_transition
from .models import Shift

router = Router(tags=["值班"])


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


class MemberOut(Schema):
    user: int
    name: str
    kind: str
    kind_label: str
    serving: bool
    leave: str
    replaces: int | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None


class ShiftOut(Schema):
    id: int
    unit: int
    unit_name: str
    label: str
    starts_at: datetime
    ends_at: datetime
    status: str
    status_label: str
    published: bool
    members: list[MemberOut]


class EntryOut(Schema):
    id: int
    kind: str
    at: datetime
    name: str
    phone: str
    matter: str
    action_taken: str
    urgent: bool
    acknowledged_at: datetime | None
    status: str
    petition_number: str


class ItemOut(Schema):
    id: int
    kind: str
    text: str
    status: str
    reason: str


class HandoverOut(Schema):
    to_shift: int | None
    note: str
    handed_at: datetime
    signed_at: datetime | None
    items: list[ItemOut]


class ShiftDetail(ShiftOut):
    allowed_actions: list[str]
    log: list[EntryOut]
    handover: HandoverOut | None


class ShiftPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ShiftOut]


class ShiftQuery(Schema):
    unit: Id | None = None
    start: Moment | None = Field(None, alias="from")
    end: Moment | None = Field(None, alias="to")
    page: PageNumber = 1
    page_size: int = Field(100, ge=1, le=500)


class CoverageQuery(Schema):
    unit: Id
    start: Day = Field(..., alias="from")
    end: Day = Field(..., alias="to")


class ShiftIn(Schema):
    unit: Id
    starts_at: Moment
    ends_at: Moment
    label: str = Field("", max_length=20)
    leader: Id
    staff: list[Id]


class GapOut(Schema):
    unit: int
    unit_name: str
    start: datetime = Field(..., alias="from")
    end: datetime = Field(..., alias="to")
    missing: list[str]
    needed_staff: int
    periods: list[str]


class CoverageOut(Schema):
    gaps: list[dict[str, Any]]


def _member(m: Any) -> MemberOut:
    return MemberOut(
        user=m.user_id,
        name=str(m.user),
        kind=m.kind,
        kind_label=m.get_kind_display(),
        serving=m.serving,
        leave=m.leave,
        replaces=m.replaces.user_id if m.replaces_id else None,
        checked_in_at=m.checked_in_at,
        checked_out_at=m.checked_out_at,
    )


def _shift(s: Shift) -> dict[str, Any]:
    return {
        "id": s.pk,
        "unit": s.unit_id,
        "unit_name": s.unit.name,
        "label": s.label,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "status": s.status,
        "status_label": s.get_status_display(),
        "published": s.published,
        "members": [_member(m) for m in s.members.all()],
    }


def _detail(request: HttpRequest, shift_id: int) -> dict[str, Any]:
    shift = selectors.access_shift_by_id(request.user, shift_id, RequestMeta.from_request(request))
    handover = getattr(shift, "handover", None) if hasattr(shift, "handover") else None
    return {
        **_shift(shift),
        "allowed_actions": allowed_actions(shift, acting_user(request)),
        "log": [EntryOut.from_orm(e) for e in shift.carried.order_by("at", "pk")],
        "handover": None
        if handover is None
        else {
            "to_shift": handover.to_shift_id,
            "note": handover.note,
            "handed_at": handover.handed_at,
            "signed_at": shift.signed_at,
            "items": [ItemOut.from_orm(i) for i in handover.items.all()],
        },
    }


@router.get("/duty/shifts", response={200: ShiftPage, 422: ErrorOut})
def list_shifts(request: HttpRequest, query: Query[ShiftQuery]) -> dict[str, Any]:
    """权限范围内的班次，按开始时间排序分页；from/to 为时间范围。"""
    ensure_capability(request.user, "duty.view")
    page, page_size = query.page, query.page_size
    qs = selectors.shift_list(actor=request.user, unit=query.unit, start=query.start, end=query.end)
    rows = list(
        qs.prefetch_related("members__user", "members__replaces")[(page - 1) * page_size : page * page_size]
    )
    return {"count": qs.count(), "page": page, "page_size": page_size, "items": [_shift(s) for s in rows]}


@router.post(
    "/duty/shifts", response={201: ShiftDetail, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
def create_shift(request: HttpRequest, payload: ShiftIn) -> Status:
    """新建一个班次（加入该月值班表草稿或已发布的值班表），并安排带班领导和值班员。"""
    ensure_capability(request.user, "duty.roster")
    actor = acting_user(request)
    unit = access_unit_by_id(actor, payload.unit, RequestMeta.from_request(request))
    shift = services.shift_add(
        actor=actor,
        unit=unit,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        label=payload.label,
        leader=payload.leader,
        staff=payload.staff,
        request_meta=RequestMeta.from_request(request),
    )
    return Status(201, _detail(request, shift.pk))


@router.get("/duty/shifts/{shift_id}", response={200: ShiftDetail, 404: ErrorOut})
def get_shift(request: HttpRequest, shift_id: int) -> dict[str, Any]:
    """班次详情：状态、可执行的操作、值班记录、交接班。范围外 404。"""
    ensure_capability(request.user, "duty.view")
    return _detail(request, shift_id)


def _act(request: HttpRequest, shift_id: int, action: str) -> dict[str, Any]:
    ensure_capability(request.user, "duty.view")
    fields = step_fields(request)
    note = fields.pop("note", "")
    shift_transition(
        shift=Shift(pk=shift_id),
        action=action,
        actor=acting_user(request),
        note=note if isinstance(note, str) else "",
        request_meta=RequestMeta.from_request(request),
        **fields,
    )
    return _detail(request, shift_id)


ACTION_RESPONSES = {200: ShiftDetail, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _action_endpoint(action: str, step: Any) -> None:
    def act(request: HttpRequest, shift_id: int) -> dict[str, Any]:
        return _act(request, shift_id, action)

    act.__name__ = f"shift_{action}"
    router.post(
        f"/duty/shifts/{{shift_id}}/actions/{action}",
        response=ACTION_RESPONSES,
        summary=f"{step.label}（{action}）",
        description=f"{step.label}。非法顺序 409，角色或人员不符 403，范围外 404，字段有误 422。",
        operation_id=f"shift_action_{action}",
        openapi_extra=request_body(step.schema),
    )(act)


for _action, _step in STEPS.items():
    if _action not in ("log_entry", "register_entry"):
        _action_endpoint(_action, _step)


@router.post("/duty/shifts/{shift_id}/actions/{action}", response=ACTION_RESPONSES, include_in_schema=False)
def act_on_shift(request: HttpRequest, shift_id: int, action: str) -> dict[str, Any]:
    return _act(request, shift_id, action)


@router.post(
    "/duty/shifts/{shift_id}/log",
    response=ACTION_RESPONSES,
    openapi_extra=request_body(STEPS["log_entry"].schema),
)
def log_entry(request: HttpRequest, shift_id: int) -> dict[str, Any]:
    """值班记录：登记一次来电或来访（kind call | visit，at，name，phone，matter，urgent）；紧急事项立即通知带班领导。"""
    return _act(request, shift_id, "log_entry")


class RegisterIn(Schema):
    category: str = Field(..., min_length=1, max_length=20)
    not_repeat: bool = False
    repeat_of: Id | None = None


class PetitionRef(Schema):
    id: int
    number: str


@router.post(
    "/duty/log/{entry_id}/register",
    response={201: PetitionRef, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def register_entry(request: HttpRequest, entry_id: int, payload: RegisterIn) -> Status:
    """把值班记录登记为信访件（来电 / 来访，值班员为首问责任人），返回新信访件。"""
    ensure_capability(request.user, "petitions.register")
    meta = RequestMeta.from_request(request)
    entry = selectors.access_entry_by_id(request.user, entry_id, meta)
    petition = services.entry_register(
        actor=acting_user(request),
        entry=entry,
        category=payload.category,
        not_repeat=payload.not_repeat,
        repeat_of=payload.repeat_of,
        request_meta=meta,
    )
    return Status(201, {"id": petition.pk, "number": petition.number})


@router.get("/duty/coverage", response={200: CoverageOut, 404: ErrorOut, 422: ErrorOut})
def coverage(request: HttpRequest, query: Query[CoverageQuery]) -> dict[str, Any]:
    """值班覆盖检查：该单位及其下级单位在 [from, to]（含）每一分钟是否都有带班领导和足够的值班员（敏感时期按提高后的要求）。"""
    ensure_capability(request.user, "duty.view")
    unit, start, end = query.unit, query.start, query.end
    root = access_unit_by_id(request.user, unit, RequestMeta.from_request(request))
    if end < start or (end - start).days > 92:
        raise ValidationFailed("检查时段须在 1 至 93 天之间。", {"to": "检查时段须在 1 至 93 天之间。"})
    begin = selectors.day_start(start)
    finish = selectors.day_start(end, after=True)
    units = units_visible_to(request.user).filter(path__startswith=root.path, is_active=True)
    gaps = selectors.coverage_gaps(units=units, start=begin, end=finish)
    return {
        "gaps": [
            {
                "unit": g.unit_id,
                "unit_name": g.unit_name,
                "from": timezone.localtime(g.start),
                "to": timezone.localtime(g.end),
                "missing": list(g.missing),
                "needed_staff": g.needed_staff,
                "periods": list(g.periods),
            }
            for g in gaps
        ]
    }


@router.get("/duty/now", response={200: list[dict[str, Any]], 404: ErrorOut})
def now(request: HttpRequest, unit: int | None = None) -> list[dict[str, Any]]:
    """今日值班：该单位（默认本单位及上一级）正在进行的班次和在岗人员及电话。"""
    actor = acting_user(request)
    own = selectors.duty_units_for(actor)
    if unit is None:
        units = own
    else:
        # the unit above is shown on everyone's home page: asked for by id, it is answered too
        above = next((u for u in own if u.pk == unit), None)
        units = [above or access_unit_by_id(actor, unit, RequestMeta.from_request(request))]
    return [
        {
            "unit": row.unit.pk,
            "unit_name": row.unit.name,
            "shift": row.shift.pk if row.shift else None,
            "label": row.shift.label if row.shift else "",
            "starts_at": row.shift.starts_at if row.shift else None,
            "ends_at": row.shift.ends_at if row.shift else None,
            "people": [
                {
                    "name": str(m.user),
                    "kind": m.kind,
                    "kind_label": MemberKind(m.kind).label,
                    "phone": m.user.phone,
                }
                for m in [*row.leaders, *row.staff]
            ],
        }
        for row in selectors.on_duty_now(units)
    ]


__all__ = ["router", "date"]
