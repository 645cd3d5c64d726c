"""The calendar's one stamp row, so that every edit only updates it (no race to insert it)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def create_stamp(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    stamp = apps.get_model("workdays", "CalendarStamp")
    stamp.objects.get_or_create(pk=1, defaults={"token": ""})


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_calendar")]

    operations = [migrations.RunPython(create_stamp, migrations.RunPython.noop)]
