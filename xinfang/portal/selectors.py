"""What the portal reads: the places a citizen chooses from, their own earlier matters, and the
public view of a petition (a whitelist: nothing internal, no staff names, notes or instructions,
no other person's data)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from xinfang.documents.models import Document
from xinfang.documents.registry import kind_label
from xinfang.organisation.models import Unit, UnitType
from xinfang.petitions.choices import Outcome, PetitionStatus, Satisfaction
from xinfang.petitions.models import OWNER_TYPE, Petition, PetitionEvent, PetitionPetitioner
from xinfang.petitions.workflow.delivery import TO_PETITIONER
from xinfang.petitions.workflow.parties import review_target

from .models import PortalAccess, PortalReviewRequest, PortalSetting, ReviewRequestStatus

# the places a citizen chooses from: where they live or where the matter happened
PLACE_TYPES = (
    UnitType.TOWNSHIP,
    UnitType.STREET,
    UnitType.MANAGEMENT_AREA,
    UnitType.VILLAGE,
    UnitType.COMMUNITY,
)
TOP_PLACES = (UnitType.TOWNSHIP, UnitType.STREET)


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    kind: str  # 乡镇 / 街道 / 村 / 社区 / 管理区
    township: str  # the township or street it lies in (itself for one)


def places() -> list[Place]:
    """Every active place, townships and streets first, each followed by its villages."""
    rows = list(
        Unit.objects.filter(is_active=True, unit_type__in=PLACE_TYPES)
        .order_by("path")
        .values_list("pk", "name", "unit_type", "path")
    )
    tops = {path: name for _, name, kind, path in rows if kind in TOP_PLACES}
    result: list[Place] = []
    for pk, name, kind, path in rows:
        township = next((n for p, n in tops.items() if path.startswith(p)), name)
        result.append(Place(pk, name, UnitType(kind).label, township))
    return result


def place_by_id(place_id: int | None) -> Unit | None:
    if place_id is None or not 1 <= place_id <= 2**62:
        return None
    return (
        Unit.objects.filter(pk=place_id, is_active=True, unit_type__in=PLACE_TYPES)
        .select_related("organ")
        .first()
    )


def organ_of(place: Unit) -> Unit:
    """The register an online petition about `place` goes to: the organ the place belongs to
    (a village's township), or the place itself when none is set."""
    return place.organ if place.organ is not None and place.organ.is_active else place


@dataclass(frozen=True)
class Earlier:
    id: int
    number: str
    received_on: date
    category: str
    status: str


def earlier_matters(id_number: str, phone: str) -> list[Earlier]:
    """The citizen's own matters registered anywhere (the same ID number and the same phone on
    one petitioner record), newest first: suggested before a new submission so that a repeat is
    linked to its original instead of multiplied."""
    if not id_number or not phone:
        return []
    links = (
        PetitionPetitioner.objects.filter(petitioner__id_number=id_number, petitioner__phone=phone)
        .select_related("petition__category")
        .order_by("-petition__received_at")[:10]
    )
    seen: dict[int, Earlier] = {}
    for link in links:
        p = link.petition
        seen.setdefault(
            p.pk,
            Earlier(
                p.pk,
                p.number,
                timezone.localtime(p.received_at).date(),
                p.category.name,
                p.get_status_display(),
            ),
        )
    return list(seen.values())


def setting() -> PortalSetting:
    return PortalSetting.objects.order_by("pk").first() or PortalSetting()


# --- the public view -------------------------------------------------------------------------

# the petition's status in plain words
PLAIN_STATUS: dict[str, str] = {
    PetitionStatus.REGISTERED: "已收到，正在审查是否受理",
    PetitionStatus.ACCEPTED: "已受理，正在办理",
    PetitionStatus.NOT_ACCEPTED: "不予受理",
    PetitionStatus.DECLINED_AGAIN: "不再受理",
    PetitionStatus.TRANSFERRED: "已转送有权处理的机关",
    PetitionStatus.ASSIGNED: "已交办，正在办理",
    PetitionStatus.HANDLING: "正在办理",
    PetitionStatus.REPORT_PENDING: "正在办理",
    PetitionStatus.APPROVED: "正在办理，即将答复",
    PetitionStatus.ANSWERED: "已答复",
    PetitionStatus.REVIEW: "复查中",
    PetitionStatus.REREVIEW: "复核中",
    PetitionStatus.CLOSED: "已办结",
}

# the steps a petitioner is told of; every other step (claim, reports, instructions, ownership,
# hearings' records, supervision) stays internal
PUBLIC_ACTIONS = frozenset(
    {
        "accept",
        "reject",
        "decline_again",
        "transfer",
        "assign",
        "approve_extension",
        "answer",
        "request_review",
        "decide_review",
        "request_rereview",
        "decide_rereview",
        "record_visit",
        "close",
        "mark_invalid",
    }
)


def _day(value: Any) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d}"
    return str(value)[:10]


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return ""


