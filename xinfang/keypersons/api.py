"""The 重点人员 / 重点群体 API. Same conventions as petitions, duty and incidents: scoped lists
`{count, page, page_size, items}`, 404 outside scope, 403 without the capability, steps answer
403 / 409 / 422 with Chinese messages.

Lists are masked (name, ID number, phone); a person's detail is in full and every answer that
carries it (the detail, and what entering, a visit or a step answers) is audited as
PERSONAL_DATA_VIEWED. Entering and every step go through the key-person machine (the engine
validates the body after scope, role and state, so that a stranger learns nothing from a 422)."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from xinfang.accounts.permissions import acting_user, ensure_capability
from xinfang.core.bounds import ID_MAX, Id, PageNumber
from xinfang.core.exceptions import NotFound, ValidationFailed
from xinfang.core.requests import RequestMeta, step_fields
from xinfang.petitions.validators import mask_id_number, mask_name, mask_phone
from xinfang.procedure.openapi import request_body

from . import forms, selectors, services
from .choices import PersonStatus, Risk
from .machine import STEPS, person_transition
from .machine.schemas import EnterIn, VisitIn
from .models import KeyGroup, KeyPerson

router = Router(tags=["重点人员"])

VIEW = "keypersons.view"
MANAGE = "keypersons.manage"
# the steps the API offers as /actions/{action} (a visit has its own endpoint; entering is POST
# /key-persons; an alarm is the system's)
ACTIONS = (
    "update_plan",
    "change_owner",
    "change_risk",
    "start_monitoring",
    "stop_monitoring",
    "remove",
    "approve_removal",
    "reject_removal",
)
# names `person_transition` / `person_enter` take as their own arguments (besides those
# `step_fields` drops): a body that sends them is not a step's input (a clash would be a 500)
_OWN_ARGUMENTS = frozenset({"person", "note", "unit"})


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


class KeyPersonCategoryOut(Schema):
    code: str
    name: str


class KeyPersonItem(Schema):
    """A person of the register, masked."""

    id: int
    number: str
    name: str
    id_number: str
    phone: str
    category: str
    category_name: str
    risk: str
    risk_label: str
    unit: int
    unit_name: str
    status: str
    status_label: str
    case_owner: int
    case_owner_name: str
    stability_owner: int
    stability_owner_name: str
    monitored: bool
    last_visit_at: datetime | None
    next_visit_due: datetime | None
    visit_overdue: bool


class KeyPersonPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[KeyPersonItem]


class KeyPersonQuery(Schema):
    category: str = Field("", max_length=30)
    risk: Risk | None = None
    unit: Id | None = None
    visit_overdue: bool = False
    status: PersonStatus | None = None
    include_removed: bool = False
    page: PageNumber = 1
    page_size: int = Field(50, ge=1, le=200)


class KeyPersonVisitOut(Schema):
    id: int
    by: int
    by_name: str
    at: datetime
    location: str
    state: str
    sign: bool
    note: str


class KeyPersonHitOut(Schema):
    id: int
    source: str
    source_label: str
    ref_id: int
    reference: str
    matched_by: str
    at: datetime
    url: str | None


class KeyPersonPetitionOut(Schema):
    id: int
    number: str
    subject: str
    status: str
    status_label: str
    received_at: datetime


class KeyPersonGroupRef(Schema):
    id: int
    name: str


class KeyPersonEventOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    note: str
    text: str
    data: dict[str, Any]
    created_at: datetime


class KeyPersonDetail(KeyPersonItem):
    """A person in full (audited)."""

    address: str
    matter: str
    demands: str
    plan: str
    contact_days: int
    assistance: str
    location: str
    monitor: int | None
    monitor_name: str | None
    removal_reason: str
    removal_requested_by: int | None
    petitioner: int | None
    created_at: datetime
    allowed_actions: list[str]
    visits: list[KeyPersonVisitOut]
    hits: list[KeyPersonHitOut]
    petitions: list[KeyPersonPetitionOut]
    groups: list[KeyPersonGroupRef]
    timeline: list[KeyPersonEventOut]


class KeyGroupIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    category: str = Field(..., min_length=1, max_length=30)
    size: int = Field(..., ge=1, le=100000)
    matter: str = Field(..., min_length=1, max_length=5000)
    case_owner: Id
    stability_owner: Id
    unit: Id | None = None
    leaders: str = Field("", max_length=200)
    history: str = Field("", max_length=5000)
    members: list[Id] = Field([], max_length=1000)


class KeyGroupMemberOut(Schema):
    """A member the caller sees, masked."""

    id: int
    number: str
    name: str


class KeyGroupOut(Schema):
    id: int
    name: str
    unit: int
    unit_name: str
    category: str
    category_name: str
    size: int
    leaders: str
    matter: str
    history: str
    case_owner: int
    case_owner_name: str
    stability_owner: int
    stability_owner_name: str
    members: list[KeyGroupMemberOut]
    created_at: datetime


class KeyGroupPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[KeyGroupOut]


class KeyGroupQuery(Schema):
    page: PageNumber = 1
    page_size: int = Field(50, ge=1, le=200)


# --- reading --------------------------------------------------------------------------------------


def _name(user: Any) -> str:
    return "" if user is None else str(user)


def _item(p: KeyPerson, now: datetime, *, masked: bool = True) -> dict[str, Any]:
    return {
        "id": p.pk,
        "number": p.number,
        "name": mask_name(p.name) if masked else p.name,
        "id_number": mask_id_number(p.id_number) if masked else p.id_number,
        "phone": mask_phone(p.phone) if masked else p.phone,
        "category": p.category.code,
        "category_name": p.category.name,
        "risk": p.risk,
        "risk_label": p.get_risk_display(),
        "unit": p.unit_id,
        "unit_name": p.unit.name,
        "status": p.status,
        "status_label": p.get_status_display(),
        "case_owner": p.case_owner_id,
        "case_owner_name": _name(p.case_owner),
        "stability_owner": p.stability_owner_id,
        "stability_owner_name": _name(p.stability_owner),
        "monitored": p.monitored,
        "last_visit_at": p.last_visit_at,
        "next_visit_due": p.next_visit_due,
        "visit_overdue": forms.is_overdue(p, now),
    }


def _detail(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """The person in full, read through the caller's scope (404 outside it) and audited."""
    actor = acting_user(request)
    meta = RequestMeta.from_request(request)
    person = selectors.access_person_by_id(actor, person_id, meta)
    services.person_viewed(actor=actor, person=person, request_meta=meta)
    record = forms.person_record(person, actor, complete=True)
    return {
        **_item(person, timezone.now(), masked=False),
        "address": person.address,
        "matter": person.matter,
        "demands": person.demands,
        "plan": person.plan,
        "contact_days": person.contact_days,
        "assistance": person.assistance,
        "location": person.location,
        "monitor": person.monitor_id,
        "monitor_name": _name(person.monitor) if person.monitor_id else None,
        "removal_reason": person.removal_reason,
        "removal_requested_by": person.removal_requested_by_id,
        "petitioner": person.petitioner_id,
        "created_at": person.created_at,
        "allowed_actions": forms.offered(person, actor),
        "visits": [
            {
                "id": v.pk,
                "by": v.by_id,
                "by_name": _name(v.by),
                "at": v.at,
                "location": v.location,
                "state": v.state,
                "sign": v.sign,
                "note": v.note,
            }
            for v in record.visits
        ],
        "hits": [
            {
                "id": row["hit"].pk,
                "source": row["hit"].source,
                "source_label": row["source"],
                "ref_id": row["hit"].ref_id,
                "reference": row["hit"].reference,
                "matched_by": row["hit"].matched_by,
                "at": row["hit"].at,
                "url": row["link"] or None,
            }
            for row in forms.hit_rows(record)
        ],
        "petitions": [
            {
                "id": p.pk,
                "number": p.number,
                "subject": p.subject,
                "status": p.status,
                "status_label": p.get_status_display(),
                "received_at": p.received_at,
            }
            for p in record.petitions
        ],
        "groups": [{"id": g.pk, "name": g.name} for g in record.groups],
        "timeline": [
            {
                "action": row["event"].action,
                "action_label": row["label"],
                "from_status": row["event"].from_status,
                "to_status": row["event"].to_status,
                "actor": row["actor"],
                "note": row["event"].note,
                "text": row["text"],
                "data": dict(row["event"].data or {}),
                "created_at": row["event"].created_at,
            }
            for row in forms.timeline(record)
        ],
    }


