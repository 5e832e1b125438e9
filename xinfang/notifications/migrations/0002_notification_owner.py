"""Notifications about any owner: `owner_type` + `owner_id` instead of the petition foreign key.

Existing rows keep their petition as owner "petitions.petition". The copy is one UPDATE with a
column reference, the same SQL on SQLite and PostgreSQL.
"""

from typing import Any

from django.db import migrations, models
from django.db.models import F

PETITION = "petitions.petition"


def copy_petition_to_owner(apps: Any, schema_editor: Any) -> None:
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(petition__isnull=False).update(owner_type=PETITION, owner_id=F("petition_id"))


def copy_owner_to_petition(apps: Any, schema_editor: Any) -> None:
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(owner_type=PETITION).update(petition_id=F("owner_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="owner_type",
            field=models.CharField(blank=True, max_length=60, verbose_name="所属对象类型"),
        ),
        migrations.AddField(
            model_name="notification",
            name="owner_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="所属对象编号"),
        ),
        migrations.RunPython(copy_petition_to_owner, copy_owner_to_petition, elidable=True),
        migrations.RemoveField(model_name="notification", name="petition"),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["owner_type", "owner_id"], name="notification_owner"),
        ),
    ]
