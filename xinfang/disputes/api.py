"""The 矛盾纠纷调处 API. Same conventions as petitions, incidents and key persons: scoped lists
`{count, page, page_size, items}`, 404 outside scope, 403 without the capability, steps answer
403 / 409 / 422 with Chinese messages.

Lists mask the parties (name, ID number, phone); a dispute's detail carries them in full and
every answer that carries it (the detail, registering, a step) is audited as
PERSONAL_DATA_VIEWED (`services.dispute_viewed`). Registering and every step go through the
dispute machine (the engine validates the body after scope, role and state, so that a stranger
learns nothing from a 422). The machine's `dispute_class` is `class` in JSON."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from xinfang.accounts.permissions import acting_user, ensure_capability
from xinfang.core.bounds import ID_MAX, Day, Id, PageNumber
from xinfang.core.exceptions import NotFound, ValidationFailed
from xinfang.core.requests import RequestMeta, json_body, step_fields
from xinfang.documents.api import DocumentOut, document_out
from xinfang.documents.selectors import documents_of
from xinfang.organisation.selectors import access_unit_by_id
from xinfang.petitions.validators import mask_id_number, mask_name, mask_phone
from xinfang.procedure.openapi import request_body

from . import figures as dispute_figures
from . import selectors, services
from .choices import (
    Confirmation,
    Destination,
    DisputeStatus,
    Joint,
    Outcome,
    PartyKind,
    Procedure,
    Risk,
    Route,
    Satisfaction,
    Source,
)
from .machine import STEPS, allowed_actions, dispute_transition
from .machine.schemas import RegisterIn
from .models import OWNER_TYPE, Agreement, Dispute, DisputeSetting

router = Router(tags=["矛盾纠纷"])

VIEW = "disputes.view"
REGISTER = "disputes.register"
# the steps the API offers as /actions/{action}: registering is POST /disputes, `link` is the
# services' own (a petition or an incident made from the dispute records itself)
# refer_linked: only the services that made the petition or incident record it (never a caller)
ACTIONS = tuple(
    code for code, step in STEPS.items() if code not in ("register", "refer_linked") and not step.by_system
)
# names `dispute_transition` / `dispute_register` / `dispute_from_petition` take as their own
# arguments (besides those `step_fields` drops): a body that sends them is not a step's input (a
# clash would be a 500)
_OWN_ARGUMENTS = frozenset({"dispute", "unit", "note", "petition_id", "source", "source_id", "source_number"})


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


class DisputeKindOut(Schema):
    code: str
    name: str


class DisputePartyMasked(Schema):
    """A party as a list shows it: masked."""

    kind: str
    name: str
    id_number: str
    phone: str


class DisputeItem(Schema):
    """A dispute of the list (its parties masked)."""

    id: int
    number: str
    status: str
    status_label: str
    unit: int
    unit_name: str
    kind: str
    kind_name: str
    dispute_class: int = Field(..., alias="class")
    class_label: str
    route: str
    route_label: str
    level: int
    risk: str
    risk_label: str
    sudden: bool
    passed_up: bool
    mediator: int | None
    mediator_name: str | None
    registered_at: datetime
    next_visit_due: date | None
    visit_overdue: bool
    closed_at: datetime | None
    parties: list[DisputePartyMasked]


class DisputePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DisputeItem]


class DisputeQuery(Schema):
    status: DisputeStatus | None = None
    kind: str = Field("", max_length=30, description="纠纷类别代码（见 /disputes/kinds）")
    dispute_class: int | None = Field(None, alias="class", ge=1, le=3, description="纠纷类别等级 1、2、3")
    unit: Id | None = Field(None, description="发生单位（含下级）")
    open: bool = Field(False, description="仅未办结（待调解、调解中、协议拟定中、协议履行中、调解不成）")
    visit_overdue: bool = Field(False, description="仅回访逾期")
    page: PageNumber = 1
    page_size: int = Field(50, ge=1, le=200)


class DisputePartyOut(Schema):
    """A party in full (the detail is audited)."""

    id: int
    kind: str
    kind_label: str
    name: str
    id_number: str
    phone: str
    address: str


class DisputeLevelOut(Schema):
    number: int
    label: str


class DisputeUnitRef(Schema):
    id: int
    name: str


class DisputeJointOut(Schema):
    kind: str
    kind_label: str
    unit: int | None
    name: str


class DisputeSessionOut(Schema):
    id: int
    at: datetime
    place: str
    attendees: str
    record: str
    by: str | None
    created_at: datetime


class DisputeTermOut(Schema):
    id: int
    order: int
    text: str
    performed_at: date | None
    evidence: str


class DisputeAgreementOut(Schema):
    """The current version of the written agreement."""

    id: int
    version: int
    facts: str
    disputed_items: str
    responsibility: str
    performance_how: str
    performance_where: str
    performance_by: date
    copies: int
    effective: bool
    effective_at: datetime | None
    signed_parties: list[int]
    mediator_signed: bool
    sealed: bool
    drafted_by: str | None
    drafted_at: datetime
    terms: list[DisputeTermOut]


class DisputeVisitOut(Schema):
    id: int
    due: date | None
    at: datetime
    by: str | None
    satisfaction: str
    satisfaction_label: str
    performed: bool
    note: str


class DisputeLinkOut(Schema):
    kind: str
    id: int
    number: str


class DisputeEventOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    note: str
    data: dict[str, Any]
    created_at: datetime


class DisputeDetail(Schema):
    """A dispute in full (audited): its parties, where it stands in the chain, its sessions, the
    agreement, the return visits, the clocks and what the caller may do next."""

    id: int
    number: str
    status: str
    status_label: str
    unit: int
    unit_name: str
    handling_unit: DisputeUnitRef
    kind: str
    kind_name: str
    place: str
    people: int
    amount: int | None
    facts: str
    demands: str
    risk: str
    risk_label: str
    dispute_class: int = Field(..., alias="class")
    class_label: str
    sudden: bool
    route: str
    route_label: str
    level_in_chain: DisputeLevelOut
    chain: list[str]
    passed_up: bool
    procedure: str
    procedure_label: str
    source: str
    source_label: str
    source_id: int | None
    source_number: str
    mediator: int | None
    mediator_name: str | None
    recused: list[int]
    joint: list[DisputeJointOut]
    investigation: str
    outcome: str
    outcome_label: str
    agreement_form: str
    oral_terms: str
    went_to: str
    went_to_label: str
    links: list[DisputeLinkOut]
    effective_at: datetime | None
    confirmation_ends: date | None
    confirmation: str
    confirmation_label: str
    next_visit_due: date | None
    visit_overdue: bool
    visited_at: datetime | None
    satisfaction: str
    performed_at: datetime | None
    registered_by: int
    registered_by_name: str
    registered_at: datetime
    mediated_at: datetime | None
    closed_at: datetime | None
    allowed_actions: list[str]
    parties: list[DisputePartyOut]
    sessions: list[DisputeSessionOut]
    agreement: DisputeAgreementOut | None
    visits: list[DisputeVisitOut]
    timeline: list[DisputeEventOut]


class DisputeToPetitionIn(Schema):
    category: str = Field(..., min_length=1, max_length=20, description="问题类别代码")
    not_repeat: bool = Field(False, description="已核实不是重复信访")


class DisputePetitionOut(Schema):
    petition: int
    number: str


class DisputeStatsQuery(Schema):
    unit: Id | None = Field(None, description="统计单位（不填为本单位），分行列出其下一级单位")
    first: Day | None = Field(None, alias="from", description="登记日期起（YYYY-MM-DD，默认本年 1 月 1 日）")
    last: Day | None = Field(None, alias="to", description="登记日期止（YYYY-MM-DD，默认本年 12 月 31 日）")


class DisputeStatsLevelOut(Schema):
    level: int
    label: str
    count: int


class DisputeStatsLine(Schema):
    unit: int
    name: str
    own: bool
    found: int
    mediated: int
    succeeded: int
    participation: float | None
    success: float | None
    visits: int
    satisfied: int
    satisfaction: float | None
    passed_up: int
    levels: list[DisputeStatsLevelOut]
    visits_overdue: int


class DisputeStatsTargets(Schema):
    participation: float
    success: float
    satisfaction: float


class DisputeStatsBelow(Schema):
    participation: bool
    success: bool
    satisfaction: bool


class DisputeStatsOut(Schema):
    unit: int
    unit_name: str
    first: date = Field(..., alias="from")
    last: date = Field(..., alias="to")
    chain: list[str]
    targets: DisputeStatsTargets
    below: DisputeStatsBelow
    rows: list[DisputeStatsLine]
    total: DisputeStatsLine


# --- reading --------------------------------------------------------------------------------------


def _name(user: Any) -> str | None:
    return None if user is None else str(user)


def _label(choices: Any, value: str) -> str:
    """The label of a stored code (blank for none, the code itself for one no longer known)."""
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _visit_overdue(d: Dispute, today: date) -> bool:
    return d.next_visit_due is not None and d.visited_at is None and d.next_visit_due < today


def _item(d: Dispute, today: date) -> dict[str, Any]:
    return {
        "id": d.pk,
        "number": d.number,
        "status": d.status,
        "status_label": d.get_status_display(),
        "unit": d.unit_id,
        "unit_name": d.unit.name,
        "kind": d.kind.code,
        "kind_name": d.kind.name,
        "class": d.dispute_class,
        "class_label": d.class_label,
        "route": d.route,
        "route_label": _label(Route, d.route),
        "level": d.level,
        "risk": d.risk,
        "risk_label": _label(Risk, d.risk),
        "sudden": d.sudden,
        "passed_up": d.passed_up,
        "mediator": d.mediator_id,
        "mediator_name": _name(d.mediator),
        "registered_at": d.registered_at,
        "next_visit_due": d.next_visit_due,
        "visit_overdue": _visit_overdue(d, today),
        "closed_at": d.closed_at,
        "parties": [
            {
                "kind": p.kind,
                "name": mask_name(p.name),
                "id_number": mask_id_number(p.id_number),
                "phone": mask_phone(p.phone),
            }
            for p in d.parties.all()
        ],
    }


def _agreement(agreement: Agreement | None) -> dict[str, Any] | None:
    if agreement is None:
        return None
    return {
        "id": agreement.pk,
        "version": agreement.version,
        "facts": agreement.facts,
        "disputed_items": agreement.disputed_items,
        "responsibility": agreement.responsibility,
        "performance_how": agreement.performance_how,
        "performance_where": agreement.performance_where,
        "performance_by": agreement.performance_by,
        "copies": agreement.copies,
        "effective": agreement.effective,
        "effective_at": agreement.effective_at,
        "signed_parties": [int(p) for p in agreement.signed_parties or []],
        "mediator_signed": agreement.mediator_signed,
        "sealed": agreement.sealed,
        "drafted_by": _name(agreement.drafted_by),
        "drafted_at": agreement.drafted_at,
        "terms": [
            {
                "id": t.pk,
                "order": t.order,
                "text": t.text,
                "performed_at": t.performed_at,
                "evidence": t.evidence,
            }
            for t in agreement.terms.all()
        ],
    }


def _detail(request: HttpRequest, dispute_id: int) -> dict[str, Any]:
    """The dispute in full, read through the caller's scope (404 outside it) and audited."""
    actor = acting_user(request)
    meta = RequestMeta.from_request(request)
    d = selectors.access_dispute_by_id(actor, dispute_id, meta)
    services.dispute_viewed(actor=actor, dispute=d, request_meta=meta)
    chain = DisputeSetting.load().levels
    agreement = (
        Agreement.objects.filter(dispute=d)
        .select_related("drafted_by")
        .prefetch_related("terms")
        .order_by("-version")
        .first()
    )
    today = timezone.localdate()
    return {
        "id": d.pk,
        "number": d.number,
        "status": d.status,
        "status_label": d.get_status_display(),
        "unit": d.unit_id,
        "unit_name": d.unit.name,
        "handling_unit": {"id": d.handling_unit_id, "name": d.handling_unit.name},
        "kind": d.kind.code,
        "kind_name": d.kind.name,
        "place": d.place,
        "people": d.people,
        "amount": d.amount,
        "facts": d.facts,
        "demands": d.demands,
        "risk": d.risk,
        "risk_label": _label(Risk, d.risk),
        "class": d.dispute_class,
        "class_label": d.class_label,
        "sudden": d.sudden,
        "route": d.route,
        "route_label": _label(Route, d.route),
        "level_in_chain": {
            "number": d.level,
            "label": chain[d.level - 1] if 0 < d.level <= len(chain) else f"第{d.level}级",
        },
        "chain": chain,
        "passed_up": d.passed_up,
        "procedure": d.procedure,
        "procedure_label": _label(Procedure, d.procedure),
        "source": d.source,
        "source_label": _label(Source, d.source),
        "source_id": d.source_id,
        "source_number": d.source_number,
        "mediator": d.mediator_id,
        "mediator_name": _name(d.mediator),
        "recused": [int(r["user"]) for r in d.recused or [] if r.get("user")],
        "joint": [
            {
                "kind": j.get("kind", ""),
                "kind_label": _label(Joint, j.get("kind", "")),
                "unit": j.get("unit"),
                "name": j.get("name", ""),
            }
            for j in d.joint or []
        ],
        "investigation": d.investigation,
        "outcome": d.outcome,
        "outcome_label": _label(Outcome, d.outcome),
        "agreement_form": d.agreement_form,
        "oral_terms": d.oral_terms,
        "went_to": d.went_to,
        "went_to_label": _label(Destination, d.went_to),
        "links": [
            {"kind": str(link.get("kind", "")), "id": int(link["id"]), "number": str(link.get("number", ""))}
            for link in d.links or []
            if link.get("id")
        ],
        "effective_at": d.effective_at,
        "confirmation_ends": d.confirmation_ends,
        "confirmation": d.confirmation,
        "confirmation_label": _label(Confirmation, d.confirmation),
        "next_visit_due": d.next_visit_due,
        "visit_overdue": _visit_overdue(d, today),
        "visited_at": d.visited_at,
        "satisfaction": d.satisfaction,
        "performed_at": d.performed_at,
        "registered_by": d.registered_by_id,
        "registered_by_name": str(d.registered_by),
        "registered_at": d.registered_at,
        "mediated_at": d.mediated_at,
        "closed_at": d.closed_at,
        "allowed_actions": allowed_actions(d, actor),
        "parties": [
            {
                "id": p.pk,
                "kind": p.kind,
                "kind_label": _label(PartyKind, p.kind),
                "name": p.name,
                "id_number": p.id_number,
                "phone": p.phone,
                "address": p.address,
            }
            for p in d.parties.all()
        ],
        "sessions": [
            {
                "id": s.pk,
                "at": s.at,
                "place": s.place,
                "attendees": s.attendees,
                "record": s.record,
                "by": _name(s.by),
                "created_at": s.created_at,
            }
            for s in d.sessions.select_related("by")
        ],
        "agreement": _agreement(agreement),
        "visits": [
            {
                "id": v.pk,
                "due": v.due,
                "at": v.at,
                "by": _name(v.by),
                "satisfaction": v.satisfaction,
                "satisfaction_label": _label(Satisfaction, v.satisfaction),
                "performed": v.performed,
                "note": v.note,
            }
            for v in d.visits.select_related("by")
        ],
        "timeline": [
            {
                "action": e.action,
                "action_label": STEPS[e.action].label if e.action in STEPS else e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": _name(e.actor) or "系统",
                "note": e.note,
                "data": dict(e.data or {}),
                "created_at": e.created_at,
            }
            for e in d.events.select_related("actor")
        ],
    }


