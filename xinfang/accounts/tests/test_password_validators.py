"""Issue 15: common passwords and passwords like the account's own name are refused, in Chinese."""

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from xinfang.accounts.models import User


def _problems(password: str, user: User | None = None) -> list[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.mark.parametrize("password", ["Password1", "Password123", "Qwerty123"])
def test_a_common_password_is_refused_in_chinese(db, password):
    problems = _problems(password)
    assert problems
    assert any("常见" in p for p in problems)


def test_a_password_like_the_username_is_refused_in_chinese(db):
    user = User(username="zhangsan2026", full_name="张三")
    problems = _problems("Zhangsan2026", user)
    assert any("相似" in p for p in problems)


def test_the_demo_password_still_passes(db):
    assert _problems("Demo@2026", User(username="clerk")) == []


def test_weak_reset_password_is_refused_on_the_page(client, sysadmin, clerk):
    client.force_login(sysadmin)
    client.post(f"/accounts/users/{clerk.pk}/reset-password/", {"new_password": "Password1"})
    clerk.refresh_from_db()
    assert not clerk.check_password("Password1")
