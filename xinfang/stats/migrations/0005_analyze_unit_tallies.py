from django.db import migrations

UNIT_TABLES = ("stats_unitmonthlytally", "stats_unitmonthlycategorytally", "stats_unitopentally")


def analyze(apps, schema_editor):
    """Planner statistics for the new index (SQLite chooses among the unit tables' indexes by
    them; without them it may read a sixth of UnitMonthlyTally for one unit's rows)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in UNIT_TABLES:
            cursor.execute(f"ANALYZE {table}")


class Migration(migrations.Migration):
    dependencies = [("stats", "0004_unit_channel_index")]

    operations = [migrations.RunPython(analyze, migrations.RunPython.noop)]