def _dispute_id(dispute_id: int) -> int:
    """A path's id within the database's bounds (404 otherwise, as for any missing dispute)."""
    if not 1 <= dispute_id <= ID_MAX:
        raise NotFound()
    return dispute_id


@contextmanager
def _class_named_class() -> Iterator[None]:
    """The machine's `dispute_class` refused (422) is `class` to the API's caller."""
    try:
        yield
    except ValidationFailed as exc:
        if exc.extra and "dispute_class" in exc.extra:
            exc.extra = {("class" if k == "dispute_class" else k): v for k, v in exc.extra.items()}
        raise


def _registration_fields(body: dict[str, Any], *, source: bool = False) -> dict[str, Any]:
    """A registration's fields from the body: `class` is the machine's `dispute_class`; `source`
    (screening, sign, duty, walk-in …) is the caller's to say on a plain registration, never its
    ids (a petition's or a sign's conversion records those itself)."""
    fields = dict(body)
    kept = fields.get("source") if source else None
    if "class" in fields:
        fields["dispute_class"] = fields.pop("class")
    for name in _OWN_ARGUMENTS:
        fields.pop(name, None)
    if kept is not None:
        if kept in ("petition", "sign"):
            raise ValidationFailed(
                "信访件、苗头信息转为矛盾纠纷请使用各自的转化功能。",
                {"source": "来源不能直接填写为信访件或苗头信息。"},
            )
        fields["source"] = kept
    return fields


