"""Writes of supervisions (督查督办): the users' actions (effects of the petition's transition
function, registered in `..actions`) and the daily jobs."""

from .actions import (
    answer_supervision,
    close_supervision,
    confirm_supervision,
    delist_supervision,
    dismiss_supervision,
    list_supervision,
    log_supervision,
    supervise,
)
from .common import PROPOSAL_BATCH, REPORT_WORKING_DAYS, report_deadline
from .jobs import EscalationReport, supervision_escalate_overdue, supervision_propose_overdue

__all__ = [
    "PROPOSAL_BATCH",
    "REPORT_WORKING_DAYS",
    "EscalationReport",
    "answer_supervision",
    "close_supervision",
    "confirm_supervision",
    "delist_supervision",
    "dismiss_supervision",
    "list_supervision",
    "log_supervision",
    "report_deadline",
    "supervise",
    "supervision_escalate_overdue",
    "supervision_propose_overdue",
]
