"""Seeds the holiday schedule shipped with `chinesecalendar` (2004 to the package's last year).

Later package upgrades are imported with `manage.py calendar_sync`, which keeps admin rows.
"""

from django.db import migrations
from django.utils import timezone

from xinfang.deadlines.package import package_days, package_years


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    CalendarDay = apps.get_model("deadlines", "CalendarDay")
    CalendarYear = apps.get_model("deadlines", "CalendarYear")
    now = timezone.now()
    known_days = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(
                date=entry.date, kind=entry.kind, name=entry.name, source="package", updated_at=now
            )
            for entry in package_days()
            if entry.date not in known_days
        ],
        batch_size=500,
    )
    known_years = set(CalendarYear.objects.values_list("year", flat=True))
    CalendarYear.objects.bulk_create(
        [
            CalendarYear(year=year, is_complete=True, source="package", revision=1, updated_at=now)
            for year in package_years()
            if year not in known_years
        ]
    )


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("deadlines", "CalendarDay").objects.filter(source="package").delete()
    apps.get_model("deadlines", "CalendarYear").objects.filter(source="package").delete()


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
