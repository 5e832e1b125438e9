"""Writes of supervisions (督查督办): the users' steps are the machine's (`..machine`); the
daily jobs here take the machine's system steps through the same transition function."""

from .common import PROPOSAL_BATCH, REPORT_WORKING_DAYS, report_deadline
from .jobs import EscalationReport, supervision_escalate_overdue, supervision_propose_overdue

__all__ = [
    "PROPOSAL_BATCH",
    "REPORT_WORKING_DAYS",
    "EscalationReport",
    "report_deadline",
    "supervision_escalate_overdue",
    "supervision_propose_overdue",
]