def _step_text(action: str, data: dict[str, Any]) -> str:
    outcome = _label(Outcome, data.get("outcome"))
    window = _day(data.get("window_ends"))
    if action == "accept":
        return "已受理"
    if action == "reject":
        return f"不予受理：{data.get('ground_label', '')}"
    if action == "decline_again":
        return f"不再受理：{data.get('ground_label', '')}"
    if action == "transfer":
        return f"已转送{data.get('unit_name', '有权处理的机关')}办理"
    if action == "assign":
        return f"已交由{data.get('unit_name', '承办单位')}办理"
    if action == "approve_extension":
        due = _day(data.get("new_deadline"))
        return f"办理期限依法延长{f'至 {due}' if due else ''}"
    if action == "answer":
        tail = f"；如不服，可在 {window} 前申请复查" if window else ""
        return f"{data.get('organ_name', '')}作出处理意见（{outcome}），送达日期 {_day(data.get('delivered_on'))}{tail}"
    if action == "request_review":
        return f"已登记复查申请，由{data.get('review_unit', '复查机关')}复查"
    if action == "decide_review":
        tail = f"；如不服，可在 {window} 前申请复核" if window else ""
        return f"{data.get('organ_name', '')}作出复查意见（{outcome}）{tail}"
    if action == "request_rereview":
        return f"已登记复核申请，由{data.get('review_unit', '复核机关')}复核"
    if action == "decide_rereview":
        return f"{data.get('organ_name', '')}作出复核意见（{outcome}），信访事项终结"
    if action == "record_visit":
        return f"回访评价：{_label(Satisfaction, data.get('satisfaction'))}"
    if action == "close":
        return "已办结"
    if action == "mark_invalid":
        return f"经审核为无效信息：{data.get('reason', '')}"
    return ""


def public_view(petition: Petition, access: PortalAccess) -> dict[str, Any]:
    """Everything the citizen sees, and nothing else (`PUBLIC_FIELDS` lists its keys)."""
    events = list(
        PetitionEvent.objects.filter(petition_id=petition.pk, action__in=PUBLIC_ACTIONS)
        .order_by("created_at", "pk")
        .values_list("action", "data", "created_at")
    )
    steps = [{"date": _day(petition.received_at), "text": "收到网上信访事项，已登记"}]
    steps += [{"date": _day(at), "text": _step_text(action, data or {})} for action, data, at in events]
    notices = [
        {"id": pk, "title": kind_label(kind), "number": number, "date": _day(created)}
        for pk, kind, number, created in Document.objects.filter(
            owner_type=OWNER_TYPE, owner_id=petition.pk, kind__in=TO_PETITIONER
        )
        .exclude(sha256="")
        .order_by("created_at", "pk")
        .values_list("pk", "kind", "number", "created_at")
    ]
    pending = (
        PortalReviewRequest.objects.filter(petition_id=petition.pk)
        .order_by("-requested_at")
        .values_list("stage", "status", "requested_at")
        .first()
    )
    today = timezone.localdate()
    answered = petition.answer_delivered_on is not None and petition.status in (
        PetitionStatus.ANSWERED,
        PetitionStatus.CLOSED,
    )
    stage_label = "复查" if petition.review_stage == 0 else "复核"
    window_open = bool(
        answered and not petition.is_final and petition.window_ends and today <= petition.window_ends
    )
    review_pending = bool(pending and pending[1] == ReviewRequestStatus.PENDING)
    # a 复核 above the installation's top organ (e.g. the city above the county) is made in writing
    registrable = window_open and not review_pending and review_target(petition) is not None
    invalid = next((data.get("reason", "") for action, data, _ in events if action == "mark_invalid"), "")
    return {
        "number": petition.number,
        "subject": petition.subject,
        "received_on": _day(petition.received_at),
        "status": PLAIN_STATUS.get(petition.status, ""),
        "acceptance_due": _day(petition.current_deadline)
        if petition.status == PetitionStatus.REGISTERED
        else "",
        "invalid_reason": invalid,
        "steps": steps,
        "answered_on": _day(petition.answer_delivered_on) if answered else "",
        "answer_outcome": _label(Outcome, petition.answer_outcome) if answered else "",
        "window_ends": _day(petition.window_ends) if answered and not petition.is_final else "",
        "review_kind": stage_label if window_open else "",
        "satisfaction": _label(Satisfaction, petition.satisfaction),
        "can_rate": answered and access.rated_stage != petition.review_stage,
        "can_request_review": registrable,
        "review_request": (
            {
                "kind": "复查" if pending[0] == 0 else "复核",
                "status": ReviewRequestStatus(pending[1]).label,
                "date": _day(pending[2]),
            }
            if pending
            else None
        ),
        "notices": notices,
    }


# every key the public view answers (tests assert nothing else appears)
PUBLIC_FIELDS = (
    "number",
    "subject",
    "received_on",
    "status",
    "acceptance_due",
    "invalid_reason",
    "steps",
    "answered_on",
    "answer_outcome",
    "window_ends",
    "review_kind",
    "satisfaction",
    "can_rate",
    "can_request_review",
    "review_request",
    "notices",
)


def pending_review_requests(scope: QuerySet[Petition], unit_path: str) -> QuerySet[PortalReviewRequest]:
    """The office's list: online review requests not registered yet, of petitions it sees, that
    its unit (at `unit_path`) or a unit below it registers (复查（复核）机关)."""
    if not unit_path:  # an account without a unit registers nothing
        return PortalReviewRequest.objects.none()
    return (
        PortalReviewRequest.objects.filter(
            status=ReviewRequestStatus.PENDING, petition__in=scope, unit_path__startswith=unit_path
        )
        .select_related("petition")
        .order_by("requested_at", "pk")
    )


@dataclass
class Receipt:
    number: str
    code: str
    received_on: date
    unit_name: str
    acceptance_due: date | None
    attachments: list[str] = field(default_factory=list)
    sms_to: str = ""  # the masked phone the receipt is being sent to by SMS, if any
