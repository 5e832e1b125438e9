"""Reads for the home page (工作台) that belong to no single app: a user's own work queue."""

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet

from xinfang.accounts.permissions import capabilities_of
from xinfang.petitions.choices import OPEN_STATUSES, PetitionStatus
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible_to

# The steps that wait for the petition office (受理/不予受理/转送/交办 a new or transferred-in
# matter, 办结 an answered one) rather than for a handler or a leader.
OFFICE_STEPS = (PetitionStatus.REGISTERED, PetitionStatus.TRANSFERRED, PetitionStatus.ANSWERED)


def work_queue_q(actor: Any) -> Q | None:
    """What waits for `actor`: a handler's own matters (承办人 = them); for the front desk
    (接访员、值班员) the open matters of their unit at one of the office's steps. None when the
    actor has no queue (leaders get the dashboard)."""
    caps = capabilities_of(actor)
    unit = getattr(actor, "unit", None)
    queue = Q()
    if "petitions.handle" in caps:
        queue |= Q(handler=actor)
    if "petitions.register" in caps and unit is not None:
        ours = Q(handling_unit=unit) | Q(handling_unit__isnull=True, unit=unit)
        queue |= ours & Q(status__in=OFFICE_STEPS)
    return queue or None


def work_queue(*, actor: Any) -> QuerySet[Petition]:
    """The actor's open matters, the most urgent deadline first (none last), within scope."""
    queue = work_queue_q(actor)
    if queue is None:
        return Petition.objects.none()
    return (
        petitions_visible_to(actor)
        .filter(queue, status__in=OPEN_STATUSES)
        .select_related("category", "unit", "handling_unit")
        .order_by(F("current_deadline").asc(nulls_last=True), "received_at", "pk")
    )


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, fetched with LIMIT/OFFSET and no COUNT: counting a front desk's
    queue means visiting every petition of the unit, the page itself only the first few."""

    number: int
    items: list[Petition]
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def work_queue_page(*, actor: Any, page: Any, per_page: int) -> QueuePage:
    try:
        number = max(int(page), 1)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(work_queue(actor=actor)[start : start + per_page + 1])
    return QueuePage(number=number, items=rows[:per_page], has_next=len(rows) > per_page)
