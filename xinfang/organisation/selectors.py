"""Reads of the unit tree, and the scope filter every other app builds on."""

from typing import Any

from django.db.models import Q, QuerySet

from xinfang.accounts.permissions import sees_subtree
from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta

from .models import Unit


def scope_q(
    actor: Any, *, unit_field: str = "unit", path_field: str | None = None, as_range: bool = False
) -> Q:
    """The filter that keeps a record whose `unit_field` lies in the actor's scope.

    Every scoped queryset of the product is built from this one function. A user with no unit
    sees nothing. Large tables keep a copy of their unit's path in `path_field`, so that the
    subtree test is an indexed prefix match on the table itself rather than a join. `as_range`
    states the prefix as a range, for counts that an index on the path alone can answer; list
    queries keep the prefix form, under which SQLite plans them by their other indexes.
    """
    unit = getattr(actor, "unit", None)
    if unit is None or not getattr(actor, "is_authenticated", False):
        return Q(pk__in=[])
    if sees_subtree(actor):
        field = path_field or f"{unit_field}__path"
        if as_range:
            # The same set as the prefix, as a range SQLite can seek in an index (it never uses an
            # index for LIKE 'x%'); paths end in "/", and "0" is the character after "/".
            return Q(**{f"{field}__gte": unit.path, f"{field}__lt": unit.path[:-1] + "0"})
        return Q(**{f"{field}__startswith": unit.path})
    return Q(**{f"{unit_field}_id": unit.pk})


def units_visible_to(actor: Any) -> QuerySet[Unit]:
    unit = getattr(actor, "unit", None)
    if unit is None:
        return Unit.objects.none()
    if sees_subtree(actor):
        return Unit.objects.filter(path__startswith=unit.path)
    return Unit.objects.filter(pk=unit.pk)


def access_unit_by_id(actor: Any, unit_id: int, request_meta: RequestMeta | None = None) -> Unit:
    """The same NotFound whether the unit does not exist or lies outside the actor's scope; the
    latter is audited (ACCESS_DENIED)."""
    try:
        return units_visible_to(actor).select_related("parent").get(pk=unit_id)
    except (Unit.DoesNotExist, ValueError, TypeError):
        audit_access_denied(actor=actor, model=Unit, target_id=unit_id, request_meta=request_meta)
        raise NotFound() from None


def unit_list(*, actor: Any, q: str = "", unit_type: str = "", active_only: bool = False) -> QuerySet[Unit]:
    qs = units_visible_to(actor).select_related("parent")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__icontains=q))
    if unit_type:
        qs = qs.filter(unit_type=unit_type)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("path")
