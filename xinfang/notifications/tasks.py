"""Background jobs: thin callers of the services (Huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from .services import alerts_sweep, notifications_deliver


@db_task(retries=3, retry_delay=60)
def notifications_deliver_task(notification_ids: list[int]) -> int:
    """Sends new notifications through the outbound channel. Safe to retry: a retry sends only
    the ones not delivered yet (a failure raises, and Huey tries again up to three times)."""
    return notifications_deliver(notification_ids=notification_ids)


@db_periodic_task(crontab(minute="*/30"))
@lock_task("notifications-alerts-sweep")
def alerts_sweep_task() -> int:
    """Every 30 minutes: the deadline alert sweep. Idempotent (dedupe keys), so a run cut short
    is completed by the next; the lock keeps two runs from overlapping. Returns how many new."""
    return alerts_sweep().created
