"""Issue 15: API tokens expire (idle and absolute), die with a password change, reset or
deactivation, are refused while a forced password change is pending, and rejections are audited."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.accounts.models import ApiToken, User
from xinfang.accounts.policy import policy_update
from xinfang.accounts.services import password_change, token_issue, user_reset_password, user_update
from xinfang.audit.models import AuditEntry, AuditEvent

ME = "/api/v1/auth/me"


def _me(client, key: str):
    return client.get(ME, HTTP_AUTHORIZATION=f"Bearer {key}")


def _age(key: str, *, created: timedelta, used: timedelta | None) -> None:
    now = timezone.now()
    ApiToken.objects.filter(key_hash=ApiToken.hash_key(key)).update(
        created_at=now - created, last_used_at=None if used is None else now - used
    )


def _rejections() -> int:
    return AuditEntry.objects.filter(event=AuditEvent.TOKEN_REJECTED, success=False).count()


def test_a_token_idle_past_the_session_limit_is_rejected_and_audited(client, clerk):
    # given
    key = token_issue(user=clerk)
    _age(key, created=timedelta(minutes=40), used=timedelta(minutes=31))
    # when
    response = _me(client, key)
    # then
    assert response.status_code == 401
    assert _rejections() == 1


def test_a_token_used_within_the_idle_limit_works(client, clerk):
    key = token_issue(user=clerk)
    _age(key, created=timedelta(minutes=40), used=timedelta(minutes=29))
    assert _me(client, key).status_code == 200


def test_the_idle_limit_follows_the_security_policy(client, clerk, secadmin):
    key = token_issue(user=clerk)
    policy_update(actor=secadmin, max_failures=5, lock_minutes=15, idle_minutes=10)
    _age(key, created=timedelta(minutes=20), used=timedelta(minutes=11))
    assert _me(client, key).status_code == 401


def test_a_never_used_token_is_idle_from_its_issue(client, clerk):
    key = token_issue(user=clerk)
    _age(key, created=timedelta(minutes=31), used=None)
    assert _me(client, key).status_code == 401


def test_a_token_expires_after_twelve_hours_however_busy(client, clerk):
    key = token_issue(user=clerk)
    _age(key, created=timedelta(hours=12, minutes=1), used=timedelta(seconds=30))
    assert _me(client, key).status_code == 401
    assert _rejections() == 1


def test_the_absolute_limit_is_a_setting(client, clerk, settings):
    settings.XINFANG_TOKEN_MAX_HOURS = 2
    key = token_issue(user=clerk)
    _age(key, created=timedelta(hours=2, minutes=1), used=timedelta(seconds=30))
    assert _me(client, key).status_code == 401


def test_last_use_is_written_at_most_once_a_minute(client, clerk):
    key = token_issue(user=clerk)
    assert _me(client, key).status_code == 200
    stamped = ApiToken.objects.get(user=clerk).last_used_at
    assert stamped is not None
    assert _me(client, key).status_code == 200
    assert ApiToken.objects.get(user=clerk).last_used_at == stamped


@pytest.mark.parametrize("key", ["not-a-token", "x" * 43])
def test_unknown_tokens_are_audited(client, db, key):
    assert _me(client, key).status_code == 401
    assert _rejections() == 1


def test_revoked_token_is_audited_when_used(client, clerk):
    key = token_issue(user=clerk)
    assert client.delete("/api/v1/auth/token", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert _me(client, key).status_code == 401
    entry = AuditEntry.objects.get(event=AuditEvent.TOKEN_REJECTED)
    assert entry.extra_data["reason"] == "revoked"


def test_password_change_revokes_the_users_tokens(client, clerk):
    key = token_issue(user=clerk)
    password_change(actor=clerk, old_password="Demo@2026", new_password="Other#2026x")
    assert _me(client, key).status_code == 401


def test_a_token_issued_before_a_reset_stops_working(client, clerk, sysadmin):
    key = token_issue(user=clerk)
    user_reset_password(actor=sysadmin, user=clerk, new_password="Temp#Reset2026")
    assert _me(client, key).status_code == 401


def test_deactivation_revokes_the_users_tokens(clerk, sysadmin):
    token_issue(user=clerk)
    user_update(
        actor=sysadmin, user=clerk, full_name=clerk.full_name, unit=clerk.unit, phone="", is_active=False
    )
    assert not ApiToken.objects.filter(user=clerk, revoked_at__isnull=True).exists()


def test_pending_forced_change_refuses_a_token(client, clerk):
    # given
    User.objects.filter(pk=clerk.pk).update(must_change_password=True)
    # when
    response = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "clerk", "password": "Demo@2026"}),
        content_type="application/json",
    )
    # then
    assert response.status_code == 403
    assert "修改密码" in response.json()["message"]
    assert not ApiToken.objects.filter(user=clerk).exists()


def test_pending_forced_change_refuses_an_existing_token(client, clerk):
    key = token_issue(user=clerk)
    User.objects.filter(pk=clerk.pk).update(must_change_password=True)
    response = client.get("/api/v1/petitions", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    assert "修改密码" in response.json()["message"]
