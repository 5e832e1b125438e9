"""REST API of the register: create, list (masked), detail (audited), petitioners, categories."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from xinfang.accounts.permissions import ensure_capability
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta

from . import selectors, services, workflow
from .choices import Channel, PetitionStatus
from .models import Petition, Petitioner
from .validators import mask_address, mask_id_number, mask_name, mask_phone

router = Router(tags=["信访登记"])

MAX_PAGE_SIZE = 100


class PetitionerIn(Schema):
    name: str = ""
    gender: Literal["male", "female", "unknown"] = "unknown"
    id_number: str = ""
    phone: str = ""
    address: str = ""
    workplace: str = ""
    is_representative: bool = False


class PetitionIn(Schema):
    channel: Literal["letter", "visit", "call", "online", "reception_day", "referral"]
    received_at: datetime
    subject: str
    content: str
    category: str
    problem_unit: int
    petitioners: list[PetitionerIn] = Field(default_factory=list)
    representatives: list[PetitionerIn] = Field(default_factory=list)
    headcount: int | None = Field(default=None, ge=1)
    anonymous: bool = False
    flags: list[str] = Field(default_factory=list)
    repeat_of: int | None = None
    complained_unit: int | None = None
    complained_party: str = ""
    referral_kind: Literal["", "transfer", "assign"] = ""
    referral_office: str = ""
    referral_number: str = ""
    referral_deadline: date | None = None


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


def _summary(p: Petition) -> dict[str, Any]:
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
        "petitioner_names": [mask_name(n) for n in p.petitioner_names.split("、") if n],
        "flags": [flag for flag, attr in FLAG_ATTRS if getattr(p, attr)],
        "repeat_of": p.repeat_of_id,
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


def _detail(p: Petition) -> dict[str, Any]:
    return {
        **_summary(p),
        "petitioner_names": [link.petitioner.name for link in p.petitioner_links.all()],
        "content": p.content,
        "unit": p.unit_id,
        "unit_name": p.unit.name,
        "complained_unit": p.complained_unit_id,
        "complained_party": p.complained_party,
        "headcount": p.headcount,
        "registered_by": p.registered_by.full_name or p.registered_by.username,
        "created_at": p.created_at,
        "referral_kind": p.referral_kind,
        "referral_office": p.referral_office,
        "referral_number": p.referral_number,
        "referral_deadline": p.referral_deadline,
        "petitioners": [
            _petitioner(link.petitioner, masked=False, is_representative=link.is_representative)
            for link in p.petitioner_links.all()
        ],
        "attachments": [
            {"id": a.pk, "name": a.original_name, "size": a.size, "content_type": a.content_type}
            for a in p.attachments.all()
        ],
    }


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
    return Status(201, _detail(selectors.access_petition_by_id(request.user, petition.pk)))


class RegisterQuery(Schema):
    q: str = ""
    status: str = ""
    category: str = ""
    channel: str = ""
    unit: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    overdue: bool | None = None
    flags: str = ""
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


@router.get("/petitions", response={200: PetitionPage, 422: ErrorOut})
def list_petitions(request: HttpRequest, query: Query[RegisterQuery]) -> dict[str, Any]:
    """信访登记簿：调用者权限范围内的信访事项，按收到时间倒序分页；个人信息脱敏。"""
    ensure_capability(request.user, "petitions.view")
    if query.status and query.status not in {"open", "closed", *PetitionStatus.values}:
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
        flags=tuple(f for f in query.flags.split(",") if f),
    )
    qs = selectors.petition_list(actor=request.user, filters=filters)
    start = (query.page - 1) * query.page_size
    items = list(qs[start : start + query.page_size])
    return {
        "count": selectors.petition_count(actor=request.user, filters=filters, petitions=qs),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_summary(p) for p in items],
    }


@router.get("/petitions/{petition_id}", response={200: PetitionOut, 404: ErrorOut})
def get_petition(request: HttpRequest, petition_id: int) -> dict[str, Any]:
    """信访事项详情（含完整个人信息，每次查看记入审计日志）；权限范围外回答 404。"""
    ensure_capability(request.user, "petitions.view")
    petition = selectors.access_petition_by_id(request.user, petition_id)
    services.petition_personal_data_viewed(
        actor=request.user, petition=petition, request_meta=RequestMeta.from_request(request)
    )
    return {**_detail(petition), "allowed_actions": workflow.allowed_actions(petition, request.user)}


class ActionIn(Schema):
    note: str = ""
    ground: str = ""


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


@router.post(
    "/petitions/{petition_id}/actions/{action}",
    response={200: StatusOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def act_on_petition(request: HttpRequest, petition_id: int, action: str, payload: ActionIn) -> dict[str, Any]:
    """办理操作（受理 accept、不予受理 reject、不再受理 decline_again）：非法顺序 409，角色不符 403，范围外 404。"""
    petition = selectors.access_petition_by_id(request.user, petition_id)
    petition = workflow.petition_transition(
        petition=petition,
        action=action,
        actor=request.user,
        note=payload.note,
        request_meta=RequestMeta.from_request(request),
        ground=payload.ground,
    )
    return {
        "id": petition.pk,
        "number": petition.number,
        "status": petition.status,
        "status_label": petition.get_status_display(),
        "current_deadline": petition.current_deadline,
        "allowed_actions": workflow.allowed_actions(petition, request.user),
    }


@router.get("/petitions/{petition_id}/timeline", response={200: list[EventOut], 404: ErrorOut})
def get_petition_timeline(request: HttpRequest, petition_id: int) -> list[dict[str, Any]]:
    """信访件的办理过程（时间线）。"""
    ensure_capability(request.user, "petitions.view")
    petition = selectors.access_petition_by_id(request.user, petition_id)
    labels = dict(workflow.Action.choices)
    return [
        {
            "action": e.action,
            "action_label": labels.get(e.action, e.action),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": e.actor.full_name or e.actor.username,
            "note": e.note,
            "data": e.data,
            "created_at": e.created_at,
        }
        for e in petition.events.select_related("actor")
    ]


class PetitionerPage(Schema):
    count: int
    items: list[PetitionerOut]


class PetitionerDetailOut(PetitionerOut):
    petition_count: int
    repeat_count: int
    petitions: list[PetitionSummaryOut]


@router.get("/petitioners", response=PetitionerPage)
def list_petitioners(request: HttpRequest, q: str = "") -> dict[str, Any]:
    """按姓名前缀、电话或身份证号查找信访人（脱敏，最多 10 条）。"""
    ensure_capability(request.user, "petitions.view")
    people = list(selectors.petitioner_search(actor=request.user, q=q))
    return {"count": len(people), "items": [_petitioner(p, masked=True) for p in people]}


@router.get("/petitioners/{petitioner_id}", response={200: PetitionerDetailOut, 404: ErrorOut})
def get_petitioner(request: HttpRequest, petitioner_id: int) -> dict[str, Any]:
    ensure_capability(request.user, "petitions.view")
    person = selectors.access_petitioner_by_id(request.user, petitioner_id)
    services.petitioner_personal_data_viewed(
        actor=request.user, petitioner=person, request_meta=RequestMeta.from_request(request)
    )
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
