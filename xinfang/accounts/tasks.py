"""Background jobs of the accounts app (Huey)."""

import logging

from django.contrib.sessions.models import Session
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

logger = logging.getLogger(__name__)


def sessions_clear_expired() -> int:
    """Removes expired sessions so that the session table does not grow without bound."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@db_periodic_task(crontab(minute="17"))
def clear_expired_sessions_task() -> int:
    deleted = sessions_clear_expired()
    if deleted:
        logger.info("removed %d expired sessions", deleted)
    return deleted
