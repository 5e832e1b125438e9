"""REST API of supervision (督查督办): list in scope, open on a petition, the later steps.

Every write is a step of the petition's transition function, exactly as on the petition page:
404 outside scope, 403 for a role or unit the rules do not name, 409 for a supervision or petition
in the wrong state, 422 for bad fields (with per-field Chinese messages).
"""

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from xinfang.accounts.permissions import acting_user, ensure_capability
from xinfang.core.bounds import PageNumber
from xinfang.core.exceptions import NotFound, ValidationFailed
from xinfang.core.requests import RequestMeta, step_fields
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.procedure.engine import transition
from xinfang.procedure.openapi import request_body

from .choices import SupervisionKind, SupervisionStatus
from .machine import MACHINE
from .models import Supervision
from .selectors import (
    ROW_RELATED,
    SupervisionFilter,
    access_supervision_by_id,
    five_package_progress,
    is_overdue,
    supervision_list,
)

router = Router(tags=["督查督办"])

MAX_PAGE_SIZE = 100
FOLLOW_UP_ACTIONS = (
    "confirm_supervision",
    "dismiss_supervision",
    "answer_supervision",
    "close_supervision",
    "delist_supervision",
    "log_supervision",
)


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


class PackageOut(Schema):
    code: str
    label: str
    done: bool
    done_on: str | None


class SupervisionOut(Schema):
    id: int
    petition: int
    petition_number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    trigger: str
    trigger_label: str
    method: str
    method_label: str
    deadline: date
    is_overdue: bool
    level: int
    supervising_unit: int
    supervising_unit_name: str
    responsible_unit: int
    responsible_unit_name: str
    supervisor: str
    case_leader: str
    responsible_person: str
    five_packages: list[PackageOut]
    note: str
    report: str
    answered_at: datetime | None
    closed_at: datetime | None
    delisted_at: datetime | None
    escalated_from: int | None
    created_at: datetime


class SupervisionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[SupervisionOut]


def _name(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else ""


def _out(s: Supervision) -> dict[str, Any]:
    """A row as the API shows it; needs `petition` and the ROW_RELATED objects loaded."""
    return {
        "id": s.pk,
        "petition": s.petition_id,
        "petition_number": s.petition.number,
        "kind": s.kind,
        "kind_label": s.get_kind_display(),
        "status": s.status,
        "status_label": s.get_status_display(),
        "trigger": s.trigger,
        "trigger_label": s.get_trigger_display(),
        "method": s.method,
        "method_label": s.get_method_display(),
        "deadline": s.deadline,
        "is_overdue": is_overdue(s),
        "level": s.level,
        "supervising_unit": s.supervising_unit_id,
        "supervising_unit_name": s.supervising_unit.name,
        "responsible_unit": s.responsible_unit_id,
        "responsible_unit_name": s.responsible_unit.name,
        "supervisor": _name(s.supervisor),
        "case_leader": _name(s.case_leader),
        "responsible_person": _name(s.responsible_person),
        "five_packages": [asdict(p) for p in five_package_progress(s)]
        if s.kind == SupervisionKind.LISTED
        else [],
        "note": s.note,
        "report": s.report,
        "answered_at": s.answered_at,
        "closed_at": s.closed_at,
        "delisted_at": s.delisted_at,
        "escalated_from": s.escalated_from_id,
        "created_at": s.created_at,
    }


class SupervisionQuery(Schema):
    status: str = ""
    kind: str = ""
    page: PageNumber = 1
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


@router.get("/supervisions", response={200: SupervisionPage, 422: ErrorOut})
def list_supervisions(request: HttpRequest, query: Query[SupervisionQuery]) -> dict[str, Any]:
    """督办事项列表：调用者权限范围内的信访事项的督办，按发起时间倒序分页。
    status：proposed 待确认、open 督办中、answered 已报告、closed 已办结、escalated 已升级；
    kind：normal 督办、listed 挂牌督办。"""
    ensure_capability(request.user, "petitions.view")
    if query.status and query.status not in SupervisionStatus.values:
        raise ValidationFailed(
            "状态取值无效。", {"status": "状态须为 " + "、".join(SupervisionStatus.values)}
        )
    if query.kind and query.kind not in SupervisionKind.values:
        raise ValidationFailed("督办类型取值无效。", {"kind": "督办类型须为 normal 或 listed。"})
    qs = supervision_list(actor=request.user, filters=SupervisionFilter(status=query.status, kind=query.kind))
    start = (query.page - 1) * query.page_size
    return {
        "count": qs.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_out(s) for s in qs[start : start + query.page_size]],
    }


# `kind` names the step that opens the supervision: each kind has the body of its own step
OPENING_ACTIONS: dict[str, str] = {
    SupervisionKind.NORMAL: "supervise",
    SupervisionKind.LISTED: "list_supervision",
}