def _person_id(person_id: int) -> int:
    """A path's id within the database's bounds (404 otherwise, as for any missing person)."""
    if not 1 <= person_id <= ID_MAX:
        raise NotFound()
    return person_id


@router.get("/key-persons/categories", response={200: list[KeyPersonCategoryOut], 403: ErrorOut})
def list_categories(request: HttpRequest) -> list[dict[str, str]]:
    """重点人员类别（启用的）：code 代码，name 名称。列管时 category 填 code。"""
    ensure_capability(request.user, VIEW)
    return [{"code": c.code, "name": c.name} for c in selectors.categories()]


@router.get("/key-persons", response={200: KeyPersonPage, 403: ErrorOut, 422: ErrorOut})
def list_persons(request: HttpRequest, query: Query[KeyPersonQuery]) -> dict[str, Any]:
    """权限范围内的重点人员（脱敏：姓名、身份证号、联系电话），按责任单位、姓名排序分页。category 类别代码；
    risk 风险等级 red|orange|yellow|blue；unit 责任单位（含下级）；visit_overdue=true 仅走访逾期；status 状态；
    默认不含已息访稳定的人员（include_removed=true 或 status=removed 时包含）。"""
    ensure_capability(request.user, VIEW)
    now = timezone.now()
    rows = forms.filtered(
        acting_user(request),
        {
            "category": query.category,
            "risk": query.risk.value if query.risk else "",
            "unit": query.unit,
            "visit_overdue": query.visit_overdue,
            "status": query.status.value if query.status else ("all" if query.include_removed else ""),
        },
        now,
    )
    page, size = query.page, query.page_size
    items = [_item(p, now) for p in rows[(page - 1) * size : page * size]]
    return {"count": rows.count(), "page": page, "page_size": size, "items": items}


