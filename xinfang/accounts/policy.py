"""Reads and changes the sign-in policy. Read on every request, so it is cached per process for a
few seconds; a change reaches every worker within POLICY_CACHE_SECONDS."""

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta

from .models import SecurityPolicy

POLICY_CACHE_SECONDS = 10
LIMITS = {
    "max_failures": (3, 10, "连续失败次数上限须在 3 到 10 次之间。"),
    "lock_minutes": (5, 1440, "锁定时长须在 5 到 1440 分钟之间。"),
    "idle_minutes": (5, 30, "无操作自动退出时间须在 5 到 30 分钟之间（等保要求不超过 30 分钟）。"),
}


@dataclass(frozen=True)
class Policy:
    max_failures: int
    lock_minutes: int
    idle_minutes: int


_cache: dict[str, Any] = {"value": None, "at": 0.0}


def policy_cache_clear() -> None:
    _cache.update(value=None, at=0.0)


def security_policy() -> Policy:
    now = time.monotonic()
    if _cache["value"] is not None and now - _cache["at"] < POLICY_CACHE_SECONDS:
        return _cache["value"]
    row = SecurityPolicy.objects.filter(pk=1).first()
    value = (
        Policy(row.max_failures, row.lock_minutes, row.idle_minutes)
        if row
        else Policy(settings.LOGIN_MAX_FAILURES, settings.LOGIN_LOCK_MINUTES, settings.SESSION_IDLE_MINUTES)
    )
    _cache.update(value=value, at=now)
    return value


@transaction.atomic
def policy_update(
    *,
    actor: Any,
    max_failures: int,
    lock_minutes: int,
    idle_minutes: int,
    request_meta: RequestMeta | None = None,
) -> Policy:
    values = {"max_failures": max_failures, "lock_minutes": lock_minutes, "idle_minutes": idle_minutes}
    errors = {k: msg for k, (low, high, msg) in LIMITS.items() if not low <= values[k] <= high}
    if errors:
        raise ValidationFailed("安全策略取值超出允许范围。", errors)
    old = security_policy()
    SecurityPolicy.objects.update_or_create(pk=1, defaults={**values, "updated_at": timezone.now()})
    policy_cache_clear()
    audit_record(
        actor=actor,
        event=AuditEvent.POLICY_CHANGED,
        target_type="accounts.securitypolicy",
        target_id=1,
        target_label="安全策略",
        request_meta=request_meta,
        old=old.__dict__,
        new=values,
    )
    return security_policy()
