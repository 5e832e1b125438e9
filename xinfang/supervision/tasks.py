"""Background jobs: thin callers of the services (Huey). Both are idempotent and safe to retry."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import supervision_escalate_overdue, supervision_propose_overdue


@db_periodic_task(crontab(hour="1", minute="10"))
def supervision_escalate_task() -> int:
    """Daily: open supervisions past their time limit go one level up."""
    return supervision_escalate_overdue(actor=None).escalated


@db_periodic_task(crontab(hour="1", minute="30"))
def supervision_propose_task() -> int:
    """Daily, after the escalation: overdue petitions without supervision get a proposal."""
    return supervision_propose_overdue(actor=None)
