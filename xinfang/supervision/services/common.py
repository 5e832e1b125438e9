"""Helpers the supervision actions and the daily jobs share."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.dates import date_cn
from xinfang.deadlines.selectors import working_days_after
from xinfang.notifications.services import notify
from xinfang.petitions.models import Petition

from ..choices import SupervisionStatus

ST = SupervisionStatus
# The time the supervised unit gets to report when the supervisor sets none (by the calendar engine).
REPORT_WORKING_DAYS = 5
PROPOSAL_BATCH = 1000
RESPONSIBLE_ROLES = (Role.HANDLER, Role.LEADER, Role.PRINCIPAL)
# who is told that the daily job proposed supervisions: those who confirm or dismiss them
PROPOSAL_ROLES = (Role.SUPERVISOR, Role.CLERK)
SUPERVISOR_CAPABILITIES = ("supervision.manage", "petitions.accept", "petitions.approve")


def report_deadline(start: date) -> date:
    """`REPORT_WORKING_DAYS` working days after `start`, by the calendar engine."""
    return working_days_after(start, REPORT_WORKING_DAYS)


def notice_context(supervision: Any) -> dict[str, Any]:
    """What the 督查督办通知单 says of a supervision beyond the common fields (unit, number,
    petition): to whom, why, how and by when."""
    return {
        "to_unit": supervision.responsible_unit.name,
        "trigger_label": supervision.get_trigger_display(),
        "method_label": supervision.get_method_display(),
        "deadline_cn": date_cn(supervision.deadline),
        "note": supervision.note,
    }


def person_name(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else ""


def notify_users(
    *,
    recipients: Iterable[User | None],
    kind: str,
    title: str,
    body: str,
    petition: Petition,
    dedupe_key: str,
    actor: Any = None,
) -> None:
    """Notifies each user once (None entries skipped) with a link to the petition page; not the
    `actor`, who needs no message about their own act."""
    skip = getattr(actor, "pk", None)
    unique = list({user.pk: user for user in recipients if user is not None and user.pk != skip}.values())
    if unique:
        notify(
            recipients=unique,
            kind=kind,
            title=title,
            body=body,
            owner=petition,
            link=reverse("petitions:detail", args=[petition.pk]),
            dedupe_key=dedupe_key,
        )
