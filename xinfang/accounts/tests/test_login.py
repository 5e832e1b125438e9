from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEntry, AuditEvent

LOGIN = "/accounts/login/"


def _login(client, username="clerk", password="Demo@2026"):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_renders_in_chinese(client, db):
    # when
    response = client.get(LOGIN)
    # then
    assert response.status_code == 200
    assert "信访维稳工作平台" in response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_right_password_signs_in_and_is_audited(client, clerk):
    # when
    response = _login(client)
    # then
    assert response.status_code == 302
    assert response.url == "/"
    assert AuditEntry.objects.filter(event=AuditEvent.LOGIN, actor=clerk).count() == 1
    home = client.get("/")
    assert "王接访" in home.content.decode()


def test_wrong_password_is_refused_without_saying_whether_user_exists(client, clerk):
    # when
    wrong_password = _login(client, password="nope")
    unknown_user = _login(client, username="nobody", password="nope")
    # then
    for response in (wrong_password, unknown_user):
        assert response.status_code == 400
        assert "用户名或密码错误。" in response.content.decode()
    assert AuditEntry.objects.filter(event=AuditEvent.LOGIN_FAILED, success=False).count() == 2


def test_five_failures_lock_the_account_for_fifteen_minutes(client, clerk):
    # given
    for _ in range(settings.LOGIN_MAX_FAILURES):
        _login(client, password="wrong-Password1")
    clerk.refresh_from_db()
    # then: locked for 15 minutes, even the right password is refused
    assert clerk.locked_until is not None
    remaining = clerk.locked_until - timezone.now()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    response = _login(client)
    assert response.status_code == 400
    assert "账号已锁定" in response.content.decode()
    assert AuditEntry.objects.filter(event=AuditEvent.ACCOUNT_LOCKED, target_id=str(clerk.pk)).count() == 1
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock_and_success_resets_the_count(client, clerk):
    # given
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        _login(client, password="wrong-Password1")
    # when
    response = _login(client)
    # then
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.locked_until is None
    assert clerk.failed_login_count == 0


def test_lock_expires_after_fifteen_minutes(client, clerk):
    # given
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    # when
    response = _login(client)
    # then
    assert response.status_code == 302


def test_security_admin_unlocks_an_account(client, clerk, secadmin):
    # given
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() + timedelta(minutes=10))
    client.force_login(secadmin)
    # when
    response = client.post(f"/accounts/users/{clerk.pk}/unlock/")
    # then
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.locked_until is None
    assert AuditEntry.objects.filter(event=AuditEvent.ACCOUNT_UNLOCKED, actor=secadmin).count() == 1


def test_session_ends_after_thirty_idle_minutes(client, clerk, monkeypatch):
    # given
    _login(client)
    assert client.get("/").status_code == 200
    later = timezone.now() + timedelta(minutes=settings.SESSION_IDLE_MINUTES, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # when
    response = client.get("/")
    # then
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(event=AuditEvent.SESSION_EXPIRED, actor=clerk).count() == 1


def test_activity_within_thirty_minutes_keeps_the_session(client, clerk, monkeypatch):
    # given
    _login(client)
    client.get("/")
    later = timezone.now() + timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # when
    response = client.get("/")
    # then
    assert response.status_code == 200


def test_logout_is_post_only_and_audited(client, clerk):
    # given
    _login(client)
    # when
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    # then
    assert response.status_code == 302
    assert AuditEntry.objects.filter(event=AuditEvent.LOGOUT, actor=clerk).count() == 1
    assert client.get("/").status_code == 302


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get("/units/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_next_parameter_cannot_redirect_off_site(client, clerk):
    response = client.post(
        LOGIN + "?next=https://evil.example/", {"username": "clerk", "password": "Demo@2026"}
    )
    assert response.url == "/"


def test_production_hasher_is_djangos_default_pbkdf2():
    from config.settings import base

    assert not hasattr(base, "PASSWORD_HASHERS")
    from django.conf import global_settings

    assert global_settings.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")


@pytest.mark.django_db
def test_passwords_are_stored_hashed(clerk):
    assert clerk.password != "Demo@2026"
    assert clerk.check_password("Demo@2026")


def test_security_admin_tightens_the_policy_and_it_applies_and_is_audited(client, secadmin, clerk):
    # given
    client.force_login(secadmin)
    # when
    response = client.post("/accounts/policy/", {"max_failures": 3, "lock_minutes": 60, "idle_minutes": 10})
    # then
    assert response.status_code == 302
    assert AuditEntry.objects.filter(event=AuditEvent.POLICY_CHANGED, actor=secadmin).count() == 1
    client.logout()
    for _ in range(3):
        _login(client, password="wrong-Password1")
    clerk.refresh_from_db()
    assert timedelta(minutes=59) < clerk.locked_until - timezone.now() <= timedelta(minutes=60)


def test_policy_out_of_range_is_refused_in_chinese(client, secadmin):
    client.force_login(secadmin)
    response = client.post("/accounts/policy/", {"max_failures": 50, "lock_minutes": 60, "idle_minutes": 60})
    body = response.content.decode()
    assert response.status_code == 200
    assert "3 到 10 次" in body
    assert "不超过 30 分钟" in body


@pytest.mark.parametrize("username", ["sysadmin", "auditor", "leader"])
def test_only_security_admin_edits_the_policy(client, demo, username):
    client.force_login(User.objects.get(username=username))
    assert client.get("/accounts/policy/").status_code == 403
