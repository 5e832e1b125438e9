"""Reads of the key-person register. Who sees whom is decided here and nowhere else:

- the office of an organ (有权处理的机关: a township, a county, a department …) — its principal and
  leaders, its front desk and duty room (`keypersons.register`) — sees the register of its unit
  and every unit below it;
- everyone else (a handler, a village's people, an information officer) sees only the persons
  they own: as 包案责任人, 稳控责任人 or the person's 24-hour minder.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from xinfang.accounts.permissions import has_capability
from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta

from .choices import PersonStatus
from .models import KeyGroup, KeyPerson, KeyPersonCategory

REGISTER = "keypersons.register"


def _owned(actor: Any) -> Q:
    return Q(case_owner_id=actor.pk) | Q(stability_owner_id=actor.pk) | Q(monitor_id=actor.pk)


def sees_register(actor: Any) -> bool:
    """Whether the actor reads the register of their unit and below (not only their own persons)."""
    unit = getattr(actor, "unit", None)
    return unit is not None and has_capability(actor, REGISTER) and unit.answering_organ.pk == unit.pk


def persons_visible_to(actor: Any) -> QuerySet[KeyPerson]:
    unit = getattr(actor, "unit", None)
    if unit is None or not getattr(actor, "is_authenticated", False):
        return KeyPerson.objects.none()
    if sees_register(actor):
        return KeyPerson.objects.filter(Q(unit_path__startswith=unit.path) | _owned(actor))
    return KeyPerson.objects.filter(_owned(actor))


def access_person_by_id(actor: Any, person_id: Any, request_meta: RequestMeta | None = None) -> KeyPerson:
    try:
        return (
            persons_visible_to(actor)
            .select_related("unit", "category", "case_owner", "stability_owner", "monitor", "petitioner")
            .get(pk=int(person_id))
        )
    except (KeyPerson.DoesNotExist, ValueError, TypeError, OverflowError):
        audit_access_denied(actor=actor, model=KeyPerson, target_id=person_id, request_meta=request_meta)
        raise NotFound() from None


def person_list(
    *,
    actor: Any,
    category: str = "",
    risk: str = "",
    unit: int | None = None,
    visit_overdue: bool = False,
    include_removed: bool = False,
    now: Any = None,
) -> QuerySet[KeyPerson]:
    rows = persons_visible_to(actor)
    if not include_removed:
        rows = rows.exclude(status=PersonStatus.REMOVED)
    if category:
        rows = rows.filter(category__code=category)
    if risk:
        rows = rows.filter(risk=risk)
    if unit is not None:
        from xinfang.organisation.selectors import units_visible_to

        path = units_visible_to(actor).filter(pk=unit).values_list("path", flat=True).first()
        rows = rows.filter(unit_path__startswith=path) if path else rows.none()
    if visit_overdue:
        rows = rows.filter(next_visit_due__lt=now or timezone.now())
    return rows.select_related("unit", "category", "case_owner", "stability_owner").order_by(
        "unit_path", "name", "pk"
    )


def groups_visible_to(actor: Any) -> QuerySet[KeyGroup]:
    unit = getattr(actor, "unit", None)
    if unit is None:
        return KeyGroup.objects.none()
    owned = Q(case_owner_id=actor.pk) | Q(stability_owner_id=actor.pk)
    if sees_register(actor):
        return KeyGroup.objects.filter(Q(unit_path__startswith=unit.path) | owned)
    return KeyGroup.objects.filter(owned)


def categories() -> list[KeyPersonCategory]:
    return list(KeyPersonCategory.objects.filter(active=True))
