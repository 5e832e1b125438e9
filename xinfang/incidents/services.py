"""Writes of incidents besides the machine's steps: registering one (the `register` step on a new
incident of a unit in scope), storing on-site evidence (the file is hashed and written before the
step's transaction, so no file I/O holds SQLite's write lock) and keeping a unit's contingency
plans (audited)."""

import hashlib
import os
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import ensure_capability
from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.organisation.selectors import access_unit_by_id
from xinfang.petitions.services import ATTACHMENT_TYPES, attachment_problem
from xinfang.procedure.engine import scope_misses_audited

from .choices import IncidentKind
from .machine import incident_transition
from .models import ContingencyPlan, Evidence, Incident, PlanTask

VIDEO_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime"}
EVIDENCE_TYPES = {**ATTACHMENT_TYPES, **VIDEO_TYPES}
EVIDENCE_MAX_BYTES = 200 * 1024 * 1024  # a phone's video of the scene
PLAN_TASKS_MAX = 50


def incident_register(
    *, actor: User, unit: int | None = None, request_meta: RequestMeta | None = None, **fields: Any
) -> Incident:
    """Registers an incident of `unit` (default: the actor's own), a unit in the actor's scope."""
    if unit is None:
        if actor.unit is None:
            raise ValidationFailed("您的账号没有所属单位，不能登记突发事件。")
        target = actor.unit
    else:
        target = access_unit_by_id(actor, unit, request_meta)
    return incident_transition(
        incident=Incident(unit=target, unit_path=target.path),
        action="register",
        actor=actor,
        request_meta=request_meta,
        **fields,
    )


def _evidence_problem(name: str, size: int, head: bytes) -> str | None:
    extension = os.path.splitext(name)[1].lower()
    if extension in VIDEO_TYPES:
        if size > EVIDENCE_MAX_BYTES:
            return f"视频“{name}”超过 200 MB，请压缩或截取后上传。"
        if size == 0:
            return f"文件“{name}”是空文件。"
        return None if head[4:8] == b"ftyp" else f"文件“{name}”的内容与扩展名不符，请检查文件。"
    problem = attachment_problem(name=name, size=size, head=head)
    if problem and extension not in ATTACHMENT_TYPES:
        return (
            f"文件“{name}”的类型不允许，只能上传照片（JPG、PNG）、视频（MP4、MOV）、录音或 PDF、Word 文档。"
        )
    return problem


def evidence_add(
    *,
    actor: User,
    incident: Incident,
    uploaded_file: Any,
    description: str = "",
    request_meta: RequestMeta | None = None,
) -> Evidence:
    """Stores a piece of on-site evidence with a random name, then records it on the incident's
    timeline (the `add_evidence` step). A refused step removes the stored file."""
    name = os.path.basename(uploaded_file.name or "")[:200]
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    if problem := _evidence_problem(name, uploaded_file.size, head):
        raise ValidationFailed(problem, {"file": problem})
    if len(description) > 200:
        raise ValidationFailed("说明不能超过 200 字。", {"description": "说明不能超过 200 字。"})
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    extension = os.path.splitext(name)[1].lower()
    row = Evidence(
        incident=incident,
        original_name=name,
        content_type=EVIDENCE_TYPES[extension],
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        description=description,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    row.file.save(f"{uuid.uuid4().hex}{extension}", uploaded_file, save=False)  # outside the transaction
    try:
        with scope_misses_audited(actor, request_meta), transaction.atomic():
            row.save()
            incident_transition(
                incident=incident,
                action="add_evidence",
                actor=actor,
                request_meta=request_meta,
                evidence=row.pk,
            )
    except Exception:
        row.file.storage.delete(row.file.name)
        raise
    return row


def evidence_downloaded(*, actor: Any, evidence: Evidence, request_meta: RequestMeta | None = None) -> None:
    audit_record(
        actor=actor,
        event=AuditEvent.DOWNLOAD,
        target=evidence.incident,
        target_label=evidence.incident.number,
        request_meta=request_meta,
        evidence=evidence.pk,
        name=evidence.original_name,
        sha256=evidence.sha256,
    )


def _validate_plan(name: str, kinds: list[str], tasks: list[dict[str, Any]]) -> None:
    errors: dict[str, str] = {}
    if not (1 <= len(name.strip()) <= 100):
        errors["name"] = "预案名称须为 1 到 100 字。"
    bad = [k for k in kinds if k not in IncidentKind.values]
    if bad:
        errors["kinds"] = "事件类别须为：" + "、".join(IncidentKind.values)
    if not tasks:
        errors["tasks"] = "预案至少要有一项任务。"
    elif len(tasks) > PLAN_TASKS_MAX:
        errors["tasks"] = f"预案的任务不能超过 {PLAN_TASKS_MAX} 项。"
    else:
        for i, task in enumerate(tasks, 1):
            title = str(task.get("title", "")).strip()
            if not (1 <= len(title) <= 200):
                errors["tasks"] = f"第 {i} 项任务须写明内容（不超过 200 字）。"
            elif task.get("role") not in Role.values:
                errors["tasks"] = f"第 {i} 项任务的责任角色不存在。"
    if errors:
        raise ValidationFailed("应急预案有误：" + "；".join(errors.values()), errors)


def plan_save(
    *,
    actor: User,
    unit: int | None,
    name: str,
    kinds: list[str],
    tasks: list[dict[str, Any]],
    plan: ContingencyPlan | None = None,
    active: bool = True,
    request_meta: RequestMeta | None = None,
) -> ContingencyPlan:
    """Creates or replaces a unit's contingency plan (its tasks are replaced as a whole)."""
    ensure_capability(actor, "incidents.plans")
    _validate_plan(name, kinds, tasks)
    target = (
        plan.unit if plan is not None else access_unit_by_id(actor, unit or actor.unit_id or 0, request_meta)
    )
    with transaction.atomic():
        row = plan or ContingencyPlan(
            unit=target, unit_path=target.path, created_by=actor, created_at=timezone.now()
        )
        old = None if plan is None else {"name": plan.name, "tasks": plan.tasks.count()}
        row.name, row.kinds, row.active = name.strip(), list(kinds), bool(active)
        row.save()
        row.tasks.all().delete()
        PlanTask.objects.bulk_create(
            [
                PlanTask(plan=row, order=i, title=str(t["title"]).strip(), role=t["role"])
                for i, t in enumerate(tasks, 1)
            ]
        )
        audit_record(
            actor=actor,
            event=AuditEvent.RECORD_CHANGED if plan else AuditEvent.RECORD_CREATED,
            target=row,
            target_label=f"应急预案：{row.name}",
            request_meta=request_meta,
            old=old,
            new={"name": row.name, "tasks": len(tasks), "active": row.active},
        )
    return row


__all__ = ["EVIDENCE_MAX_BYTES", "incident_register", "plan_save"]
