"""Reads of incidents: the incidents in scope, the board (open incidents by their next report due)
and the plans a unit may activate."""

from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta
from xinfang.organisation.selectors import scope_q

from .choices import IncidentStatus
from .models import ContingencyPlan, Incident, InstructionTarget


def incidents_visible_to(actor: Any) -> QuerySet[Incident]:
    """The incidents of the actor's unit (and the units below it for those who see a subtree),
    of the place where people gathered when that is the actor's unit, and those involving or
    instructed to the actor's unit: the one place the incidents' scope is decided."""
    unit_id = getattr(actor, "unit_id", None)
    if unit_id is None:
        return Incident.objects.none()
    return Incident.objects.filter(
        scope_q(actor, path_field="unit_path")
        | Q(gathered_unit_id=unit_id)
        | Q(pk__in=Incident.involved_units.through.objects.filter(unit_id=unit_id).values("incident_id"))
        | Q(pk__in=InstructionTarget.objects.filter(unit_id=unit_id).values("instruction__incident_id"))
    )


def access_incident_by_id(actor: Any, incident_id: Any, request_meta: RequestMeta | None = None) -> Incident:
    try:
        return (
            incidents_visible_to(actor)
            .select_related(
                "unit", "unit__parent", "gathered_unit", "registered_by", "arrived_by", "plan", "sign"
            )
            .get(pk=int(incident_id))
        )
    except (Incident.DoesNotExist, ValueError, TypeError):
        audit_access_denied(actor=actor, model=Incident, target_id=incident_id, request_meta=request_meta)
        raise NotFound() from None


def incident_list(
    *,
    actor: Any,
    status: str = "",
    open_only: bool = False,
    overdue: bool = False,
    level: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
) -> QuerySet[Incident]:
    rows = incidents_visible_to(actor)
    if status:
        rows = rows.filter(status=status)
    if open_only or overdue:
        rows = rows.exclude(status=IncidentStatus.CLOSED)
    if overdue:
        rows = rows.filter(next_report_due__lt=now or timezone.now())
    if level is not None:
        rows = rows.filter(level=level)
    if start is not None:
        rows = rows.filter(learned_at__gte=start)
    if end is not None:
        rows = rows.filter(learned_at__lt=end)
    return rows.select_related("unit", "gathered_unit").order_by("-learned_at", "-pk")


def board(actor: Any, *, limit: int = 200) -> list[Incident]:
    """The open incidents in scope, the one whose next report is due first on top (none due: at
    the end). One query."""
    return list(
        incidents_visible_to(actor)
        .exclude(status=IncidentStatus.CLOSED)
        .select_related("unit", "gathered_unit")
        .order_by(F("next_report_due").asc(nulls_last=True), "-learned_at", "-pk")[:limit]
    )


def plans_for(unit_path: str) -> QuerySet[ContingencyPlan]:
    """The active plans of the unit at `unit_path` and of the units above it."""
    ids = [int(p) for p in unit_path.strip("/").split("/") if p]
    return ContingencyPlan.objects.filter(unit_id__in=ids, active=True).order_by("-unit_path", "name")


def plans_visible_to(actor: Any) -> QuerySet[ContingencyPlan]:
    return ContingencyPlan.objects.filter(scope_q(actor, path_field="unit_path")).select_related("unit")
