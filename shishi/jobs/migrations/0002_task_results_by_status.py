"""An index on the tasks backend's results by status: the worker's recovery looks up the
RUNNING rows every few seconds and the office page counts and lists the failed ones, in a
table that keeps a month of finished tasks. The backend indexes only its ready rows."""

from django.db import migrations, models

INDEX = models.Index(fields=["status", "enqueued_at"], name="jobs_taskresult_status_idx")


def add_index(apps, schema_editor):
    schema_editor.add_index(apps.get_model("django_tasks_database", "DBTaskResult"), INDEX)


def remove_index(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("django_tasks_database", "DBTaskResult"), INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_worker_runs_effects"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(add_index, remove_index)]
