import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0010_update_programme"),
    ]

    operations = [
        migrations.AlterField(
            model_name="progressupdate",
            name="programme",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ledger.programme",
            ),
        ),
        migrations.AddIndex(
            model_name="progressupdate",
            index=models.Index(
                fields=["programme", "review", "id"], name="update_programme_review"
            ),
        ),
    ]
