"""REST API of the register: create, list (masked), detail (audited), petitioners, categories."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from xinfang.accounts.permissions import acting_user, ensure_capability
from xinfang.core.bounds import Day, Id, Moment, PageNumber
from xinfang.core.db import remember_related
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta, step_fields
from xinfang.documents.api import DocumentOut, document_out
from xinfang.procedure import engine
from xinfang.procedure.openapi import request_body

from . import selectors, services, workflow
from .choices import Channel, PetitionStatus
from .models import OWNER_TYPE, Category, Petition, Petitioner
from .validators import mask_address, mask_id_number, mask_name, mask_phone

router = Router(tags=["信访登记"])

MAX_PAGE_SIZE = 100


def _person_text(name: str) -> Any:
    return Field("", max_length=services.text_limit(Petitioner, name))


def _petition_text(name: str, default: Any = "") -> Any:
    return Field(default, max_length=services.text_limit(Petition, name))


class PetitionerIn(Schema):
    """The bounds are the columns' (services.text_limit); the service checks them again for the page."""

    name: str = _person_text("name")
    gender: Literal["male", "female", "unknown"] = "unknown"
    id_number: str = _person_text("id_number")
    phone: str = _person_text("phone")
    address: str = _person_text("address")
    workplace: str = _person_text("workplace")
    is_representative: bool = False


class PetitionIn(Schema):
    channel: Literal["letter", "visit", "call", "online", "reception_day", "referral"]
    received_at: Moment = Field(description=f"不早于 {services.RECEIVED_EARLIEST}，不晚于当前时间")
    subject: str = _petition_text("subject", ...)
    content: str = Field(max_length=services.CONTENT_MAX)
    category: str = Field(max_length=Category._meta.get_field("code").max_length)
    problem_unit: Id
    petitioners: list[PetitionerIn] = Field(default_factory=list, max_length=services.MAX_PETITIONERS)
    representatives: list[PetitionerIn] = Field(default_factory=list, max_length=services.MAX_PETITIONERS)
    headcount: int | None = Field(default=None, ge=1, le=services.HEADCOUNT_MAX)
    anonymous: bool = False
    flags: list[str] = Field(default_factory=list, max_length=len(services.FLAGS))
    repeat_of: Id | None = Field(
        default=None, title="关联为重复件", description="原信访件 id：同一信访人 12 个月内同类事项的重复件"
    )
    not_repeat: bool = Field(
        default=False,
        title="不是同一事项",
        description="登记人已核对查重找到的同类信访件，认定不是同一事项（记入审计日志）。查重找到同类信访件时，"
        "须填写 repeat_of 或将本项设为 true，否则回答 422，errors.repeat_candidates 列出其 id",
    )
    complained_unit: Id | None = None
    complained_party: str = _petition_text("complained_party")
    complained_user: Id | None = Field(
        default=None, description="被反映人（本系统用户的 id）：其本人看不到本件，其单位看不到信访人身份"
    )
    referral_kind: Literal["", "transfer", "assign"] = ""
    referral_office: str = _petition_text("referral_office")
    referral_number: str = _petition_text("referral_number")
    referral_deadline: Day | None = None


class PetitionerOut(Schema):
    id: int
    name: str
    gender: str
    id_number: str
    phone: str
    address: str
    workplace: str
    is_representative: bool = False


class PetitionSummaryOut(Schema):
    id: int
    number: str
    channel: str
    channel_label: str
    received_at: datetime
    subject: str
    category: str
    category_name: str
    problem_unit: int
    problem_unit_name: str
    status: str
    status_label: str
    current_deadline: date | None
    petitioner_names: list[str]
    flags: list[str]
    repeat_of: int | None
    # 被反映单位的用户: the petitioner's identity, contact data and attachments are withheld
    identity_protected: bool = False


class PetitionOut(PetitionSummaryOut):
    content: str
    unit: int
    unit_name: str
    complained_unit: int | None
    complained_party: str
    headcount: int
    registered_by: str
    created_at: datetime
    referral_kind: str
    referral_office: str
    referral_number: str
    referral_deadline: date | None
    petitioners: list[PetitionerOut]
    attachments: list[dict[str, Any]]
    handling_unit: int | None
    handling_unit_name: str
    handler: str
    owner_leader: str
    accepted_at: datetime | None
    assignment_due: date | None
    answer_outcome: str
    answer_delivered_on: date | None
    window_ends: date | None
    review_stage: int
    review_unit_name: str
    satisfaction: str
    hearing_pending: bool
    extension_requested_days: int
    is_final: bool
    allowed_actions: list[str] = Field(default_factory=list)


class PetitionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PetitionSummaryOut]


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


FLAG_ATTRS = (
    ("skip_level", "is_skip_level"),
    ("collective", "is_collective"),
    ("anonymous", "is_anonymous"),
    ("urgent", "is_urgent"),
    ("litigation", "is_litigation"),
    ("joint_letter", "is_joint_letter"),
)


def _summary(p: Petition, *, hidden: bool = False) -> dict[str, Any]:
    """A list row: personal data masked, no per-row queries (names come from the row itself)."""
    return {
        "id": p.pk,
        "number": p.number,
        "channel": p.channel,
        "channel_label": p.get_channel_display(),
        "received_at": p.received_at,
        "subject": p.subject,
        "category": p.category.code,
        "category_name": p.category.name,
        "problem_unit": p.problem_unit_id,
        "problem_unit_name": p.problem_unit.name,
        "status": p.status,
        "status_label": p.get_status_display(),
        "current_deadline": p.current_deadline,
        "petitioner_names": [] if hidden else [mask_name(n) for n in p.petitioner_names.split("、") if n],
        "flags": [flag for flag, attr in FLAG_ATTRS if getattr(p, attr)],
        "repeat_of": None if hidden else p.repeat_of_id,  # the earlier matter would name the person
        "identity_protected": hidden,
    }


def _petitioner(person: Petitioner, *, masked: bool, is_representative: bool = False) -> PetitionerOut:
    return PetitionerOut(
        id=person.pk,
        name=mask_name(person.name) if masked else person.name,
        gender=person.gender,
        id_number=mask_id_number(person.id_number) if masked else person.id_number,
        phone=mask_phone(person.phone) if masked else person.phone,
        address=mask_address(person.address) if masked else person.address,
        workplace=person.workplace,
        is_representative=is_representative,
    )


def _detail(p: Petition, *, hidden: bool = False) -> dict[str, Any]:
    links = [] if hidden else list(p.petitioner_links.all())
    return {
        **_summary(p, hidden=hidden),
        "petitioner_names": [link.petitioner.name for link in links],
        "content": p.content,
        "unit": p.unit_id,
        "unit_name": p.unit.name,
        "complained_unit": p.complained_unit_id,
        "complained_party": p.complained_party,
        "headcount": p.headcount,
        "registered_by": _name(p.registered_by),
        "created_at": p.created_at,
        "referral_kind": p.referral_kind,
        "referral_office": p.referral_office,
        "referral_number": p.referral_number,
        "referral_deadline": p.referral_deadline,
        "petitioners": [
            _petitioner(link.petitioner, masked=False, is_representative=link.is_representative)
            for link in links
        ],
        "attachments": []
        if hidden
        else [
            {"id": a.pk, "name": a.original_name, "size": a.size, "content_type": a.content_type}
            for a in p.attachments.all()
        ],
        "handling_unit": p.handling_unit_id,
        "handling_unit_name": p.handling_unit.name if p.handling_unit else "",
        "handler": _name(p.handler),
        "owner_leader": _name(p.owner_leader),
        "accepted_at": p.accepted_at,
        "assignment_due": p.assignment_due,
        "answer_outcome": p.answer_outcome,
        "answer_delivered_on": p.answer_delivered_on,
        "window_ends": p.window_ends,
        "review_stage": p.review_stage,
        "review_unit_name": p.review_unit.name if p.review_unit else "",
        "satisfaction": p.satisfaction,
        "hearing_pending": p.hearing_pending,
        "extension_requested_days": p.extension_requested_days,
        "is_final": p.is_final,
    }


