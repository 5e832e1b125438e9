"""Reads of notifications (each user sees only their own) and of the deadline sweep's candidates."""

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from xinfang.core.exceptions import NotFound
from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.petitions.choices import OPEN_STATUSES, PetitionStatus
from xinfang.petitions.models import Petition

from .models import Notification

S = PetitionStatus

# The step (环节) whose time limit runs in each open state. 已答复 has none: the answer closes
# the clock (the petitioner's review window is theirs, not the office's).
STEP_BY_STATUS: dict[str, str] = {
    S.REGISTERED: "受理",
    S.TRANSFERRED: "受理",
    S.ACCEPTED: "办理",
    S.ASSIGNED: "办理",
    S.HANDLING: "办理",
    S.REPORT_PENDING: "办理",
    S.APPROVED: "办理",
    S.REVIEW: "复查",
    S.REREVIEW: "复核",
}
# The open clock's rule (deadlines.Deadline.rule) names the step more precisely than the state.
STEP_BY_RULE: dict[str, str] = {
    "acceptance": "受理",
    "transfer": "转送",
    "handling": "办理",
    "handling_important": "办理",
    "review_decision": "复查",
    "rereview_decision": "复核",
}
ASSIGNMENT_STEP = "交办"
ALERT_STATUSES = frozenset(STEP_BY_STATUS) & OPEN_STATUSES
CANDIDATE_FIELDS = (
    "pk",
    "number",
    "status",
    "current_deadline",
    "assignment_due",
    "unit_id",
    "handling_unit_id",
    "handler_id",
)


def notification_list(*, recipient: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The inbox, newest first (index (recipient, created_at); unread: (recipient, read_at, …))."""
    qs = Notification.objects.filter(recipient=recipient)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_unread_count(*, recipient: Any) -> int:
    """The badge: one COUNT over the (recipient, read_at) index."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).count()


def access_notification_by_id(actor: Any, notification_id: Any) -> Notification:
    """The same NotFound for a notification that does not exist and for another user's."""
    try:
        return Notification.objects.get(pk=int(notification_id), recipient=actor)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def alert_boundary(today: date) -> date:
    """The last due date that is "near" today: the XINFANG_ALERT_WORKING_DAYS-th working day
    after today by the calendar engine, as `petitions.selectors.warning_boundary` counts."""
    result = compute_deadline(
        start=today,
        amount=settings.XINFANG_ALERT_WORKING_DAYS,
        unit="working_days",
        calendar=calendar_load(),
    )
    assert result.due_date is not None
    return result.due_date


def alert_candidates(*, boundary: date, after: int, limit: int) -> list[dict[str, Any]]:
    """The next `limit` open petitions, by id after `after`, whose deadline is on or before
    `boundary` (keyset pagination: each batch is one range read, however far the walk has got).
    Plain rows, not model instances: the sweep reads up to a million of them."""
    return list(
        Petition.objects.filter(status__in=ALERT_STATUSES, current_deadline__lte=boundary, pk__gt=after)
        .order_by("pk")
        .values(*CANDIDATE_FIELDS)[:limit]
    )


def alert_step(*, status: str, current_deadline: date, assignment_due: date | None, rule: str | None) -> str:
    """受理 / 办理 / 交办 / 复查 / 复核: the step whose time limit `current_deadline` is."""
    if assignment_due is not None and assignment_due == current_deadline:
        return ASSIGNMENT_STEP
    return STEP_BY_RULE.get(rule or "") or STEP_BY_STATUS.get(status, "办理")
