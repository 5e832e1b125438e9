"""Background jobs: thin callers of the services (Huey)."""

import logging
from datetime import date

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from .selectors import calendar_year_status
from .services import deadline_recompute_affected
from .sweep import deadlines_sweep

logger = logging.getLogger(__name__)


@db_task()
def recompute_deadlines_task(dates: list[str]) -> int:
    """Recomputes the open deadlines a calendar change touched. Safe to retry."""
    return deadline_recompute_affected(dates=[date.fromisoformat(day) for day in dates], actor=None)


@db_periodic_task(crontab(minute="*"))
@lock_task("deadlines-sweep")
def deadlines_sweep_task() -> int:
    """Every minute: the deadline sweep (overdue clocks to their owners, and the owners' scans
    when due). Cheap when nothing is due (one index seek); idempotent, so a run cut short is
    completed by the next; the lock keeps two runs from overlapping. Returns how many new."""
    return deadlines_sweep().created


@db_periodic_task(crontab(hour="2", minute="0"))
def calendar_check_next_year() -> bool:
    """Daily: warns in the log while this or next year's schedule is not entered.

    The State Council publishes next year's schedule around November, so a missing next year is
    only worth a warning from November on; a missing current year always is. Writes nothing.
    Returns whether next year is covered.
    """
    today = timezone.localdate()
    current = calendar_year_status(today.year)
    upcoming = calendar_year_status(today.year + 1)
    if not current.is_covered:
        logger.warning("节假日安排缺失：%s", current.warning)
    if not upcoming.is_covered and today.month >= 11:
        logger.warning("节假日安排缺失：%s", upcoming.warning)
    return upcoming.is_covered
