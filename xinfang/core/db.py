"""A lock wait that still times out (SQLite "database is locked", PostgreSQL lock_timeout) is a
busy system, not a fault: pages and the API answer 503 with Retry-After, and the connection that
failed is made sound for the next request."""

from typing import Any

from django.db import DatabaseError, OperationalError, connections
from django.db.models import BigIntegerField, Func

BUSY_MESSAGE = "系统繁忙，请稍后重试。"
RETRY_AFTER_SECONDS = 5

# SQLite: SQLITE_BUSY / SQLITE_LOCKED; PostgreSQL: lock_timeout (SQLSTATE 55P03, lock_not_available)
_LOCK_PHRASES = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "database schema is locked",
    "due to lock timeout",
    "could not obtain lock",
)
_LOCK_SQLSTATES = {"55P03"}


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether exc is an OperationalError that says a lock wait timed out."""
    if not isinstance(exc, OperationalError):
        return False
    for err in (exc, exc.__cause__):
        if err is None:
            continue
        code = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None)
        if code in _LOCK_SQLSTATES:
            return True
        text = str(err).lower()
        if any(phrase in text for phrase in _LOCK_PHRASES):
            return True
    return False


def recover_connections() -> None:
    """After a lock timeout: a connection left in a transaction, marked for rollback or no longer
    usable is closed (the next query opens a fresh one). A connection inside an atomic block that is
    still open (a caller's, or a test's) is left to that block, which rolls back on its way out."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block:
            continue
        try:
            broken = (
                conn.needs_rollback
                or conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]
                or bool(getattr(conn.connection, "in_transaction", False))
            )
            if broken:
                conn.close()
            else:
                conn.close_if_unusable_or_obsolete()
        except DatabaseError:
            conn.close()


def remember_related(instance: Any, name: str, rows: list[Any]) -> None:
    """Makes `instance.<name>.all()` answer `rows` without a query, as `prefetch_related` would:
    for a row just written together with its related rows (a new petition's petitioners)."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    cache = getattr(instance, "_prefetched_objects_cache", None)
    if cache is None:
        cache = instance._prefetched_objects_cache = {}
    cache[name] = queryset


class Epoch(Func):
    """A datetime column as whole seconds since 1970-01-01 UTC, computed by the database: a query
    that reads tens of thousands of datetimes only to compare them (the duty coverage check)
    skips Django's per-value datetime parsing. SQLite stores UTC text; PostgreSQL a timestamptz."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)", **extra
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS BIGINT)", **extra
        )
