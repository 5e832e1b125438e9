"""Seeds the category tree and builds the full-text index (FTS5 on SQLite, GIN on PostgreSQL)."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE petitions_search USING fts5("
    "tokens, content='petitions_searchdocument', content_rowid='petition_id', tokenize='unicode61')",
    "CREATE TRIGGER petitions_search_ai AFTER INSERT ON petitions_searchdocument BEGIN "
    "INSERT INTO petitions_search(rowid, tokens) VALUES (new.petition_id, new.tokens); END",
    "CREATE TRIGGER petitions_search_ad AFTER DELETE ON petitions_searchdocument BEGIN "
    "INSERT INTO petitions_search(petitions_search, rowid, tokens) VALUES ('delete', old.petition_id, old.tokens); END",
    "CREATE TRIGGER petitions_search_au AFTER UPDATE ON petitions_searchdocument BEGIN "
    "INSERT INTO petitions_search(petitions_search, rowid, tokens) VALUES ('delete', old.petition_id, old.tokens); "
    "INSERT INTO petitions_search(rowid, tokens) VALUES (new.petition_id, new.tokens); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS petitions_search_ai",
    "DROP TRIGGER IF EXISTS petitions_search_ad",
    "DROP TRIGGER IF EXISTS petitions_search_au",
    "DROP TABLE IF EXISTS petitions_search",
]
POSTGRES_FORWARD = [
    "CREATE INDEX petitions_search_gin ON petitions_searchdocument USING GIN (to_tsvector('simple', tokens))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS petitions_search_gin"]


def run(statements_by_vendor):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


def seed_categories(apps, schema_editor):  # type: ignore[no-untyped-def]
    from xinfang.petitions.categories import SEED_CATEGORIES

    Category = apps.get_model("petitions", "Category")
    for order, (code, name, children) in enumerate(SEED_CATEGORIES):
        parent, _ = Category.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
        for child_order, (child_code, child_name) in enumerate(children):
            Category.objects.get_or_create(
                code=child_code, defaults={"name": child_name, "parent": parent, "sort_order": child_order}
            )


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]

    operations = [
        migrations.RunPython(seed_categories, migrations.RunPython.noop),
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