def _unit_argument(value: Any, name: str, label: str) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ID_MAX
    ):
        raise ValidationFailed(f"{label}须为编号（正整数）。", {name: "须为编号（正整数）。"})


@router.get("/disputes/kinds", response={200: list[DisputeKindOut], 403: ErrorOut})
def list_dispute_kinds(request: HttpRequest) -> list[dict[str, str]]:
    """纠纷类别（启用的）：code 代码，name 名称。登记时 kind 填 code。"""
    ensure_capability(request.user, VIEW)
    return [{"code": k.code, "name": k.name} for k in selectors.kinds()]


@router.get(
    "/disputes/stats",
    response={200: DisputeStatsOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    by_alias=True,
)
def get_dispute_stats(request: HttpRequest, query: Query[DisputeStatsQuery]) -> dict[str, Any]:
    """矛盾纠纷调处统计：unit 统计单位（不填为本单位；范围外 404），from/to 登记日期范围（默认本年 1 月 1 日至
    12 月 31 日）。rows 为本级和各直属下级单位（各含其下级），total 为合计：found 排查发现、mediated 参与调解、
    succeeded 调解成功、participation 参调率、success 成功率、visits 回访、satisfied 满意（含基本满意）、
    satisfaction 满意率（%，无分母为 null）、passed_up 矛盾上交及 levels 上交到达的层级、visits_overdue 回访逾期；
    targets 为目标，below 为合计是否低于目标。"""
    ensure_capability(request.user, VIEW)
    actor = acting_user(request)
    meta = RequestMeta.from_request(request)
    today = timezone.localdate()
    first = query.first or date(today.year, 1, 1)  # this year, as the page
    last = query.last or date(today.year, 12, 31)
    if last < first:
        message = "结束日期不能早于开始日期。"
        raise ValidationFailed(f"请求参数有误：{message}", {"to": message})
    if query.unit is not None:
        unit = access_unit_by_id(actor, query.unit, meta)
    elif actor.unit is not None:
        unit = actor.unit
    else:
        raise ValidationFailed("您的账号没有所属单位，请指定统计单位。", {"unit": "请指定统计单位。"})
    result = dispute_figures.figures(actor=actor, unit=unit, first=first, last=last, today=today)

    def line(row: dispute_figures.Line) -> dict[str, Any]:
        return {
            "unit": row.unit_id,
            "name": row.name,
            "own": row.own,
            "found": row.found,
            "mediated": row.mediated,
            "succeeded": row.succeeded,
            "participation": row.participation,
            "success": row.success,
            "visits": row.visits,
            "satisfied": row.satisfied,
            "satisfaction": row.satisfaction,
            "passed_up": row.passed_up,
            "levels": [
                {
                    "level": level,
                    "label": result.chain[level - 1] if 0 < level <= len(result.chain) else f"第{level}级",
                    "count": n,
                }
                for level, n in sorted(row.levels.items())
            ],
            "visits_overdue": row.visits_overdue,
        }

    def number(value: Decimal) -> float:
        return float(value)

    return {
        "unit": unit.pk,
        "unit_name": unit.name,
        "from": first,
        "to": last,
        "chain": result.chain,
        "targets": {key: number(value) for key, value in result.targets.items()},
        "below": {key: result.below(key) for key in ("participation", "success", "satisfaction")},
        "rows": [line(row) for row in result.rows],
        "total": line(result.total),
    }


@router.get("/disputes", response={200: DisputePage, 403: ErrorOut, 422: ErrorOut}, by_alias=True)
def list_disputes(request: HttpRequest, query: Query[DisputeQuery]) -> dict[str, Any]:
    """权限范围内的矛盾纠纷（当事人脱敏：姓名、身份证号、联系电话），按登记时间倒序分页。status 状态；kind 类别
    代码；class 纠纷类别等级 1|2|3；unit 发生单位（含下级）；open=true 仅未办结；visit_overdue=true 仅回访逾期。"""
    ensure_capability(request.user, VIEW)
    today = timezone.localdate()
    rows = selectors.dispute_list(
        actor=acting_user(request),
        status=query.status.value if query.status else "",
        kind=query.kind,
        unit=query.unit,
        dispute_class=query.dispute_class,
        open_only=query.open,
        visit_overdue_on=today if query.visit_overdue else None,
    )
    page, size = query.page, query.page_size
    items = [_item(d, today) for d in rows.prefetch_related("parties")[(page - 1) * size : page * size]]
    return {"count": rows.count(), "page": page, "page_size": size, "items": items}


def _register_body() -> dict[str, Any]:
    extra = request_body(
        RegisterIn,
        "登记矛盾纠纷。unit 为发生单位（不填为本单位）；kind 为类别代码（见 /disputes/kinds）；class 为纠纷类别等级"
        " 1|2|3（不填按涉及金额、人数自动确定）；parties 为当事人（至少一位），kind 为 person|organisation。",
    )
    schema = extra["requestBody"]["content"]["application/json"]["schema"]
    properties = dict(schema.get("properties", {}))
    properties.pop("note", None)
    if "dispute_class" in properties:
        properties["class"] = properties.pop("dispute_class")
    schema["properties"] = {
        "unit": {"type": "integer", "title": "发生单位", "description": "不填为本单位"},
        **properties,
    }
    return extra


def _from_petition_body() -> dict[str, Any]:
    extra = request_body(
        RegisterIn,
        "访调对接：将适宜调解的信访件转为矛盾纠纷，在信访件的问题属地登记，信访人为当事人（可用 parties 改写），"
        "并关联信访件。petition 信访件编号，kind 纠纷类别代码；place、facts、demands 不填取自信访件。",
    )
    schema = extra["requestBody"]["content"]["application/json"]["schema"]
    properties = dict(schema.get("properties", {}))
    for name in ("note", "source", "source_id", "source_number"):
        properties.pop(name, None)
    if "dispute_class" in properties:
        properties["class"] = properties.pop("dispute_class")
    schema["properties"] = {
        "petition": {"type": "integer", "title": "信访件编号"},
        **properties,
    }
    schema["required"] = ["petition", "kind"]
    return extra


DETAIL_RESPONSES: dict[int, Any] = {
    200: DisputeDetail,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
CREATED_RESPONSES: dict[int, Any] = {
    201: DisputeDetail,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


@router.post("/disputes", response=CREATED_RESPONSES, openapi_extra=_register_body(), by_alias=True)
def create_dispute(request: HttpRequest) -> Status:
    """登记矛盾纠纷：按类别性质、纠纷类别等级和是否重大突发分流（村调委会、镇调委会、派出所、镇主要领导），
    定其在调处责任链中的起始层级，并通知承担调处的调委会指定调解员。"""
    ensure_capability(request.user, REGISTER)
    body = step_fields(request)
    unit = body.get("unit")
    _unit_argument(unit, "unit", "发生单位")
    with _class_named_class():
        dispute = services.dispute_register(
            actor=acting_user(request),
            unit=unit,
            request_meta=RequestMeta.from_request(request),
            **_registration_fields(body, source=True),
        )
    return Status(201, _detail(request, dispute.pk))


@router.post(
    "/disputes/from-petition",
    response=CREATED_RESPONSES,
    openapi_extra=_from_petition_body(),
    by_alias=True,
)
def create_dispute_from_petition(request: HttpRequest) -> Status:
    """访调对接：信访件转人民调解（同一信访件只能转一次，409）。信访件范围外 404。"""
    ensure_capability(request.user, REGISTER)
    petition = json_body(request).get("petition")  # a name `step_fields` keeps out of a step's input
    body = step_fields(request)
    _unit_argument(petition, "petition", "信访件")
    if petition is None:
        raise ValidationFailed("请选择信访件。", {"petition": "请选择信访件。"})
    kind = body.pop("kind", None)
    if not isinstance(kind, str) or not kind.strip():
        raise ValidationFailed("请选择纠纷类别。", {"kind": "请选择纠纷类别。"})
    with _class_named_class():
        dispute = services.dispute_from_petition(
            actor=acting_user(request),
            petition_id=petition,
            kind=kind.strip(),
            request_meta=RequestMeta.from_request(request),
            **_registration_fields(body),
        )
    return Status(201, _detail(request, dispute.pk))


@router.get(
    "/disputes/{dispute_id}",
    response={200: DisputeDetail, 403: ErrorOut, 404: ErrorOut},
    by_alias=True,
)
def get_dispute(request: HttpRequest, dispute_id: int) -> dict[str, Any]:
    """矛盾纠纷详情（当事人完整信息，记入审计日志）：状态、分流、在调处责任链中的层级、调处单位、调解员、
    调解会、当前调解协议（条款及履行情况）、回访、司法确认申请期届满日和应回访日期、转化关联、可执行的操作和
    调处经过。范围外 404。"""
    ensure_capability(request.user, VIEW)
    return _detail(request, _dispute_id(dispute_id))


def _act(request: HttpRequest, dispute_id: int, action: str) -> dict[str, Any]:
    ensure_capability(request.user, VIEW)
    fields = step_fields(request)
    note = fields.pop("note", "")
    for name in _OWN_ARGUMENTS:
        fields.pop(name, None)
    dispute_transition(
        dispute=Dispute(pk=_dispute_id(dispute_id)),
        action=action,
        actor=acting_user(request),
        note=note if isinstance(note, str) else "",
        request_meta=RequestMeta.from_request(request),
        **fields,
    )
    return _detail(request, dispute_id)


DESCRIPTIONS = {
    "assign_mediator": "指定调解员：mediator 为承担调处单位（或其下级）调解人员的用户编号；已回避的不能再指定。",
    "recuse": "调解员回避：note 为回避事由；回到待调解，须另行指定调解员。",
    "investigate": "登记调查情况：findings 为走访、询问、证据情况（追加到调查记录）。",
    "record_session": "记录调解会：at 时间（不晚于现在）、place 地点、attendees 参加人员、record 调解记录。一般程序记录调解结果前须至少一次。",
    "join": "邀请联合调解：joint 为 police|judicial|court|petition（派出所、司法所、人民法庭、信访办），unit 为本镇范围内的单位编号（可不填）。",
    "escalate": "逐级上交：to_level 上交至的层级（不填为上一级；越级 409）；note 上交理由；由村（社区）上交镇（街道）中心时须写明 party_request 当事人请求、committee_opinion 调委会调查情况和初步处理意见、why_unsolvable 无法解决的原因，并由镇调委会重新指定调解员。",
    "record_outcome": "记录调解结果：outcome 为 agreed|failed；调解成功须选 agreement_form（oral 口头，须填 oral_terms；written 书面，随后拟定协议书）。",
    "draft_agreement": "拟定调解协议书（生成文书）：facts、disputed_items、responsibility、terms（每行一条）、performance_how、performance_where、performance_by（不早于今天）。生效前可重新拟定为新版本。",
    "make_effective": "协议生效：signed_parties 已签名（盖章、按指印）的当事人编号（须为全部当事人），mediator_signed 调解员已签名，seal 已加盖调委会印章；缺一 409。开始司法确认申请期（30 日）和回访计时。",
    "record_confirmation": "记录司法确认：result 为 applied|confirmed|rejected|not_applied，court 人民法院，on 日期。",
    "mark_performed": "登记履行：term 履行的条款编号（口头协议不填），performed_on 履行日期，evidence 履行凭证；全部条款履行后为已履行。",
    "performance_failed": "协议不履行：then 不填为重新调解，litigation 为告知向人民法院起诉；note 不履行情况。",
    "record_visit": "登记回访：satisfaction 为 satisfied|basic|unsatisfied，performed 协议是否已履行，at 回访时间（不填为现在），note 回访情况。",
    "refer": "导出：to 为 litigation|arbitration|administrative|petition|incident，note 导出说明。导入信访程序请用 /disputes/{dispute_id}/to-petition。",
    "close": "结案：已履行的须先回访；note 结案说明。",
}


def _action_endpoint(action: str) -> None:
    step = STEPS[action]

    def act(request: HttpRequest, dispute_id: int) -> dict[str, Any]:
        return _act(request, dispute_id, action)

    act.__name__ = f"dispute_{action}"
    router.post(
        f"/disputes/{{dispute_id}}/actions/{action}",
        response=DETAIL_RESPONSES,
        summary=f"{step.label}（{action}）",
        description=DESCRIPTIONS.get(action, f"{step.label}。")
        + "非法顺序或条件不具备 409，角色或单位不符 403，范围外 404，字段有误 422。",
        operation_id=f"dispute_action_{action}",
        openapi_extra=request_body(step.schema),
        by_alias=True,
    )(act)


for _action in ACTIONS:
    _action_endpoint(_action)


@router.post(
    "/disputes/{dispute_id}/actions/{action}",
    response=DETAIL_RESPONSES,
    include_in_schema=False,
    by_alias=True,
)
def act_on_dispute(request: HttpRequest, dispute_id: int, action: str) -> dict[str, Any]:
    """Any other action (register, link, a typo): there is no such operation."""
    ensure_capability(request.user, VIEW)
    raise NotFound("没有此矛盾纠纷操作。")


@router.post(
    "/disputes/{dispute_id}/to-petition",
    response={201: DisputePetitionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def send_dispute_to_petition(request: HttpRequest, dispute_id: int, payload: DisputeToPetitionIn) -> Status:
    """调解不成的纠纷导入信访程序：登记为来访信访件（当事人为信访人，发生单位为问题属地），纠纷记为已导出并关联
    该信访件。category 问题类别代码，not_repeat 已核实不是重复信访。只有调解不成的纠纷可以导入（409）。"""
    ensure_capability(request.user, VIEW)
    actor = acting_user(request)
    meta = RequestMeta.from_request(request)
    dispute = selectors.access_dispute_by_id(actor, _dispute_id(dispute_id), meta)
    petition = services.dispute_to_petition(
        actor=actor,
        dispute=dispute,
        category=payload.category,
        not_repeat=payload.not_repeat,
        request_meta=meta,
    )
    return Status(201, {"petition": petition.pk, "number": petition.number})


@router.get(
    "/disputes/{dispute_id}/documents",
    response={200: list[DocumentOut], 403: ErrorOut, 404: ErrorOut},
    tags=["文书"],
)
def list_dispute_documents(request: HttpRequest, dispute_id: int) -> list[dict[str, Any]]:
    """矛盾纠纷的文书（人民调解协议书各版本，按生成时间先后），含下载地址（下载记入审计日志）。范围外 404。"""
    ensure_capability(request.user, VIEW)
    dispute = selectors.access_dispute_by_id(
        request.user, _dispute_id(dispute_id), RequestMeta.from_request(request)
    )
    return [document_out(d) for d in documents_of(owner_type=OWNER_TYPE, owner_id=dispute.pk)]