def _name(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else ""


def _people(items: list[PetitionerIn]) -> list[services.PetitionerInput]:
    return [services.PetitionerInput(**item.dict()) for item in items]


@router.post("/petitions", response={201: PetitionOut, 403: ErrorOut, 422: ErrorOut})
def create_petition(request: HttpRequest, payload: PetitionIn) -> Status:
    """登记信访事项。调用者为首问责任人；受理期限（收到之日起 15 日）由期限引擎计算。"""
    ensure_capability(request.user, "petitions.register")
    received_at = payload.received_at
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    data = services.PetitionInput(
        **payload.dict(exclude={"petitioners", "representatives", "received_at"}),
        received_at=received_at,
        petitioners=_people(payload.petitioners),
        representatives=_people(payload.representatives),
    )
    petition = services.petition_register(
        actor=request.user, data=data, request_meta=RequestMeta.from_request(request)
    )
    # answered from the registered petition itself: its related rows are the ones just written
    # or checked, and a new petition has no attachments or co-units yet
    remember_related(petition, "attachments", [])
    remember_related(petition, "co_units", [])
    return Status(201, _detail(petition))


class RegisterQuery(Schema):
    q: str = Field("", max_length=100)
    status: str = ""
    category: str = ""
    channel: str = ""
    unit: Id | None = None
    received_from: Day | None = None
    received_to: Day | None = None
    overdue: bool | None = None
    light: Literal["", "red", "yellow", "green"] = ""
    flags: str = ""
    registered_unit: Id | None = None
    page: PageNumber = 1
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


@router.get("/petitions", response={200: PetitionPage, 422: ErrorOut})
def list_petitions(request: HttpRequest, query: Query[RegisterQuery]) -> dict[str, Any]:
    """信访登记簿：调用者权限范围内的信访事项，按收到时间倒序分页；个人信息脱敏。"""
    ensure_capability(request.user, "petitions.view")
    if query.status and query.status not in {"open", "ended", *PetitionStatus.values}:
        raise ValidationFailed("状态取值无效。", {"status": "状态取值无效。"})
    if query.channel and query.channel not in Channel.values:
        raise ValidationFailed("来源渠道取值无效。", {"channel": "来源渠道取值无效。"})
    filters = selectors.RegisterFilter(
        q=query.q.strip(),
        status=query.status,
        category=query.category,
        channel=query.channel,
        unit=query.unit,
        received_from=query.received_from,
        received_to=query.received_to,
        overdue=query.overdue,
        light=query.light,
        flags=tuple(f for f in query.flags.split(",") if f),
        registered_unit=query.registered_unit,
    )
    qs = selectors.petition_list(actor=request.user, filters=filters)
    start = (query.page - 1) * query.page_size
    items = list(qs[start : start + query.page_size])
    return {
        "count": selectors.petition_count(actor=request.user, filters=filters, petitions=qs),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_summary(p, hidden=selectors.identity_hidden(request.user, p)) for p in items],
    }


@router.get("/petitions/{petition_id}", response={200: PetitionOut, 404: ErrorOut})
def get_petition(request: HttpRequest, petition_id: int) -> dict[str, Any]:
    """信访事项详情（含完整个人信息，每次查看记入审计日志）；权限范围外回答 404。"""
    ensure_capability(request.user, "petitions.view")
    request_meta = RequestMeta.from_request(request)
    petition = selectors.access_petition_by_id(request.user, petition_id, request_meta)
    hidden = selectors.identity_hidden(request.user, petition)
    if not hidden:
        services.petition_personal_data_viewed(
            actor=request.user, petition=petition, request_meta=request_meta
        )
    return {
        **_detail(petition, hidden=hidden),
        "allowed_actions": workflow.allowed_actions(petition, acting_user(request)),
    }


class StatusOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    current_deadline: date | None
    allowed_actions: list[str]


class EventOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    note: str
    data: dict[str, Any]
    created_at: datetime


def _act(request: HttpRequest, petition_id: int, action: str) -> dict[str, Any]:
    ensure_capability(request.user, "petitions.view")
    fields = step_fields(request)
    note = fields.pop("note", "")
    # The transition locks the row through the caller's scope itself (404 outside it), and the
    # petition it returns carries what `allowed_actions` reads.
    petition = workflow.petition_transition(
        petition=Petition(pk=petition_id),
        action=action,
        actor=acting_user(request),
        note=note if isinstance(note, str) else "",
        request_meta=RequestMeta.from_request(request),
        **fields,
    )
    return {
        "id": petition.pk,
        "number": petition.number,
        "status": petition.status,
        "status_label": petition.get_status_display(),
        "current_deadline": petition.current_deadline,
        "allowed_actions": workflow.allowed_actions(petition, acting_user(request)),
    }


