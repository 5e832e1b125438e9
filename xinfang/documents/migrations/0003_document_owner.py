"""A notice names its owner generically (owner_type, owner_id) instead of a petition foreign key.

Adds the owner fields, copies every row's petition (and its number, kept as the owner's
reference) into them with owner_type "petitions.petition", then drops the foreign key and its
index. The kinds lose their closed choices: they are registered by the owning apps. The copy is
two UPDATE statements (a subquery for the number), the same on SQLite and PostgreSQL; the foreign
key is dropped in the next migration, in a transaction of its own.
"""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery

PETITION = "petitions.petition"


def copy_petition_to_owner(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    Petition = apps.get_model("petitions", "Petition")
    with_petition = Document.objects.filter(petition__isnull=False)
    with_petition.update(owner_type=PETITION, owner_id=F("petition_id"))
    with_petition.update(
        owner_reference=Subquery(Petition.objects.filter(pk=OuterRef("petition_id")).values("number")[:1])
    )


def copy_owner_to_petition(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    Document.objects.filter(owner_type=PETITION).update(petition_id=F("owner_id"))


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0002_job_notices"),
        ("petitions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="owner_type",
            field=models.CharField(blank=True, default="", max_length=60, verbose_name="所属对象类型"),
        ),
        migrations.AddField(
            model_name="document",
            name="owner_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="所属对象"),
        ),
        migrations.AddField(
            model_name="document",
            name="owner_reference",
            field=models.CharField(blank=True, default="", max_length=100, verbose_name="所属对象编号"),
        ),
        migrations.RunPython(copy_petition_to_owner, copy_owner_to_petition, elidable=False),
    ]
