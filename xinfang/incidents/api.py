"""The 突发事件 API. Same conventions as petitions and duty: scoped lists `{count, page,
page_size, items}`, 404 outside scope, steps answer 403 / 409 / 422 with Chinese messages.

Registering and every step go through the incident machine (the engine validates the body after
scope, role and state, so that a stranger learns nothing from a 422); evidence is stored by
`services.evidence_add` and its download is audited."""

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from xinfang.accounts.permissions import acting_user, ensure_capability
from xinfang.core.bounds import Id, Moment, PageNumber
from xinfang.core.exceptions import ApplicationError, NotFound, ValidationFailed
from xinfang.core.requests import RequestMeta, step_fields
from xinfang.procedure.openapi import request_body

from . import forms, selectors, services
from .choices import IncidentKind, IncidentStatus, Level, ReportKind
from .machine import STEPS, allowed_actions, incident_transition
from .machine.schemas import RegisterIn
from .models import ContingencyPlan, Evidence, Incident

router = Router(tags=["突发事件"])

# a name `incident_transition` takes as its own argument (besides those `step_fields` drops): a
# body that sends it is not a step's input (sent, it would clash with it: a 500)
_OWN_ARGUMENTS = frozenset({"incident"})


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


class IncidentUnitRef(Schema):
    id: int
    name: str


class IncidentOut(Schema):
    id: int
    number: str
    title: str
    kind: str
    kind_label: str
    level: int
    level_label: str
    status: str
    status_label: str
    unit: int
    unit_name: str
    gathered_unit: int
    gathered_unit_name: str
    learned_at: datetime
    occurred_at: datetime
    place: str
    headcount: int
    next_report_kind: str
    next_report_due: datetime | None
    overdue: bool
    arrival_due: datetime | None
    arrived_at: datetime | None
    arrival_late: bool
    registered_at: datetime
    closed_at: datetime | None


class IncidentReportOut(Schema):
    id: int
    kind: str
    kind_label: str
    seq: int
    situation: str
    measures: str
    impact: str
    other: str
    written_by: str
    written_at: datetime
    due_at: datetime | None
    on_time: bool
    to_unit: int | None
    signed_by: str | None
    signed_at: datetime | None
    document: int | None
    download_url: str | None


class TaskOut(Schema):
    id: int
    order: int
    title: str
    role: str
    owner: int | None
    owner_name: str | None
    done_at: datetime | None
    done_by: str | None
    result: str


class TargetOut(Schema):
    unit: int
    unit_name: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class InstructionOut(Schema):
    id: int
    text: str
    by: str
    at: datetime
    targets: list[TargetOut]


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_by: str
    uploaded_at: datetime
    download_url: str


class AccountabilityOut(Schema):
    id: int
    person: str
    unit: int | None
    unit_name: str | None
    finding: str
    sanction: str
    sanction_label: str
    decided_by: str
    decided_at: datetime


class IncidentEventOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    note: str
    text: str
    data: dict[str, Any]
    created_at: datetime


class IncidentDetail(IncidentOut):
    demands: str
    key_persons: str
    involved_units: list[IncidentUnitRef]
    sign: int | None
    agreed_line: str
    media_consent: str
    plan: int | None
    plan_name: str | None
    arrived_by: str | None
    allowed_actions: list[str]
    reports: list[IncidentReportOut]
    tasks: list[TaskOut]
    instructions: list[InstructionOut]
    evidence: list[EvidenceOut]
    accountability: list[AccountabilityOut]
    timeline: list[IncidentEventOut]


class IncidentPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[IncidentOut]


class IncidentQuery(Schema):
    status: IncidentStatus | None = None
    open: bool = False
    overdue: bool = False
    level: int | None = Field(None, ge=Level.I, le=Level.IV)
    start: Moment | None = Field(None, alias="from")
    end: Moment | None = Field(None, alias="to")
    page: PageNumber = 1
    page_size: int = Field(50, ge=1, le=200)


class IncidentDocumentOut(Schema):
    id: int
    number: str
    report: int
    report_kind: str
    kind_label: str
    seq: int
    original_name: str
    size: int
    created_at: datetime
    created_by: str
    download_url: str


class PlanTaskIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    role: str = Field(..., min_length=1, max_length=20)


class PlanIn(Schema):
    unit: Id | None = None
    name: str = Field(..., min_length=1, max_length=100)
    kinds: list[IncidentKind] = []
    tasks: list[PlanTaskIn] = Field(..., max_length=services.PLAN_TASKS_MAX)
    active: bool = True


class PlanTaskOut(Schema):
    order: int
    title: str
    role: str
    role_label: str


class PlanOut(Schema):
    id: int
    unit: int
    unit_name: str
    name: str
    kinds: list[str]
    active: bool
    created_at: datetime
    tasks: list[PlanTaskOut]


class PlanPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PlanOut]


class PlanQuery(Schema):
    active: bool | None = None
    page: PageNumber = 1
    page_size: int = Field(100, ge=1, le=500)


# --- reading --------------------------------------------------------------------------------------


def _name(user: Any) -> str | None:
    return None if user is None else str(user)


def _incident(i: Incident, now: datetime) -> dict[str, Any]:
    return {
        "id": i.pk,
        "number": i.number,
        "title": i.title,
        "kind": i.kind,
        "kind_label": i.get_kind_display(),
        "level": i.level,
        "level_label": i.get_level_display(),
        "status": i.status,
        "status_label": i.get_status_display(),
        "unit": i.unit_id,
        "unit_name": i.unit.name,
        "gathered_unit": i.gathered_unit_id,
        "gathered_unit_name": i.gathered_unit.name,
        "learned_at": i.learned_at,
        "occurred_at": i.occurred_at,
        "place": i.place,
        "headcount": i.headcount,
        "next_report_kind": i.next_report_kind,
        "next_report_due": i.next_report_due,
        "overdue": forms.clock_of(i, now).overdue,
        "arrival_due": i.arrival_due,
        "arrived_at": i.arrived_at,
        "arrival_late": i.arrival_late,
        "registered_at": i.registered_at,
        "closed_at": i.closed_at,
    }


def _evidence_url(evidence: Evidence) -> str:
    return reverse(
        "api:incident_evidence_download",
        kwargs={"incident_id": evidence.incident_id, "evidence_id": evidence.pk},
    )


