"""Background jobs: thin callers of the services (Huey)."""

from huey.contrib.djhuey import db_task

from .services import notifications_deliver


@db_task(retries=3, retry_delay=60)
def notifications_deliver_task(notification_ids: list[int]) -> int:
    """Sends new notifications through the outbound channel. Safe to retry: a retry sends only
    the ones not delivered yet (a failure raises, and Huey tries again up to three times)."""
    return notifications_deliver(notification_ids=notification_ids)