def _documented_body(action: str, *, kind: str | None = None) -> dict[str, Any]:
    """The step's documented body (`request_body`): with `kind` for the opening endpoint, which
    serves two steps; without `supervision` for an endpoint whose path names the supervision."""
    body = request_body(MACHINE.steps[action].schema)["requestBody"]
    schema: dict[str, Any] = body["content"]["application/json"]["schema"]
    properties = schema["properties"]
    properties.pop("supervision", None)
    schema["required"] = [name for name in schema.get("required", []) if name != "supervision"]
    if kind is not None:
        label = SupervisionKind(kind).label
        schema["title"] = f"{label}（kind={kind}）"
        schema["properties"] = {
            "kind": {"type": "string", "enum": [kind], "title": "督办类型", "description": label},
            **properties,
        }
        if kind != SupervisionKind.NORMAL:  # 督办 is the default kind
            schema["required"] = ["kind", *schema["required"]]
    if not schema["required"]:
        schema.pop("required")
    return schema


def _opening_body() -> dict[str, Any]:
    """One documented body per kind: 督办 (kind=normal, the default) or 挂牌督办 (kind=listed)."""
    return {
        "requestBody": {
            "required": True,
            "description": "kind=normal（默认）为督办，kind=listed 为挂牌督办；各自的字段见下。",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            _documented_body(action, kind=kind) for kind, action in OPENING_ACTIONS.items()
                        ]
                    }
                }
            },
        }
    }


@router.post(
    "/petitions/{petition_id}/supervisions",
    response={201: SupervisionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra=_opening_body(),
)
def create_supervision(request: HttpRequest, petition_id: int) -> Status:
    """对信访事项督办（生成督查督办通知单并通知责任单位）；kind=listed 为挂牌督办（仅领导）。
    请求体由该步骤的输入校验（范围、角色、状态之后），与 `/petitions/{id}/actions/supervise`、
    `/actions/list_supervision` 相同。"""
    ensure_capability(request.user, "petitions.view")
    fields = step_fields(request)
    kind = fields.pop("kind", SupervisionKind.NORMAL)
    if not isinstance(kind, str) or kind not in OPENING_ACTIONS:
        raise ValidationFailed("督办类型取值无效。", {"kind": "督办类型须为 normal 或 listed。"})
    note = fields.pop("note", "")
    change = transition(
        MACHINE,
        case=Supervision(petition=Petition(pk=petition_id)),
        action=OPENING_ACTIONS[kind],
        actor=acting_user(request),
        note=note if isinstance(note, str) else "",
        fields=fields,
        request_meta=RequestMeta.from_request(request),
    )
    return Status(201, _out(change.case))


@router.get("/petitions/{petition_id}/supervisions", response={200: list[SupervisionOut], 404: ErrorOut})
def list_petition_supervisions(request: HttpRequest, petition_id: int) -> list[dict[str, Any]]:
    """信访事项的全部督办事项（新的在前）；权限范围外回答 404。"""
    ensure_capability(request.user, "petitions.view")
    if not petitions_visible_to(request.user).filter(pk=petition_id).exists():
        raise NotFound()
    rows = (
        Supervision.objects.filter(petition_id=petition_id)
        .select_related("petition", *ROW_RELATED)
        .order_by("-id")
    )
    return [_out(s) for s in rows]


def _act(request: HttpRequest, supervision_id: int, action: str) -> dict[str, Any]:
    ensure_capability(request.user, "petitions.view")
    supervision = access_supervision_by_id(request.user, supervision_id, RequestMeta.from_request(request))
    if action not in FOLLOW_UP_ACTIONS:
        raise ValidationFailed(
            f"未知的督办操作：{action}。", {"action": "须为 " + "、".join(FOLLOW_UP_ACTIONS)}
        )
    fields = step_fields(request)
    note = fields.pop("note", "")
    transition(
        MACHINE,
        case=supervision,
        action=action,
        actor=acting_user(request),
        note=note if isinstance(note, str) else "",
        fields=fields,
        request_meta=RequestMeta.from_request(request),
    )
    return _out(access_supervision_by_id(request.user, supervision_id, RequestMeta.from_request(request)))


ACTION_RESPONSES = {200: SupervisionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _action_endpoint(action: str) -> None:
    """One documented operation per follow-up step, with the step's own body."""
    step = MACHINE.steps[action]

    def act(request: HttpRequest, supervision_id: int) -> dict[str, Any]:
        return _act(request, supervision_id, action)

    act.__name__ = f"supervision_{action}"
    router.post(
        f"/supervisions/{{supervision_id}}/actions/{action}",
        response=ACTION_RESPONSES,
        summary=f"{step.label}（{action}）",
        description=f"{step.label}。非法顺序 409，角色或单位不符 403，范围外 404，字段有误 422。",
        operation_id=f"supervision_action_{action}",
        openapi_extra={
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": _documented_body(action)}},
            }
        },
    )(act)


for _action in FOLLOW_UP_ACTIONS:
    _action_endpoint(_action)


@router.post(
    "/supervisions/{supervision_id}/actions/{action}", response=ACTION_RESPONSES, include_in_schema=False
)
def act_on_supervision(request: HttpRequest, supervision_id: int, action: str) -> dict[str, Any]:
    """不在上列操作中的 action 一律答复 422。"""
    return _act(request, supervision_id, action)
