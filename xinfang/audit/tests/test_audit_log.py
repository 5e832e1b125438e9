from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from xinfang.audit.models import AuditArchive, AuditEntry, AuditEvent
from xinfang.audit.services import audit_archive, audit_record
from xinfang.core.exceptions import ValidationFailed


@pytest.fixture
def entry(db):
    return audit_record(actor=None, username="someone", event=AuditEvent.LOGIN_FAILED, success=False)


def test_entry_cannot_be_changed_through_the_model(entry):
    entry.success = True
    with pytest.raises(TypeError, match="只能追加"):
        entry.save()
    with pytest.raises(TypeError, match="只能追加"):
        entry.delete()
    with pytest.raises(TypeError, match="只能追加"):
        AuditEntry.objects.filter(pk=entry.pk).update(success=True)
    with pytest.raises(TypeError, match="只能追加"):
        AuditEntry.objects.all().delete()


def test_database_refuses_update_and_delete_of_audit_rows(entry):
    # given: bypass the ORM completely, as someone with a database shell would
    table = AuditEntry._meta.db_table
    # when / then
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET success = %s WHERE id = %s", [True, entry.pk])
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    entry_now = AuditEntry.objects.get(pk=entry.pk)
    assert entry_now.success is False


def test_entry_records_who_what_when_where(client, clerk):
    client.post(
        "/accounts/login/",
        {"username": "clerk", "password": "Demo@2026"},
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="pytest-agent",
    )
    entry = AuditEntry.objects.filter(event=AuditEvent.LOGIN).get()
    assert entry.actor == clerk
    assert entry.actor_username == "clerk"
    assert entry.ip == "10.1.2.3"
    assert entry.user_agent == "pytest-agent"
    assert entry.success is True
    assert abs((timezone.now() - entry.created_at).total_seconds()) < 5


def _old_entry(days: int) -> AuditEntry:
    entry = AuditEntry(
        created_at=timezone.now() - timedelta(days=days), actor_username="old", event=AuditEvent.LOGIN
    )
    entry.save()
    return entry


def test_archive_refuses_entries_younger_than_six_months(auditor):
    _old_entry(100)
    with pytest.raises(ValidationFailed, match="至少保存"):
        audit_archive(actor=auditor, before=timezone.now() - timedelta(days=100))
    assert AuditEntry.objects.filter(actor_username="old").count() == 1


def test_archive_moves_old_entries_to_a_file_and_is_audited(auditor, settings, tmp_path):
    # given
    settings.AUDIT_ARCHIVE_DIR = tmp_path
    old = _old_entry(400)
    recent = _old_entry(10)
    # when
    archive = audit_archive(actor=auditor, before=timezone.now() - timedelta(days=200))
    # then
    assert archive.row_count >= 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    assert (tmp_path / archive.file_name).exists()
    assert AuditEntry.objects.filter(event=AuditEvent.AUDIT_ARCHIVED, actor=auditor).count() == 1
    assert AuditArchive.objects.count() == 1
    # and the window is closed again: a plain delete is still refused
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [recent.pk])


def test_auditor_filters_the_log_page(client, auditor, clerk):
    client.post("/accounts/login/", {"username": "clerk", "password": "bad"})
    client.force_login(auditor)
    response = client.get("/audit/", {"event": AuditEvent.LOGIN_FAILED, "success": "0"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "登录失败" in body
    assert "clerk" in body


def test_audit_export_is_itself_audited(client, auditor):
    client.force_login(auditor)
    response = client.get("/audit/export.csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    assert content.startswith("时间,用户,事件")
    assert AuditEntry.objects.filter(event=AuditEvent.AUDIT_EXPORTED, actor=auditor).count() == 1