def _enter_body() -> dict[str, Any]:
    extra = request_body(
        EnterIn,
        "列管重点人员。unit 为责任单位（不填为本单位）；category 为类别代码（见 /key-persons/categories）；"
        "case_owner 包案责任人（领导）、stability_owner 稳控责任人为用户编号；身份证号和联系电话至少填写一项。",
    )
    schema = extra["requestBody"]["content"]["application/json"]["schema"]
    schema["properties"] = {
        "unit": {"type": "integer", "title": "责任单位", "description": "不填为本单位"},
        **schema.get("properties", {}),
    }
    schema["properties"].pop("note", None)
    return extra


def _fields(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A step's fields from the body and its note (`reason` is accepted for the note)."""
    fields = dict(body)
    note = fields.get("note") or fields.get("reason") or ""
    fields.pop("reason", None)
    for name in _OWN_ARGUMENTS:
        fields.pop(name, None)
    return fields, note if isinstance(note, str) else ""


@router.post(
    "/key-persons",
    response={201: KeyPersonDetail, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra=_enter_body(),
)
def create_person(request: HttpRequest) -> Status:
    """列管重点人员：开始走访计时，通知包案责任人和稳控责任人。同一身份证号已在册 409。"""
    ensure_capability(request.user, MANAGE)
    body = step_fields(request)
    unit = body.get("unit")
    fields, _ = _fields(body)
    if unit is not None and (isinstance(unit, bool) or not isinstance(unit, int) or not 1 <= unit <= ID_MAX):
        raise ValidationFailed("责任单位须为单位编号（正整数）。", {"unit": "须为单位编号（正整数）。"})
    person = services.person_enter(
        actor=acting_user(request), unit=unit, request_meta=RequestMeta.from_request(request), **fields
    )
    return Status(201, _detail(request, person.pk))


@router.get("/key-persons/{person_id}", response={200: KeyPersonDetail, 403: ErrorOut, 404: ErrorOut})
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """重点人员详情（完整信息，记入审计日志）：一人一策、责任人、状态、可执行的操作、走访、预警、关联信访件、
    所属群体和管控历史。范围外 404。"""
    ensure_capability(request.user, VIEW)
    return _detail(request, _person_id(person_id))


def _act(request: HttpRequest, person_id: int, action: str) -> dict[str, Any]:
    ensure_capability(request.user, VIEW)
    fields, note = _fields(step_fields(request))
    person_transition(
        person=KeyPerson(pk=_person_id(person_id)),
        action=action,
        actor=acting_user(request),
        note=note,
        request_meta=RequestMeta.from_request(request),
        **fields,
    )
    return _detail(request, person_id)


ACTION_RESPONSES = {200: KeyPersonDetail, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post(
    "/key-persons/{person_id}/visits",
    response={201: KeyPersonDetail, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra=request_body(VisitIn),
)
def create_visit(request: HttpRequest, person_id: int) -> Status:
    """登记走访（动态）：at 走访时间（不填为现在），location 所在地，state 思想状态，sign 有上访苗头（为 true 时
    责任人和办公室立即收到提醒），note 情况。责任人或责任单位办公室可登记；重新计算下次走访期限。"""
    return Status(201, _act(request, person_id, "visit"))


DESCRIPTIONS = {
    "update_plan": "调整一人一策：plan 稳控化解措施，contact_days 走访频次（天），assistance 帮扶救助，可同时修改 matter、demands；原措施保留在管控历史中。",
    "change_owner": "调整责任人：case_owner 包案责任人（领导）和/或 stability_owner 稳控责任人（用户编号），note 调整说明。",
    "change_risk": "调整风险等级：risk 为 red|orange|yellow|blue，note 调整理由。",
    "start_monitoring": "启动24小时专人稳控：monitor 稳控人员（用户编号），note 稳控安排。",
    "stop_monitoring": "解除24小时稳控：note（或 reason）为理由。",
    "remove": "申请息访（稳定）销号：note（或 reason）为理由；须由提出人以外的领导批准。",
    "approve_removal": "批准息访：note（或 reason）为意见；提出人本人不能批准（403）。",
    "reject_removal": "不同意息访：note（或 reason）为理由；该人员回到在册状态。",
}


def _action_endpoint(action: str) -> None:
    step = STEPS[action]

    def act(request: HttpRequest, person_id: int) -> dict[str, Any]:
        return _act(request, person_id, action)

    act.__name__ = f"keyperson_{action}"
    router.post(
        f"/key-persons/{{person_id}}/actions/{action}",
        response=ACTION_RESPONSES,
        summary=f"{step.label}（{action}）",
        description=DESCRIPTIONS.get(action, f"{step.label}。")
        + "非法顺序 409，角色或单位不符 403，范围外 404，字段有误 422。",
        operation_id=f"keyperson_action_{action}",
        openapi_extra=request_body(step.schema),
    )(act)


for _action in ACTIONS:
    _action_endpoint(_action)


@router.post("/key-persons/{person_id}/actions/{action}", response=ACTION_RESPONSES, include_in_schema=False)
def act_on_person(request: HttpRequest, person_id: int, action: str) -> dict[str, Any]:
    """Any other action (enter, hit, a typo): there is no such operation."""
    ensure_capability(request.user, VIEW)
    raise NotFound("没有此操作。")


# --- key groups -----------------------------------------------------------------------------------


def _group(g: KeyGroup) -> dict[str, Any]:
    return {
        "id": g.pk,
        "name": g.name,
        "unit": g.unit_id,
        "unit_name": g.unit.name,
        "category": g.category.code,
        "category_name": g.category.name,
        "size": g.size,
        "leaders": g.leaders,
        "matter": g.matter,
        "history": g.history,
        "case_owner": g.case_owner_id,
        "case_owner_name": _name(g.case_owner),
        "stability_owner": g.stability_owner_id,
        "stability_owner_name": _name(g.stability_owner),
        "members": [
            {"id": p.pk, "number": p.number, "name": mask_name(p.name)}
            for p in g.seen  # type: ignore[attr-defined]
        ],
        "created_at": g.created_at,
    }


def _groups(actor: Any, groups: list[KeyGroup]) -> list[dict[str, Any]]:
    forms.group_rows(groups, actor)  # the members the caller sees, on each group's `seen`
    return [_group(g) for g in groups]


@router.get("/key-groups", response={200: KeyGroupPage, 403: ErrorOut, 422: ErrorOut}, tags=["重点人员"])
def list_groups(request: HttpRequest, query: Query[KeyGroupQuery]) -> dict[str, Any]:
    """权限范围内的重点群体，成员只列出您可见的重点人员（姓名脱敏）。"""
    ensure_capability(request.user, VIEW)
    actor = acting_user(request)
    rows = forms.groups_in_scope(actor)
    page, size = query.page, query.page_size
    return {
        "count": rows.count(),
        "page": page,
        "page_size": size,
        "items": _groups(actor, list(rows[(page - 1) * size : page * size])),
    }


@router.post(
    "/key-groups",
    response={201: KeyGroupOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["重点人员"],
)
def create_group(request: HttpRequest, payload: KeyGroupIn) -> Status:
    """建立重点群体：unit 责任单位（不填为本单位），category 类别代码，size 大约人数，case_owner、
    stability_owner 责任人（用户编号），members 成员（您可见的重点人员编号）。"""
    ensure_capability(request.user, MANAGE)
    actor = acting_user(request)
    group = services.group_save(
        actor=actor,
        name=payload.name,
        category=payload.category,
        size=payload.size,
        matter=payload.matter,
        case_owner=payload.case_owner,
        stability_owner=payload.stability_owner,
        unit=payload.unit,
        leaders=payload.leaders,
        history=payload.history,
        members=list(payload.members),
        request_meta=RequestMeta.from_request(request),
    )
    # the creator may own none of it (a group of a unit below, owned by others): as saved then
    fresh = forms.groups_in_scope(actor).filter(pk=group.pk).first() or group
    return Status(201, _groups(actor, [fresh])[0])
