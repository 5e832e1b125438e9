"""Reads of disputes. Who sees which is decided here and nowhere else: anyone who works with
disputes (`disputes.view`) sees those that arose at their unit and below it, and a mediator also
the disputes they mediate wherever they arose. Parties' particulars are masked in lists; the
case file, which shows them, is audited (`services.dispute_viewed`)."""

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from xinfang.accounts.permissions import has_capability
from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta
from xinfang.organisation.selectors import scope_q, units_visible_to

from .choices import OPEN_STATUSES
from .models import Dispute, DisputeKind, DisputeUnit

VIEW = "disputes.view"


def disputes_visible_to(actor: Any) -> QuerySet[Dispute]:
    """The product's scope (`scope_q`: one's unit, and the units below for those who see a
    subtree), and the disputes one's unit handles or mediates jointly, and those one mediates.
    Nobody without `disputes.view` (the administrators) sees any: not even an agreement's file."""
    unit = getattr(actor, "unit", None)
    if unit is None or not getattr(actor, "is_authenticated", False) or not has_capability(actor, VIEW):
        return Dispute.objects.none()
    joint = DisputeUnit.objects.filter(unit_id=unit.pk).values("dispute_id")
    return Dispute.objects.filter(
        scope_q(actor, path_field="unit_path")
        | Q(handling_unit_id=unit.pk)
        | Q(mediator_id=actor.pk)
        | Q(pk__in=joint)
    )


def access_dispute_by_id(actor: Any, dispute_id: Any, request_meta: RequestMeta | None = None) -> Dispute:
    try:
        return (
            disputes_visible_to(actor)
            .select_related("unit", "handling_unit", "kind", "mediator", "registered_by")
            .get(pk=int(dispute_id))
        )
    except (Dispute.DoesNotExist, ValueError, TypeError, OverflowError):
        audit_access_denied(actor=actor, model=Dispute, target_id=dispute_id, request_meta=request_meta)
        raise NotFound() from None


def dispute_list(
    *,
    actor: Any,
    status: str = "",
    kind: str = "",
    unit: int | None = None,
    dispute_class: int | None = None,
    open_only: bool = False,
    visit_overdue_on: Any = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Dispute]:
    """The disputes in scope, newest first (paginate the result: it is a query, not a list)."""
    rows = disputes_visible_to(actor)
    if status:
        rows = rows.filter(status=status)
    if open_only:
        rows = rows.filter(status__in=OPEN_STATUSES)
    if kind:
        rows = rows.filter(kind__code=kind)
    if dispute_class is not None:
        rows = rows.filter(dispute_class=dispute_class)
    if unit is not None:
        path = units_visible_to(actor).filter(pk=unit).values_list("path", flat=True).first()
        rows = rows.filter(unit_path__startswith=path) if path else rows.none()
    if visit_overdue_on is not None:
        rows = rows.filter(next_visit_due__lt=visit_overdue_on, visited_at__isnull=True)
    if start is not None:
        rows = rows.filter(registered_at__gte=start)
    if end is not None:
        rows = rows.filter(registered_at__lt=end)
    return rows.select_related("unit", "kind", "mediator").order_by("-registered_at", "-pk")


def open_disputes_at(unit_ids: Any) -> QuerySet[Dispute]:
    """The disputes still open that arose at these units (a screening round carries them on)."""
    return (
        Dispute.objects.filter(unit_id__in=unit_ids, status__in=OPEN_STATUSES)
        .select_related("kind")
        .order_by("registered_at", "pk")
    )


def kinds() -> list[DisputeKind]:
    return list(DisputeKind.objects.filter(active=True))
