"""Database-level append-only guard for the audit log, on SQLite and PostgreSQL.

UPDATE is always refused. DELETE is refused unless the row is older than an open ArchiveWindow,
which only the audited archive service opens inside its own transaction.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END;
    """,
    """
    CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
    WHEN NOT EXISTS (SELECT 1 FROM audit_archivewindow w WHERE OLD.created_at < w.cutoff)
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
]

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit log is append-only: UPDATE refused';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM audit_archivewindow w WHERE OLD.created_at < w.cutoff) THEN
        RAISE EXCEPTION 'audit log is append-only: DELETE refused';
      END IF;
      RETURN OLD;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_guard();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS audit_entry_guard();",
]


def run(statements_by_vendor):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
