"""Issue 15, holding the database: a lock wait that still times out answers 503 with a Chinese
message and Retry-After (never 500), and the next request on the same client is served."""

import sqlite3

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

from xinfang.core.db import is_lock_timeout
from xinfang.petitions import selectors

PAGE = "/petitions/"
API = "/api/v1/petitions"


def _locked_once(monkeypatch, raise_lock):  # type: ignore[no-untyped-def]
    """The petition list selector fails once with raise_lock(), then works again."""
    real = selectors.petition_list
    calls = {"n": 0}

    def petition_list(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise_lock()
        return real(*args, **kwargs)

    monkeypatch.setattr(selectors, "petition_list", petition_list)


def _raise_locked() -> None:
    raise OperationalError("database is locked")


def _assert_busy_page(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "系统繁忙，请稍后重试。" in body
    assert "信访维稳工作平台" in body  # the product's layout, not a bare error


def _assert_busy_api(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"message": "系统繁忙，请稍后重试。", "errors": {}}


def test_a_page_answers_503_when_the_database_is_locked(client, clerk, monkeypatch):
    client.force_login(clerk)
    _locked_once(monkeypatch, _raise_locked)
    _assert_busy_page(client.get(PAGE))
    assert client.get(PAGE).status_code == 200
    assert connection.is_usable()


def test_the_api_answers_503_when_the_database_is_locked(api_client, clerk, monkeypatch):
    api = api_client(clerk)
    _locked_once(monkeypatch, _raise_locked)
    _assert_busy_api(api.get(API))
    assert api.get(API).status_code == 200


def test_postgres_lock_timeout_is_busy_too(api_client, clerk, monkeypatch):
    def raise_pg_lock_timeout() -> None:
        raise OperationalError("canceling statement due to lock timeout")

    api = api_client(clerk)
    _locked_once(monkeypatch, raise_pg_lock_timeout)
    _assert_busy_api(api.get(API))


def test_another_database_fault_is_not_called_busy(api_client, clerk, monkeypatch):
    def raise_other() -> None:
        raise OperationalError("no such table: petitions_petition")

    api = api_client(clerk)
    _locked_once(monkeypatch, raise_other)
    with pytest.raises(OperationalError):
        api.get(API)


def test_lock_timeouts_are_recognised():
    class PgError(Exception):
        sqlstate = "55P03"

    pg = OperationalError("could not obtain lock on row")
    pg.__cause__ = PgError()
    assert is_lock_timeout(OperationalError("database is locked"))
    assert is_lock_timeout(OperationalError("database table is locked: petitions_petition"))
    assert is_lock_timeout(pg)
    assert not is_lock_timeout(OperationalError("disk I/O error"))
    assert not is_lock_timeout(ValueError("database is locked"))


@pytest.fixture
def locked_file_database(tmp_path):  # type: ignore[no-untyped-def]
    """A temporary file-based SQLite database whose write lock a second connection holds
    (BEGIN IMMEDIATE), configured for Django as the alias "busy" with a 50 ms busy timeout."""
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x INTEGER)")
    busy = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0.05},
    }
    # Made here, not in DATABASES: Django's test case allows a connection created on the fly.
    settings = connections.configure_settings({"default": connections.settings["default"], "busy": busy})
    connections["busy"] = SQLiteWrapper(settings["busy"], alias="busy")
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()
        connections["busy"].close()
        del connections["busy"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a real SQLite write lock")
def test_a_real_write_lock_held_elsewhere_answers_503(api_client, clerk, monkeypatch, locked_file_database):
    def write_while_locked() -> None:
        with transaction.atomic(using="busy"):  # BEGIN IMMEDIATE waits 50 ms, then gives up
            connections["busy"].cursor().execute("INSERT INTO t VALUES (1)")

    with pytest.raises(OperationalError) as raised:
        write_while_locked()
    assert is_lock_timeout(raised.value)

    api = api_client(clerk)
    _locked_once(monkeypatch, write_while_locked)
    _assert_busy_api(api.get(API))
    assert api.get(API).status_code == 200

    # The connection that timed out was kept (it is sound); once the lock is released it writes.
    busy = connections["busy"]
    assert busy.connection is not None
    assert not busy.needs_rollback
    assert busy.get_autocommit()
    locked_file_database.execute("ROLLBACK")
    write_while_locked()
    assert connections["busy"].cursor().execute("SELECT count(*) FROM t").fetchone() == (1,)
