"""Issue 15 (三员分立): who may reset whose password, and what every reset does."""

import pytest

from xinfang.accounts.models import ApiToken, User
from xinfang.accounts.services import token_issue, user_reset_password
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import PermissionDenied
from xinfang.notifications.models import Notification

NEW = "Temp#Reset2026"


def _reset(client, target: User):
    return client.post(f"/accounts/users/{target.pk}/reset-password/", {"new_password": NEW})


@pytest.mark.parametrize("username", ["auditor", "secadmin"])
def test_system_admin_cannot_reset_an_administrator_account(client, sysadmin, username):
    # given
    target = User.objects.get(username=username)
    before = target.password
    client.force_login(sysadmin)
    # when
    response = _reset(client, target)
    # then: refused in Chinese, nothing changed, and the edit page offers no reset
    assert response.status_code == 403
    assert "安全管理员" in response.content.decode()
    target.refresh_from_db()
    assert target.password == before
    assert not target.must_change_password
    page = client.get(f"/accounts/users/{target.pk}/")
    assert page.status_code == 200
    assert "reset-password" not in page.content.decode()
    # and signing in with the would-be password fails
    client.logout()
    assert client.post("/accounts/login/", {"username": username, "password": NEW}).status_code == 400


def test_service_refuses_the_system_admin_for_an_administrator_account(sysadmin, auditor):
    with pytest.raises(PermissionDenied):
        user_reset_password(actor=sysadmin, user=auditor, new_password=NEW)


def test_security_admin_resets_an_administrator_account(client, secadmin, auditor):
    # given
    client.force_login(secadmin)
    page = client.get(f"/accounts/users/{auditor.pk}/roles/")
    assert f"/accounts/users/{auditor.pk}/reset-password/" in page.content.decode()
    # when
    response = _reset(client, auditor)
    # then
    assert response.status_code == 302
    auditor.refresh_from_db()
    assert auditor.check_password(NEW)
    assert auditor.must_change_password


def test_security_admin_does_not_reset_business_accounts(client, secadmin, clerk):
    client.force_login(secadmin)
    assert _reset(client, clerk).status_code == 403


def test_system_admin_still_resets_a_business_account(client, sysadmin, leader):
    client.force_login(sysadmin)
    page = client.get(f"/accounts/users/{leader.pk}/")
    assert f"/accounts/users/{leader.pk}/reset-password/" in page.content.decode()
    assert _reset(client, leader).status_code == 302
    leader.refresh_from_db()
    assert leader.check_password(NEW)


def test_every_reset_is_audited_notified_forces_a_change_and_revokes_tokens(client, sysadmin, leader):
    # given
    key = token_issue(user=leader)
    # when
    user_reset_password(actor=sysadmin, user=leader, new_password=NEW)
    # then
    leader.refresh_from_db()
    assert leader.must_change_password
    assert AuditEntry.objects.filter(
        event=AuditEvent.PASSWORD_RESET, actor=sysadmin, target_id=str(leader.pk)
    ).exists()
    assert not ApiToken.objects.filter(user=leader, revoked_at__isnull=True).exists()
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    notice = Notification.objects.get(recipient=leader)
    assert "密码已被重置" in notice.title
    assert "安全管理员" in notice.body


def test_nobody_resets_their_own_password_through_the_reset(secadmin):
    with pytest.raises(PermissionDenied):
        user_reset_password(actor=secadmin, user=secadmin, new_password=NEW)


@pytest.mark.parametrize("username", ["auditor", "secadmin"])
def test_system_admin_cannot_deactivate_or_move_an_administrator_account(client, sysadmin, username):
    """三员分立: the system administrator could switch off the audit administrator's account."""
    from xinfang.accounts.services import user_update

    # given
    target = User.objects.get(username=username)
    client.force_login(sysadmin)
    # when: through the page, and through the service
    page = client.post(
        f"/accounts/users/{target.pk}/",
        {
            "username": target.username,
            "full_name": "改名",
            "unit": target.unit_id,
            "phone": "",
            "is_active": "",
        },
    )
    with pytest.raises(PermissionDenied, match="只能由安全管理员"):
        user_update(
            actor=sysadmin, user=target, full_name="改名", unit=target.unit, phone="", is_active=False
        )
    # then
    assert "只能由安全管理员" in page.content.decode()
    target.refresh_from_db()
    assert (target.is_active, target.full_name) != (False, "改名")
    assert target.is_active


def test_security_admin_may_deactivate_the_audit_administrator_but_not_themselves(secadmin, auditor):
    from xinfang.accounts.services import user_update
    from xinfang.core.exceptions import ValidationFailed

    user_update(
        actor=secadmin,
        user=auditor,
        full_name=auditor.full_name,
        unit=auditor.unit,
        phone="",
        is_active=False,
    )
    auditor.refresh_from_db()
    assert not auditor.is_active
    with pytest.raises(ValidationFailed, match="不能停用自己的账号"):
        user_update(
            actor=secadmin,
            user=secadmin,
            full_name=secadmin.full_name,
            unit=secadmin.unit,
            phone="",
            is_active=False,
        )
