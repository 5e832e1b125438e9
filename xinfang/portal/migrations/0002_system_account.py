"""The portal's system account (网上信访系统): the 首问责任人 of online petitions. Created here so
that the portal's database role never needs to write the users table."""

from django.contrib.auth.hashers import make_password
from django.db import migrations


def create(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    if not User.objects.filter(username="portal-system").exists():
        User.objects.create(
            username="portal-system",
            full_name="网上信访系统",
            is_active=False,
            password=make_password(None),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("accounts", "0003_complained_person"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
