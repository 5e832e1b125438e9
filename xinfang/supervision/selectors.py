"""Reads of supervisions. A supervision is visible exactly when its petition is."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from xinfang.accounts.models import RoleAssignment, User
from xinfang.accounts.roles import Role
from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petition_scope_q

from .choices import FivePackage, SupervisionKind, SupervisionStatus
from .models import Supervision, SupervisionLog

ROW_RELATED = (
    "supervising_unit",
    "responsible_unit",
    "supervisor",
    "case_leader",
    "responsible_person",
)
LEADER_ROLES = (Role.LEADER, Role.PRINCIPAL)
# What a petition's supervisions are cached under, for the guards and the detail page's partial.
CACHE_ATTRIBUTE = "_supervision_rows"


def _through_petition(q: Q) -> Q:
    """A filter on petitions restated on the supervision's join to its petition."""
    restated = Q()
    restated.connector, restated.negated = q.connector, q.negated
    restated.children = [
        _through_petition(child) if isinstance(child, Q) else (f"petition__{child[0]}", child[1])  # type: ignore[index]
        for child in q.children
    ]
    return restated


def supervisions_visible_to(actor: Any) -> QuerySet[Supervision]:
    """Exactly the supervisions of the petitions `petitions_visible_to(actor)` returns. The
    petitions' scope is tested on the join rather than as `petition__in=<visible petitions>`:
    with a million petitions in a county's scope, listing their ids first costs seconds, while
    the newest supervisions, each joined to its petition by key, take milliseconds."""
    return Supervision.objects.filter(_through_petition(petition_scope_q(actor)))


def access_supervision_by_id(
    actor: Any, supervision_id: Any, request_meta: RequestMeta | None = None
) -> Supervision:
    """The same NotFound for a supervision that does not exist and for one outside scope; the
    latter is audited (ACCESS_DENIED, one more query on the miss path only)."""
    try:
        return (
            supervisions_visible_to(actor)
            .select_related("petition", *ROW_RELATED)
            .get(pk=int(supervision_id))
        )
    except (Supervision.DoesNotExist, ValueError, TypeError):
        audit_access_denied(
            actor=actor, model=Supervision, target_id=supervision_id, request_meta=request_meta
        )
        raise NotFound() from None


@dataclass(frozen=True)
class SupervisionFilter:
    tab: str = ""  # "normal", "listed", "proposed", "escalated"; "" for all
    status: str = ""
    kind: str = ""
    unit: Any = None  # a Unit: the responsible unit and the units below it


TABS: dict[str, tuple[str, dict[str, Any]]] = {
    "normal": ("督办", {"kind": SupervisionKind.NORMAL, "status__in": ["open", "answered", "closed"]}),
    "listed": ("挂牌督办", {"kind": SupervisionKind.LISTED}),
    "proposed": ("待确认", {"status": SupervisionStatus.PROPOSED}),
    "escalated": ("已升级", {"status": SupervisionStatus.ESCALATED}),
}


def supervision_list(*, actor: Any, filters: SupervisionFilter) -> QuerySet[Supervision]:
    """Newest first, with everything a row shows joined in (one query for a page of rows)."""
    qs = supervisions_visible_to(actor)
    if filters.tab in TABS:
        qs = qs.filter(**TABS[filters.tab][1])
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.unit is not None:
        qs = qs.filter(unit_path__startswith=filters.unit.path)
    return qs.select_related("petition", *ROW_RELATED).order_by("-id")


def petition_supervision_rows(petition: Petition) -> list[Supervision]:
    """The petition's supervisions, loaded once per petition instance: the guards of the
    supervision actions and the detail page's partial share this one query. Services drop the
    cache after a write (`petition_supervisions_forget`)."""
    rows = getattr(petition, CACHE_ATTRIBUTE, None)
    if rows is None:
        rows = list(
            Supervision.objects.filter(petition_id=petition.pk).select_related(*ROW_RELATED).order_by("-id")
        )
        for row in rows:
            row.petition = petition  # the steps' parties and guards read it: no query per row
        setattr(petition, CACHE_ATTRIBUTE, rows)
    return rows


def petition_supervisions_forget(petition: Petition) -> None:
    if hasattr(petition, CACHE_ATTRIBUTE):
        delattr(petition, CACHE_ATTRIBUTE)


def petition_supervisions_with_logs(petition: Petition) -> list[Supervision]:
    """For the detail page: the cached rows plus one query for all their progress entries."""
    rows = petition_supervision_rows(petition)
    if not rows:
        return rows
    logs: dict[int, list[SupervisionLog]] = {}
    for log in SupervisionLog.objects.filter(supervision__in=[s.pk for s in rows]).select_related("actor"):
        logs.setdefault(log.supervision_id, []).append(log)
    for row in rows:
        row.progress = logs.get(row.pk, [])  # type: ignore[attr-defined]
    return rows


@dataclass(frozen=True)
class PackageProgress:
    code: str
    label: str
    done: bool
    done_on: str | None


def five_package_progress(supervision: Supervision) -> list[PackageProgress]:
    """五包 in their fixed order; an item missing from the JSON counts as not done."""
    stored = supervision.five_packages or {}
    return [
        PackageProgress(
            code=code,
            label=label,
            done=bool(stored.get(code, {}).get("done")),
            done_on=stored.get(code, {}).get("done_on"),
        )
        for code, label in FivePackage.choices
    ]


def is_overdue(supervision: Supervision) -> bool:
    return supervision.status == SupervisionStatus.OPEN and supervision.deadline < timezone.localdate()


def unit_leaders(unit_ids: list[int]) -> dict[int, list[User]]:
    """The active leaders (分管领导, 主要领导) of each unit, in one query."""
    return staff_by_unit(unit_ids, tuple(LEADER_ROLES))


def staff_by_unit(unit_ids: Iterable[int], roles: tuple[str, ...]) -> dict[int, list[User]]:
    """The active users holding any of `roles` in each unit, each once, in one query."""
    staff: dict[int, list[User]] = {}
    assignments = (
        RoleAssignment.objects.filter(role__in=roles, user__unit_id__in=list(unit_ids), user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    seen: set[int] = set()
    for assignment in assignments:
        if assignment.user_id in seen:
            continue
        seen.add(assignment.user_id)
        if assignment.user.unit_id is not None:
            staff.setdefault(assignment.user.unit_id, []).append(assignment.user)
    return staff


def unit_staff(unit_id: int, roles: tuple[str, ...]) -> list[User]:
    """The active users of one unit holding any of `roles`."""
    return staff_by_unit([unit_id], roles).get(unit_id, [])
