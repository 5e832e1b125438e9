"""Reads of the audit log, for the audit administrator only (capability `audit.view_log`)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from .models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    event: int | None = None
    target_type: str = ""
    target_id: str = ""
    success: bool | None = None
    date_from: date | None = None
    date_to: date | None = None
    ip: str = ""


def audit_entry_list(*, filters: AuditFilter) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if filters.username:
        qs = qs.filter(actor_username=filters.username)
    if filters.event:
        qs = qs.filter(event=filters.event)
    if filters.target_type:
        qs = qs.filter(target_type=filters.target_type)
    if filters.target_id:
        qs = qs.filter(target_id=filters.target_id)
    if filters.success is not None:
        qs = qs.filter(success=filters.success)
    if filters.date_from:
        qs = qs.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(created_at__date__lte=filters.date_to)
    if filters.ip:
        qs = qs.filter(ip=filters.ip)
    return qs.order_by("-created_at", "-id")
