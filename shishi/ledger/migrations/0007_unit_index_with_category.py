"""A unit's index also orders its items by category: the list counts a unit's items per
category from it. SQLite learns of the new index only through ANALYZE (PostgreSQL's
autovacuum does it by itself)."""

from typing import Any

from django.db import migrations, models


def refresh_statistics(apps: Any, schema_editor: Any) -> None:
    from shishi.core.dbstats import refresh_planner_statistics

    refresh_planner_statistics(schema_editor.connection.alias, sqlite_only=True)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0006_drop_redundant_fk_indexes"),
        ("orgs", "0002_drop_redundant_fk_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                fields=["programme", "lead_unit", "category", "seq", "id"],
                name="item_prog_unit_cat_seq",
            ),
        ),
        migrations.RemoveIndex(model_name="item", name="item_prog_unit_id"),
        migrations.RunPython(refresh_statistics, migrations.RunPython.noop, elidable=True),
    ]
