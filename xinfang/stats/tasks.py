"""Background jobs of the statistics: thin callers of the services (Huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import stats_compact


@db_periodic_task(crontab(hour="0", minute="10"))
def stats_compact_nightly() -> int:
    """Folds yesterday's passed deadlines into the PAST rows (figures do not change; the open
    tables stay small). Idempotent, safe to retry."""
    return stats_compact(actor=None)
