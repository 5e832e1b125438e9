"""Issue 15: sign-in does not tell unknown users from real ones (message, status, hasher work),
and the failure count is read under a row lock so that parallel guesses cannot exceed the limit."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import get_hasher
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.services import GENERIC_LOGIN_ERROR, auth_authenticate
from xinfang.core.exceptions import ApplicationError

LOGIN = "/accounts/login/"


@pytest.fixture
def hasher_calls(monkeypatch):
    """Counts runs of the password hasher (the slow part of a sign-in)."""
    calls: list[str] = []
    hasher = type(get_hasher())  # the configured one (tests may use a fast one)
    real = hasher.encode

    def encode(self, password, salt, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(password)
        return real(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher, "encode", encode)
    return calls


def _refusal(username: str, password: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        auth_authenticate(username=username, password=password)
    return exc.value


def test_an_unknown_user_costs_the_hasher_like_a_real_one(clerk, hasher_calls):
    _refusal("clerk", "wrong-Password1")
    real = len(hasher_calls)
    hasher_calls.clear()
    _refusal("nobody", "wrong-Password1")
    assert real >= 1
    assert len(hasher_calls) == real


def test_a_locked_account_costs_the_hasher_too(clerk, hasher_calls):
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() + timedelta(minutes=10))
    _refusal("clerk", "Demo@2026")
    assert len(hasher_calls) >= 1


def test_unknown_wrong_and_locked_read_the_same(client, clerk, leader):
    # given: clerk locked, leader not
    User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() + timedelta(minutes=10))
    # when
    unknown = _refusal("nobody", "Demo@2026")
    wrong = _refusal("leader", "wrong-Password1")
    locked = _refusal("clerk", "Demo@2026")
    # then
    assert unknown.message == wrong.message == locked.message == GENERIC_LOGIN_ERROR
    assert unknown.status_code == wrong.status_code == locked.status_code
    pages = [
        client.post(LOGIN, {"username": u, "password": p})
        for u, p in (("nobody", "Demo@2026"), ("leader", "bad"), ("clerk", "Demo@2026"))
    ]
    assert {r.status_code for r in pages} == {400}
    assert all(GENERIC_LOGIN_ERROR in r.content.decode() for r in pages)


def test_the_failure_count_is_read_under_a_row_lock(clerk, monkeypatch):
    """SQLite has no row locks, so a thread race proves nothing here: the account row must be
    read with SELECT … FOR UPDATE (PostgreSQL then serialises the attempts on one account)."""
    locked_reads: list[str] = []
    real = SQLCompiler.as_sql

    def as_sql(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.query.model is User and self.query.select_for_update:
            locked_reads.append(str(self.query.model))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    _refusal("clerk", "wrong-Password1")
    assert locked_reads
