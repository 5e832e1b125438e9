"""The append-only guard, closed at the point where archiving lets its DELETE through.

Before: any row in `audit_archivewindow` opened DELETE for every audit row older than its cutoff,
so inserting a far-future window row let a plain DELETE remove the whole log. Now a window counts
only up to the retention floor, measured by the database's own clock: a row is deletable only when
it is older than an open window AND older than RETENTION_DAYS, however far the window reaches.
(`audit_archive` refuses a cutoff inside the retention period anyway, so it is unaffected.)

On PostgreSQL TRUNCATE bypasses row triggers: a statement trigger refuses it on a non-empty log
(an empty table may still be truncated, which is what the test runner's flush does).
"""

from django.db import migrations

# 网络安全法 art. 21: at least six months; settings.AUDIT_RETENTION_DAYS may only be stricter.
RETENTION_DAYS = 183

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
    f"""
    CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
    WHEN NOT EXISTS (
      SELECT 1 FROM audit_archivewindow w
      WHERE OLD.created_at < w.cutoff
        AND OLD.created_at < datetime('now', '-{RETENTION_DAYS} days')
    )
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
    """
    CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
    WHEN NOT EXISTS (SELECT 1 FROM audit_archivewindow w WHERE OLD.created_at < w.cutoff)
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;
    """,
]

POSTGRES_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit log is append-only: UPDATE refused';
      END IF;
      IF OLD.created_at >= now() - interval '{RETENTION_DAYS} days'
         OR NOT EXISTS (SELECT 1 FROM audit_archivewindow w WHERE OLD.created_at < w.cutoff) THEN
        RAISE EXCEPTION 'audit log is append-only: DELETE refused';
      END IF;
      RETURN OLD;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE OR REPLACE FUNCTION audit_entry_no_truncate() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM audit_auditentry) THEN
        RAISE EXCEPTION 'audit log is append-only: TRUNCATE refused';
      END IF;
      RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;",
    """
    CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS audit_entry_no_truncate();",
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
]


def run(statements_by_vendor):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_notifications_sent_event")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