ACTION_RESPONSES = {200: StatusOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def action_endpoint(action: str, step: Any) -> None:
    """One documented operation per step: its own body schema, the same transition function."""

    def act(request: HttpRequest, petition_id: int) -> dict[str, Any]:
        return _act(request, petition_id, action)

    act.__name__ = f"petition_{action}"
    router.post(
        f"/petitions/{{petition_id}}/actions/{action}",
        response=ACTION_RESPONSES,
        summary=f"{step.label}（{action}）",
        description=(f"{step.label}。非法顺序或超过期限 409，角色或单位不符 403，范围外 404，字段有误 422。"),
        operation_id=f"petition_action_{action}",
        openapi_extra=request_body(step.schema),
    )(act)


def _register_action_endpoints() -> None:
    """The petition's steps, then those of machines attached to petitions (registered in their
    apps' `ready`, before the URLs load), then the fallback that answers 422 for an unknown one."""
    for action, step in workflow.TRANSITIONS.items():
        action_endpoint(action, step)
    for attachment in engine.attachments_of(OWNER_TYPE):
        for action, step in attachment.machine.steps.items():
            if not step.by_system:
                action_endpoint(action, step)

    @router.post(
        "/petitions/{petition_id}/actions/{action}",
        response=ACTION_RESPONSES,
        summary="未知的办理操作",
        description="不在上列操作中的 action 一律答复 422。",
        include_in_schema=False,
    )
    def act_on_petition(request: HttpRequest, petition_id: int, action: str) -> dict[str, Any]:
        return _act(request, petition_id, action)


_register_action_endpoints()


@router.get("/petitions/{petition_id}/timeline", response={200: list[EventOut], 404: ErrorOut})
def get_petition_timeline(request: HttpRequest, petition_id: int) -> list[dict[str, Any]]:
    """信访件的办理过程（时间线），含督办等附属事项的步骤；系统作业的步骤显示为“系统”。"""
    ensure_capability(request.user, "petitions.view")
    request_meta = RequestMeta.from_request(request)
    petition = selectors.access_petition_by_id(request.user, petition_id, request_meta)
    services.petition_personal_data_viewed(
        actor=request.user, petition=petition, request_meta=request_meta, part="timeline"
    )
    entries = workflow.petition_timeline(petition, list(petition.events.select_related("actor")))
    return [
        {
            "action": e.action,
            "action_label": e.action_label,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": e.actor_name,
            "note": e.note,
            "data": dict(e.data),
            "created_at": e.created_at,
        }
        for e in entries
    ]


@router.get(
    "/petitions/{petition_id}/documents",
    response={200: list[DocumentOut], 403: ErrorOut, 404: ErrorOut},
    tags=["文书"],
    operation_id="xinfang_documents_api_list_petition_documents",
)
def list_petition_documents(request: HttpRequest, petition_id: int) -> list[dict[str, Any]]:
    """信访件的文书（按生成时间先后），含其督查督办通知单。"""
    ensure_capability(request.user, "petitions.view")
    request_meta = RequestMeta.from_request(request)
    petition = selectors.access_petition_by_id(request.user, petition_id, request_meta)
    if not selectors.identity_hidden(request.user, petition):
        services.petition_personal_data_viewed(
            actor=request.user, petition=petition, request_meta=request_meta, part="documents"
        )
    documents = selectors.petition_documents(actor=request.user, petition=petition)
    return [document_out(d) for d in documents]


class PetitionerPage(Schema):
    count: int
    items: list[PetitionerOut]


class PetitionerDetailOut(PetitionerOut):
    petition_count: int
    repeat_count: int
    petitions: list[PetitionSummaryOut]


@router.get("/petitioners", response=PetitionerPage)
def list_petitioners(request: HttpRequest, q: str = "") -> dict[str, Any]:
    """按姓名前缀，或完整的电话、身份证号查找信访人（脱敏，最多 10 条；号码须完整，按号码查找记入审计日志）。"""
    ensure_capability(request.user, "petitions.view")
    people = services.petitioner_search(
        actor=request.user, q=q, source="api", request_meta=RequestMeta.from_request(request)
    )
    return {"count": len(people), "items": [_petitioner(p, masked=True) for p in people]}


@router.get("/petitioners/{petitioner_id}", response={200: PetitionerDetailOut, 404: ErrorOut})
def get_petitioner(request: HttpRequest, petitioner_id: int) -> dict[str, Any]:
    ensure_capability(request.user, "petitions.view")
    request_meta = RequestMeta.from_request(request)
    person = selectors.access_petitioner_by_id(request.user, petitioner_id, request_meta)
    services.petitioner_personal_data_viewed(actor=request.user, petitioner=person, request_meta=request_meta)
    petitions = selectors.petitioner_petitions(actor=request.user, petitioner=person).select_related(
        "problem_unit"
    )
    rows = list(petitions[:50])
    return {
        **_petitioner(person, masked=False).dict(),
        "petition_count": petitions.count(),
        "repeat_count": selectors.petitioner_repeat_count(actor=request.user, petitioner=person),
        "petitions": [_summary(p) for p in rows],
    }


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None


@router.get("/categories", response=list[CategoryOut])
def list_categories(request: HttpRequest) -> list[dict[str, Any]]:
    """问题类别（两级）。登记时 `category` 取其 `code`。"""
    return [
        {"code": c.code, "name": c.name, "parent": c.parent.code if c.parent else None}
        for c in selectors.category_tree()
    ]
