"""Drops the petition foreign key of notices (copied into owner_type/owner_id by 0003) and its
index, indexes the owner, and leaves the kinds' codes open (registered by the owning apps)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0003_document_owner"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="document",
            name="document_petition_time",
        ),
        migrations.RemoveField(
            model_name="document",
            name="petition",
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["owner_type", "owner_id"], name="document_owner"),
        ),
        migrations.AlterField(
            model_name="document",
            name="kind",
            field=models.CharField(max_length=30, verbose_name="文书种类"),
        ),
        migrations.AlterField(
            model_name="documentsequence",
            name="kind",
            field=models.CharField(max_length=30),
        ),
        migrations.AlterField(
            model_name="documenttemplate",
            name="kind",
            field=models.CharField(max_length=30, unique=True, verbose_name="文书种类"),
        ),
    ]
