"""The categories an installation starts with (an office adds or retires its own)."""

from django.db import migrations

CATEGORIES = (
    ("veteran", "涉军群体（参战退役军人）"),
    ("teacher", "老民师"),
    ("landless", "失地农民"),
    ("long_term", "上访老户"),
    ("litigation", "涉法涉诉"),
    ("labour", "劳资纠纷"),
    ("other", "其他"),
)


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    model = apps.get_model("keypersons", "KeyPersonCategory")
    for order, (code, name) in enumerate(CATEGORIES, 1):
        model.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("keypersons", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
