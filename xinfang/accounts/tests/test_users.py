import pytest

from xinfang.accounts.models import User
from xinfang.accounts.passwords import password_problems
from xinfang.accounts.services import user_set_roles
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import ValidationFailed


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Demo@2026", True),
        ("abcdEF12", True),
        ("abcd1234!", True),
        ("ABCD1234!", True),
        ("abcdefgh", False),
        ("abcd1234", False),
        ("Ab1!", False),
        ("ABCDEFGH1", False),
    ],
)
def test_password_needs_eight_characters_of_three_classes(password, ok):
    assert (password_problems(password) == []) is ok


def test_admin_created_account_must_change_password_at_first_login(client, sysadmin, unit_by_code):
    # given
    client.force_login(sysadmin)
    township = unit_by_code("341122101")
    # when
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "newclerk",
            "full_name": "新接访员",
            "unit": township.pk,
            "password": "Start#2026",
            "is_active": "on",
        },
    )
    # then
    assert response.status_code == 302
    new_user = User.objects.get(username="newclerk")
    assert new_user.must_change_password
    assert AuditEntry.objects.filter(event=AuditEvent.USER_CREATED, target_id=str(new_user.pk)).count() == 1
    # and at first login every page leads to the change form until the password is changed
    client.logout()
    client.post("/accounts/login/", {"username": "newclerk", "password": "Start#2026"})
    assert client.get("/").url == "/accounts/password/"
    response = client.post(
        "/accounts/password/",
        {"old_password": "Start#2026", "new_password": "Better#2026", "new_password_again": "Better#2026"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    new_user.refresh_from_db()
    assert not new_user.must_change_password


def test_weak_new_password_is_refused_with_chinese_reason(client, clerk):
    # given
    client.force_login(clerk)
    # when
    response = client.post(
        "/accounts/password/",
        {"old_password": "Demo@2026", "new_password": "abcdefgh", "new_password_again": "abcdefgh"},
    )
    # then
    assert response.status_code == 200
    assert "至少三类" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password("Demo@2026")


def test_user_creation_with_bad_input_writes_nothing(client, sysadmin):
    # given
    client.force_login(sysadmin)
    before = User.objects.count()
    # when
    response = client.post("/accounts/users/new/", {"username": "clerk", "full_name": "", "password": "weak"})
    # then
    assert response.status_code == 200
    assert User.objects.count() == before


def test_administrator_roles_cannot_be_combined(secadmin, clerk):
    # when / then
    with pytest.raises(ValidationFailed, match="三员分立"):
        user_set_roles(actor=secadmin, user=clerk, roles={"clerk", "auditor"})
    assert set(clerk.role_assignments.values_list("role", flat=True)) == {"clerk"}


def test_security_admin_assigns_roles_and_it_is_audited(client, secadmin, clerk):
    # given
    client.force_login(secadmin)
    # when
    response = client.post(f"/accounts/users/{clerk.pk}/roles/", {"roles": ["clerk", "duty"]})
    # then
    assert response.status_code == 302
    assert set(clerk.role_assignments.values_list("role", flat=True)) == {"clerk", "duty"}
    entry = AuditEntry.objects.get(event=AuditEvent.ROLES_CHANGED, actor=secadmin)
    assert entry.extra_data == {"old": ["clerk"], "new": ["clerk", "duty"]}


@pytest.mark.parametrize("username", ["sysadmin", "auditor", "clerk", "leader"])
def test_only_security_admin_may_assign_roles(client, demo, username):
    # given
    client.force_login(User.objects.get(username=username))
    target = User.objects.get(username="handler")
    # when
    response = client.post(f"/accounts/users/{target.pk}/roles/", {"roles": ["leader"]})
    # then
    assert response.status_code == 403
    assert set(target.role_assignments.values_list("role", flat=True)) == {"handler"}


def test_auditor_sees_audit_log_and_nothing_of_user_management(client, auditor):
    client.force_login(auditor)
    assert client.get("/audit/").status_code == 200
    assert client.get("/accounts/users/").status_code == 403
    assert client.get("/units/").status_code == 403


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "clerk", "leader", "county-leader"])
def test_only_auditor_reads_audit_log(client, demo, username):
    client.force_login(User.objects.get(username=username))
    assert client.get("/audit/").status_code == 403


def test_user_list_pins_its_query_count(client, sysadmin, django_assert_max_num_queries):
    client.force_login(sysadmin)  # (+1: the inbox badge)
    with django_assert_max_num_queries(12):
        response = client.get("/accounts/users/")
    assert response.status_code == 200
    assert "village-handler" in response.content.decode()
