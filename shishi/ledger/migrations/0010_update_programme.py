"""Progress updates keep their item's programme: added empty, then filled from the items.
The next migration makes it required and indexes the review queue on it (a separate
migration: PostgreSQL refuses ALTER TABLE while this one's foreign-key checks are pending)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_programme(apps, schema_editor):  # type: ignore[no-untyped-def]
    ProgressUpdate = apps.get_model("ledger", "ProgressUpdate")
    Item = apps.get_model("ledger", "Item")
    ProgressUpdate.objects.filter(programme__isnull=True).update(
        programme_id=Subquery(Item.objects.filter(pk=OuterRef("item_id")).values("programme_id")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0009_review_unit_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="progressupdate",
            name="programme",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ledger.programme",
            ),
        ),
        migrations.RunPython(fill_programme, migrations.RunPython.noop, elidable=True),
    ]