def _detail(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    actor = acting_user(request)
    record = forms.incident_record(incident)
    return {
        **_incident(incident, timezone.now()),
        "demands": incident.demands,
        "key_persons": incident.key_persons,
        "involved_units": [{"id": u.pk, "name": u.name} for u in record.involved],
        "sign": incident.sign_id,
        "agreed_line": incident.agreed_line,
        "media_consent": incident.media_consent,
        "plan": incident.plan_id,
        "plan_name": incident.plan.name if incident.plan is not None else None,
        "arrived_by": _name(incident.arrived_by),
        "allowed_actions": allowed_actions(incident, actor),
        "reports": [
            {
                "id": r.pk,
                "kind": r.kind,
                "kind_label": r.get_kind_display(),
                "seq": r.seq,
                "situation": r.situation,
                "measures": r.measures,
                "impact": r.impact,
                "other": r.other,
                "written_by": str(r.written_by),
                "written_at": r.written_at,
                "due_at": r.due_at,
                "on_time": r.on_time,
                "to_unit": r.to_unit_id,
                "signed_by": _name(r.signed_by),
                "signed_at": r.signed_at,
                "document": doc.pk if (doc := record.documents.get(r.pk)) else None,
                "download_url": reverse("api:download_document", kwargs={"document_id": doc.pk})
                if doc
                else None,
            }
            for r in record.reports
        ],
        "tasks": [
            {
                "id": t.pk,
                "order": t.order,
                "title": t.title,
                "role": t.role,
                "owner": t.owner_id,
                "owner_name": _name(t.owner),
                "done_at": t.done_at,
                "done_by": _name(t.done_by),
                "result": t.result,
            }
            for t in record.tasks
        ],
        "instructions": [
            {
                "id": i.pk,
                "text": i.text,
                "by": str(i.by),
                "at": i.at,
                "targets": [
                    {
                        "unit": t.unit_id,
                        "unit_name": t.unit.name,
                        "acknowledged_by": _name(t.acknowledged_by),
                        "acknowledged_at": t.acknowledged_at,
                    }
                    for t in i.targets.all()
                ],
            }
            for i in record.instructions
        ],
        "evidence": [
            {
                "id": e.pk,
                "name": e.original_name,
                "content_type": e.content_type,
                "size": e.size,
                "sha256": e.sha256,
                "description": e.description,
                "uploaded_by": str(e.uploaded_by),
                "uploaded_at": e.uploaded_at,
                "download_url": _evidence_url(e),
            }
            for e in record.evidence
        ],
        "accountability": [
            {
                "id": a.pk,
                "person": a.person,
                "unit": a.unit_id,
                "unit_name": a.unit.name if a.unit is not None else None,
                "finding": a.finding,
                "sanction": a.sanction,
                "sanction_label": a.get_sanction_display(),
                "decided_by": str(a.decided_by),
                "decided_at": a.decided_at,
            }
            for a in record.accountability
        ],
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


def _access(request: HttpRequest, incident_id: int) -> Incident:
    return selectors.access_incident_by_id(request.user, incident_id, RequestMeta.from_request(request))


@router.get("/incidents", response={200: IncidentPage, 403: ErrorOut, 422: ErrorOut})
def list_incidents(request: HttpRequest, query: Query[IncidentQuery]) -> dict[str, Any]:
    """权限范围内的突发事件，按获知时间倒序分页。status 状态；open=true 仅未结束；overdue=true 仅报告已逾期
    （未结束且下次报告时限已过）；level 级别 1–4；from/to 获知时间范围。"""
    ensure_capability(request.user, "incidents.view")
    now = timezone.now()
    rows = selectors.incident_list(
        actor=request.user,
        status=query.status or "",
        open_only=query.open,
        overdue=query.overdue,
        level=query.level,
        start=query.start,
        end=query.end,
        now=now,
    )
    page, size = query.page, query.page_size
    items = [_incident(i, now) for i in rows[(page - 1) * size : page * size]]
    return {"count": rows.count(), "page": page, "page_size": size, "items": items}


def _register_body() -> dict[str, Any]:
    extra = request_body(
        RegisterIn, "登记突发事件。unit 为责任单位（不填为本单位）；sign 为来源苗头信息的编号。"
    )
    schema = extra["requestBody"]["content"]["application/json"]["schema"]
    schema["properties"] = {
        "unit": {"type": "integer", "title": "责任单位", "description": "不填为本单位"},
        **schema.get("properties", {}),
    }
    schema["properties"].pop("note", None)
    return extra


@router.post(
    "/incidents",
    response={201: IncidentDetail, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    openapi_extra=_register_body(),
)
def create_incident(request: HttpRequest) -> Status:
    """登记突发事件：按人数和类别自动定级，开始首报和主要领导到场计时，并通知聚集地主要领导和上级。"""
    actor = acting_user(request)
    fields = step_fields(request)
    unit = fields.pop("unit", None)
    for name in _OWN_ARGUMENTS:
        fields.pop(name, None)
    fields.pop("note", None)
    if unit is not None and (isinstance(unit, bool) or not isinstance(unit, int) or unit < 1):
        raise ValidationFailed("责任单位须为单位编号（正整数）。", {"unit": "须为单位编号（正整数）。"})
    incident = services.incident_register(
        actor=actor, unit=unit, request_meta=RequestMeta.from_request(request), **fields
    )
    return Status(201, _detail(request, _access(request, incident.pk)))


@router.get("/incidents/{incident_id}", response={200: IncidentDetail, 403: ErrorOut, 404: ErrorOut})
def get_incident(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    """突发事件详情：状态、级别、报告和到场时限、可执行的操作、报告、任务、批示、证据（元数据）、责任追究和处置经过。范围外 404。"""
    ensure_capability(request.user, "incidents.view")
    return _detail(request, _access(request, incident_id))


def _act(request: HttpRequest, incident_id: int, action: str) -> dict[str, Any]:
    ensure_capability(request.user, "incidents.view")
    if action in ("register", "add_evidence"):
        raise NotFound()
    fields = step_fields(request)
    note = fields.pop("note", "")
    for name in _OWN_ARGUMENTS:
        fields.pop(name, None)
    meta = RequestMeta.from_request(request)
    incident_transition(
        incident=Incident(pk=incident_id),
        action=action,
        actor=acting_user(request),
        note=note if isinstance(note, str) else "",
        request_meta=meta,
        **fields,
    )
    return _detail(request, _access(request, incident_id))


ACTION_RESPONSES = {200: IncidentDetail, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
DESCRIPTIONS = {
    "report": "书面报告上一级：kind 为 first（首报）| follow_up（续报）| final（终报），situation、measures、impact、other 为四项内容；生成公文。未首报先续报 409。",
    "close": "结束事件：须已报送终报、预案任务均已完成、已有责任追究记录，否则 409。",
    "arrive": "登记聚集地主要领导到场：at 到场时间（不填为现在），leader 到场领导（不填为本人）。",
    "instruct": "领导批示：text 批示内容，units 批转单位；各单位须确认。",
}


def _action_endpoint(action: str, step: Any) -> None:
    def act(request: HttpRequest, incident_id: int) -> dict[str, Any]:
        return _act(request, incident_id, action)

    act.__name__ = f"incident_{action}"
    router.post(
        f"/incidents/{{incident_id}}/actions/{action}",
        response=ACTION_RESPONSES,
        summary=f"{step.label}（{action}）",
        description=DESCRIPTIONS.get(action, f"{step.label}。")
        + "非法顺序 409，角色或单位不符 403，范围外 404，字段有误 422。",
        operation_id=f"incident_action_{action}",
        openapi_extra=request_body(step.schema),
    )(act)


for _action, _step in STEPS.items():
    if _action not in ("register", "add_evidence"):
        _action_endpoint(_action, _step)


@router.post("/incidents/{incident_id}/actions/{action}", response=ACTION_RESPONSES, include_in_schema=False)
def act_on_incident(request: HttpRequest, incident_id: int, action: str) -> dict[str, Any]:
    return _act(request, incident_id, action)


# --- evidence and documents -------------------------------------------------------------------------


@router.post(
    "/incidents/{incident_id}/evidence",
    response={201: EvidenceOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def upload_evidence(
    request: HttpRequest,
    incident_id: int,
    file: File[UploadedFile],
    description: Form[str] = "",
) -> Status:
    """上传现场证据（multipart：file 文件，description 说明）：照片、视频、录音或文档，记入处置经过和审计日志。"""
    ensure_capability(request.user, "incidents.view")
    incident = _access(request, incident_id)
    row = services.evidence_add(
        actor=acting_user(request),
        incident=incident,
        uploaded_file=file,
        description=description.strip(),
        request_meta=RequestMeta.from_request(request),
    )
    return Status(
        201,
        {
            "id": row.pk,
            "name": row.original_name,
            "content_type": row.content_type,
            "size": row.size,
            "sha256": row.sha256,
            "description": row.description,
            "uploaded_by": str(row.uploaded_by),
            "uploaded_at": row.uploaded_at,
            "download_url": _evidence_url(row),
        },
    )


@router.get(
    "/incidents/{incident_id}/evidence/{evidence_id}/download",
    response={404: ErrorOut},
    url_name="incident_evidence_download",
)
def download_evidence(request: HttpRequest, incident_id: int, evidence_id: int) -> FileResponse:
    """下载现场证据，记入审计日志。"""
    ensure_capability(request.user, "incidents.view")
    incident = _access(request, incident_id)
    row = Evidence.objects.filter(incident=incident, pk=evidence_id).first()
    if row is None:
        raise NotFound()
    row.incident = incident
    try:
        handle = row.file.open("rb")
    except OSError:
        raise ApplicationError("证据文件缺失，请联系系统管理员。") from None
    services.evidence_downloaded(
        actor=request.user, evidence=row, request_meta=RequestMeta.from_request(request)
    )
    return FileResponse(handle, as_attachment=True, filename=row.original_name, content_type=row.content_type)


@router.get(
    "/incidents/{incident_id}/documents",
    response={200: list[IncidentDocumentOut], 403: ErrorOut, 404: ErrorOut},
    tags=["文书"],
)
def list_incident_documents(request: HttpRequest, incident_id: int) -> list[dict[str, Any]]:
    """突发事件的报告公文（首报、续报、终报，按报告先后），含下载地址（下载记入审计日志）。"""
    ensure_capability(request.user, "incidents.view")
    record = forms.incident_record(_access(request, incident_id))
    found = []
    for report in record.reports:
        document = record.documents.get(report.pk)
        if document is None:
            continue
        creator = document.created_by
        found.append(
            {
                "id": document.pk,
                "number": document.number,
                "report": report.pk,
                "report_kind": report.kind,
                "kind_label": ReportKind(report.kind).label,
                "seq": report.seq,
                "original_name": document.original_name,
                "size": document.size,
                "created_at": document.created_at,
                "created_by": _name(creator) or "系统",
                "download_url": reverse("api:download_document", kwargs={"document_id": document.pk}),
            }
        )
    return found


# --- contingency plans ------------------------------------------------------------------------------


def _plan(plan: ContingencyPlan) -> dict[str, Any]:
    roles = dict(forms.ROLE_CHOICES)
    return {
        "id": plan.pk,
        "unit": plan.unit_id,
        "unit_name": plan.unit.name,
        "name": plan.name,
        "kinds": list(plan.kinds),
        "active": plan.active,
        "created_at": plan.created_at,
        "tasks": [
            {"order": t.order, "title": t.title, "role": t.role, "role_label": roles.get(t.role, t.role)}
            for t in plan.tasks.all()
        ],
    }


@router.get("/contingency-plans", response={200: PlanPage, 403: ErrorOut, 422: ErrorOut}, tags=["突发事件"])
def list_plans(request: HttpRequest, query: Query[PlanQuery]) -> dict[str, Any]:
    """权限范围内的应急预案及其任务（active=true 仅启用的）。"""
    ensure_capability(request.user, "incidents.view")
    rows = selectors.plans_visible_to(request.user).order_by("unit_path", "name", "pk")
    if query.active is not None:
        rows = rows.filter(active=query.active)
    page, size = query.page, query.page_size
    items = [_plan(p) for p in rows.prefetch_related("tasks")[(page - 1) * size : page * size]]
    return {"count": rows.count(), "page": page, "page_size": size, "items": items}


def _plan_save(request: HttpRequest, payload: PlanIn, plan: ContingencyPlan | None) -> ContingencyPlan:
    saved = services.plan_save(
        actor=acting_user(request),
        unit=payload.unit,
        name=payload.name,
        kinds=[str(k.value) for k in payload.kinds],
        tasks=[{"title": t.title, "role": t.role} for t in payload.tasks],
        plan=plan,
        active=payload.active,
        request_meta=RequestMeta.from_request(request),
    )
    return selectors.plans_visible_to(request.user).prefetch_related("tasks").get(pk=saved.pk)


@router.post(
    "/contingency-plans",
    response={201: PlanOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def create_plan(request: HttpRequest, payload: PlanIn) -> Status:
    """制定应急预案：unit 制定单位（不填为本单位），name，kinds 适用事件类别，tasks 任务（title 内容，role 责任角色）。"""
    ensure_capability(request.user, "incidents.plans")
    return Status(201, _plan(_plan_save(request, payload, None)))


@router.put(
    "/contingency-plans/{plan_id}",
    response={200: PlanOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def update_plan(request: HttpRequest, plan_id: int, payload: PlanIn) -> dict[str, Any]:
    """修改应急预案（任务整体替换；unit 不可改）。"""
    ensure_capability(request.user, "incidents.plans")
    plan = selectors.plans_visible_to(request.user).filter(pk=plan_id).first()
    if plan is None:
        raise NotFound()
    return _plan(_plan_save(request, payload, plan))
