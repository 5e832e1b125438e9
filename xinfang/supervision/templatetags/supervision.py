"""Template tags of the supervision app: the petition page's supervision card loads its own data,
so the petition's view needs no change."""

from typing import Any

from django import template

from xinfang.petitions.models import Petition

from ..choices import SupervisionStatus
from ..models import Supervision
from ..selectors import five_package_progress, is_overdue, petition_supervisions_with_logs

register = template.Library()

STATUS_BADGES: dict[str, str] = {
    SupervisionStatus.PROPOSED: "text-bg-secondary",
    SupervisionStatus.OPEN: "text-bg-warning",
    SupervisionStatus.ANSWERED: "text-bg-info",
    SupervisionStatus.CLOSED: "text-bg-success",
    SupervisionStatus.ESCALATED: "text-bg-dark",
}


def decorate(supervision: Supervision) -> Supervision:
    """Row extras computed from the row itself: badge, overdue flag and 五包 progress."""
    supervision.status_badge = STATUS_BADGES.get(supervision.status, "text-bg-secondary")  # type: ignore[attr-defined]
    supervision.is_overdue = is_overdue(supervision)  # type: ignore[attr-defined]
    supervision.packages = five_package_progress(supervision)  # type: ignore[attr-defined]
    supervision.packages_done = sum(p.done for p in supervision.packages)  # type: ignore[attr-defined]
    return supervision


@register.simple_tag
def petition_supervisions(petition: Petition) -> list[Any]:
    """The petition's supervisions with their progress entries: at most two queries, one if the
    page's action guards have loaded the rows already."""
    return [decorate(s) for s in petition_supervisions_with_logs(petition)]


@register.filter
def person(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else "—"
