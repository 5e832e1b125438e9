"""Reads for the home page (工作台) that gather several apps: a user's own work queue."""

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of
from xinfang.petitions.choices import OPEN_STATUSES, PetitionStatus
from xinfang.petitions.models import OFFICE_UNIT, Petition
from xinfang.petitions.selectors import petitions_visible_to

# The steps that wait for the petition office (受理/不予受理/转送/交办 a new or transferred-in
# matter, 办结 an answered one) rather than for a handler or a leader.
OFFICE_STEPS = (PetitionStatus.REGISTERED, PetitionStatus.TRANSFERRED, PetitionStatus.ANSWERED)


def work_queue_q(actor: User) -> Q | None:
    """What waits for `actor`: a handler's own open matters (承办人 = them); for the front desk
    (接访员、值班员) the matters of their unit at one of the office's steps, "their unit" being
    the unit handling it or, before it is routed, the unit that registered it. None when the
    actor has no queue (leaders get the dashboard). Filters a queryset aliased by `work_queue_petitions`."""
    caps = capabilities_of(actor)
    unit = actor.unit
    queue = Q()
    if "petitions.handle" in caps:
        queue |= Q(handler=actor, status__in=OPEN_STATUSES)
    if "petitions.register" in caps and unit is not None:
        queue |= Q(office_unit=unit.pk, status__in=OFFICE_STEPS)
    return queue or None


def work_queue_petitions(queue: Q) -> QuerySet[Petition]:
    """The queue's petitions, most urgent deadline first (none last). The office's part is read
    from the index `petition_office_queue` alone (its columns are the filter and the order), so
    a front desk with thousands of open matters sorts index entries, not petitions."""
    return (
        Petition.objects.alias(office_unit=OFFICE_UNIT)
        .filter(queue)
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


def work_queue_page(*, actor: User, page: str | int | None, per_page: int) -> QueuePage:
    try:
        number = max(int(page), 1) if page is not None else 1
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    queue = work_queue_q(actor)
    if queue is None:
        return QueuePage(number=number, items=[], has_next=False)
    # the page's ids from the queue's index, then those rows within the actor's scope (the one
    # place scope is decided; the queue's conditions imply it, this keeps it so)
    ids = list(work_queue_petitions(queue).values_list("pk", flat=True)[start : start + per_page + 1])
    found = petitions_visible_to(actor).filter(pk__in=ids).select_related("category", "unit", "handling_unit")
    by_id = {petition.pk: petition for petition in found}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    return QueuePage(number=number, items=rows[:per_page], has_next=len(ids) > per_page)
