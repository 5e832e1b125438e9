"""The alarm (预警): a key person's ID number, or their name and phone together, on a new petition
or a duty-log entry, or their name among an incident's key persons in the responsible unit's
area, raises the `hit` step of each person found: their owners and the responsible unit's office
are told at once, with a link. One indexed query per source; nothing when nobody matches.

The registration page then tells the clerk (and whoever reads the register or owns the person)
that a petitioner is a key person, and nothing of the plan."""

import logging
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.core.exceptions import Conflict
from xinfang.procedure.machine import Change

from .choices import HitSource, PersonStatus
from .machine import person_transition
from .models import KeyPerson, KeyPersonHit
from .selectors import persons_visible_to, sees_register

WATCHED = (PersonStatus.ACTIVE, PersonStatus.REMOVAL_REQUESTED)
logger = logging.getLogger(__name__)


def matches(
    *, id_numbers: Iterable[str] = (), name_phones: Iterable[tuple[str, str]] = ()
) -> list[tuple[KeyPerson, str]]:
    """The watched persons with one of `id_numbers`, or one of the (name, phone) pairs."""
    ids = {i.strip().upper() for i in id_numbers if i and i.strip()}
    pairs = {(n.strip(), p.strip()) for n, p in name_phones if n and n.strip() and p and p.strip()}
    if not ids and not pairs:
        return []
    condition = Q(id_number__in=ids) if ids else Q(pk__in=[])
    for name, phone in pairs:
        condition |= Q(name=name, phone=phone)
    # no ordering: the model's default would make the planner walk a whole index in its order
    found = KeyPerson.objects.filter(condition, status__in=WATCHED).select_related("category").order_by()
    return [(p, "id_number" if p.id_number and p.id_number in ids else "name_phone") for p in found]


def _raise(
    found: list[tuple[KeyPerson, str]],
    *,
    source: str,
    ref_id: int,
    reference: str,
    link: str,
    withhold_under: str = "",
    withhold_user: int | None = None,
) -> None:
    """Each person's `hit` step, in the order of their ids (two registrations matching the same
    persons lock them in the same order), each in a savepoint: a person whose record changed
    meanwhile (removed) is left out, never refusing the registration that raised the alarm."""
    for person, matched_by in sorted(found, key=lambda pair: pair[0].pk):
        try:
            with transaction.atomic():
                _hit(person, matched_by, source, ref_id, reference, link, withhold_under, withhold_user)
        except Conflict:
            logger.warning("重点人员预警未记录：%s 已不在册（%s %s）", person.number, source, reference)


def _hit(
    person: KeyPerson,
    matched_by: str,
    source: str,
    ref_id: int,
    reference: str,
    link: str,
    withhold_under: str,
    withhold_user: int | None,
) -> None:
    person_transition(
        person=person,
        action="hit",
        actor=None,
        source=source,
        ref_id=ref_id,
        reference=reference[:60],
        matched_by=matched_by,
        link=link[:200],
        withhold_under=withhold_under,
        withhold_user=withhold_user,
    )


def existed(petition: Any) -> bool:
    return True


def on_petition_changed(*, before: Any, petition: Any) -> None:
    """A new petition (before is None): its petitioners against the register."""
    if before is not None or petition.status != "registered":
        return  # a change of an existing petition, or a finished matter imported from a ledger
    people = [link.petitioner for link in petition.petitioner_links.all()]
    found = matches(id_numbers=[p.id_number for p in people], name_phones=[(p.name, p.phone) for p in people])
    if found:
        _raise(
            found,
            source=HitSource.PETITION,
            ref_id=petition.pk,
            reference=petition.number,
            link=reverse("petitions:detail", args=[petition.pk]),
            # the unit complained about never learns who complained (条例 art. 47): nobody in it
            # is told of this alarm
            withhold_under=petition.protected_path or "",
            withhold_user=petition.complained_user_id,
        )


SPLIT = re.compile(r"[，,、；;\s]+")


def on_transition(change: Change[Any]) -> None:
    """A duty-log entry (its caller's name and phone) and a new incident (the names of its key
    persons, looked up among the persons of the responsible unit's organ and below)."""
    owner = change.machine.owner_type
    if owner == "duty.shift" and change.action == "log_entry" and change.data.get("entry"):
        from xinfang.duty.models import LogEntry

        entry = LogEntry.objects.filter(pk=change.data["entry"]).values("pk", "name", "phone").first()
        if entry is None:
            return
        found = matches(name_phones=[(entry["name"], entry["phone"])])
        if found:
            _raise(
                found,
                source=HitSource.DUTY,
                ref_id=entry["pk"],
                reference=f"{change.case.number} 值班记录",
                link=reverse("duty:shift", args=[change.case.pk]),
            )
    elif owner == "incidents.incident" and change.action == "register":
        incident = change.case
        names = {n for n in SPLIT.split(incident.key_persons or "") if n}
        if not names:
            return
        area = incident.unit.answering_organ.path
        persons = KeyPerson.objects.filter(
            name__in=names, unit_path__startswith=area, status__in=WATCHED
        ).select_related("category")
        _raise(
            [(p, "name") for p in persons],
            source=HitSource.INCIDENT,
            ref_id=incident.pk,
            reference=incident.number,
            link=reverse("incidents:detail", args=[incident.pk]),
        )


def petition_notes(petition: Any, actor: Any) -> list[str]:
    """The banner of a petition's page: a petitioner is a key person. Only for those who read the
    register or own the person; it names no plan."""
    if not isinstance(actor, User):
        return []
    from xinfang.petitions.selectors import identity_hidden

    if identity_hidden(actor, petition):  # the complained-about unit learns nothing of who complained
        return []
    hits = KeyPersonHit.objects.filter(source=HitSource.PETITION, ref_id=petition.pk)
    if not hits.exists():
        return []
    visible = hits.filter(person__in=persons_visible_to(actor)).values_list("person_id", flat=True)
    if not visible and not sees_register(actor):
        return []
    if visible:
        return ["信访人中有重点人员，已通知其包案责任人、稳控责任人和责任单位。请按规定做好接待和稳控工作。"]
    return ["信访人中有重点人员，已通知其包案责任人、稳控责任人和责任单位。"]
