"""The database's own guard of the audit log: a row in the archive window table cannot open the
log to DELETE beyond the retention period, and on PostgreSQL TRUNCATE is refused too."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from xinfang.audit.models import ArchiveWindow, AuditEntry, AuditEvent
from xinfang.audit.services import audit_record

TABLE = AuditEntry._meta.db_table
WINDOW = ArchiveWindow._meta.db_table
# The floor the database triggers enforce (migration 0006); the setting may only be stricter.
TRIGGER_RETENTION_DAYS = 183


def _entry(days_old: int) -> AuditEntry:
    entry = AuditEntry(
        created_at=timezone.now() - timedelta(days=days_old), actor_username="x", event=AuditEvent.LOGIN
    )
    entry.save()
    return entry


def _raw(sql: str, params: list) -> None:  # type: ignore[type-arg]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_settings_keep_at_least_what_the_triggers_keep():
    assert settings.AUDIT_RETENTION_DAYS >= TRIGGER_RETENTION_DAYS


@pytest.mark.django_db
def test_a_far_future_window_row_does_not_let_delete_through():
    # given: someone with a database shell opens a window far in the future
    recent = _entry(days_old=1)
    _raw(f"INSERT INTO {WINDOW} (cutoff) VALUES (%s)", [timezone.now() + timedelta(days=3650)])
    # when / then: the recent row is still protected
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"DELETE FROM {TABLE} WHERE id = %s", [recent.pk])
    assert AuditEntry.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db
def test_a_window_inside_the_retention_period_lets_nothing_through():
    # given: a window ten days back, and an entry twenty days old (older than the window)
    entry = _entry(days_old=20)
    _raw(f"INSERT INTO {WINDOW} (cutoff) VALUES (%s)", [timezone.now() - timedelta(days=10)])
    # when / then
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"DELETE FROM {TABLE} WHERE id = %s", [entry.pk])


@pytest.mark.django_db
def test_an_archiving_window_still_deletes_rows_past_retention():
    # given: a window before the retention period, as audit_archive opens it
    old = _entry(days_old=400)
    _raw(f"INSERT INTO {WINDOW} (cutoff) VALUES (%s)", [timezone.now() - timedelta(days=200)])
    # when
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [old.pk])
    # then
    assert not AuditEntry.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_postgresql_refuses_truncate_of_the_audit_log():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    entry = audit_record(actor=None, username="x", event=AuditEvent.LOGIN_FAILED, success=False)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"TRUNCATE {TABLE}", [])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_postgresql_far_future_window_does_not_let_delete_through_either():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's trigger function")
    recent = _entry(days_old=1)
    _raw(f"INSERT INTO {WINDOW} (cutoff) VALUES (%s)", [timezone.now() + timedelta(days=3650)])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"DELETE FROM {TABLE} WHERE id = %s", [recent.pk])
