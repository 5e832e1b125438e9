"""Rate limits of the public portal, counted in the database (PortalThrottle) so that every
worker and every host serving the portal counts together.

A limit allows `per` hits of one key in any `seconds`, estimated as a sliding window: hits are
counted in fixed windows, and the previous window's count weighs in for the part of it the
sliding window still covers (so a burst at a window's edge cannot pass twice the limit, as with
fixed windows). Keys are hashed: no address, ID number or petition number is stored in the table.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from xinfang.core.exceptions import ApplicationError

from .models import PortalThrottle

HOUR = 3600
DAY = 24 * HOUR


class Throttled(ApplicationError):
    status_code = 429


@dataclass(frozen=True)
class Limit:
    scope: str
    setting: str  # the settings name of the allowed count
    default: int
    seconds: int
    message: str

    @property
    def per(self) -> int:
        return int(getattr(settings, self.setting, self.default))


TRACK_PER_NUMBER = Limit(
    "track-number",
    "XINFANG_PORTAL_TRACK_FAILURES_PER_NUMBER",
    10,
    HOUR,
    "该编号查询失败次数过多，请一小时后再试。",
)
TRACK_PER_ADDRESS = Limit(
    "track-address",
    "XINFANG_PORTAL_TRACK_FAILURES_PER_ADDRESS",
    30,
    HOUR,
    "查询失败次数过多，请一小时后再试。",
)
SUBMIT_PER_ADDRESS = Limit(
    "submit-address",
    "XINFANG_PORTAL_SUBMITS_PER_ADDRESS",
    10,
    HOUR,
    "提交过于频繁，请一小时后再试；紧急情况请拨打 110。",
)
SUBMIT_PER_ID = Limit(
    "submit-id",
    "XINFANG_PORTAL_SUBMITS_PER_ID_NUMBER",
    5,
    DAY,
    "同一身份证号今天提交次数已达上限，请明天再试；已提交的事项可凭编号和查询码查询。",
)


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind a reverse proxy the header it sets
    (XINFANG_PORTAL_CLIENT_IP_HEADER, e.g. HTTP_X_REAL_IP; its last entry is the proxy's view)."""
    header = getattr(settings, "XINFANG_PORTAL_CLIENT_IP_HEADER", "")
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[-1].strip()[:64]
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


def _key(limit: Limit, value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{limit.scope}:{value}".encode()).hexdigest()


def _window(limit: Limit, now: datetime) -> datetime:
    seconds = int(now.timestamp()) // limit.seconds * limit.seconds
    return datetime.fromtimestamp(seconds, tz=now.tzinfo)


def used(limit: Limit, value: str, now: datetime | None = None) -> float:
    """The hits of `value` in the last `limit.seconds` (the sliding window's estimate)."""
    now = now or timezone.now()
    current = _window(limit, now)
    previous = current - timedelta(seconds=limit.seconds)
    counts = dict(
        PortalThrottle.objects.filter(
            key=_key(limit, value), window_start__in=(previous, current)
        ).values_list("window_start", "count")
    )
    still_covered = 1 - (now - current).total_seconds() / limit.seconds
    return counts.get(current, 0) + counts.get(previous, 0) * still_covered


def check(limit: Limit, value: str, now: datetime | None = None) -> None:
    """Raises Throttled (429) when `value` has used up `limit` in the last `limit.seconds`."""
    if used(limit, value, now) >= limit.per:
        raise Throttled(limit.message)


def hit(limit: Limit, value: str) -> None:
    """Counts one hit of `value` (its own short transaction)."""
    key = _key(limit, value)
    start = _window(limit, timezone.now())
    with transaction.atomic():
        if PortalThrottle.objects.filter(key=key, window_start=start).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                PortalThrottle.objects.create(key=key, window_start=start, count=1)
        except IntegrityError:
            PortalThrottle.objects.filter(key=key, window_start=start).update(count=F("count") + 1)


def purge() -> int:
    """Drops the windows that ended (the longest limit is a day)."""
    deleted, _ = PortalThrottle.objects.filter(window_start__lt=timezone.now() - timedelta(days=2)).delete()
    return deleted
