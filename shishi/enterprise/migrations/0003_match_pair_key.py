"""Matches keyed by (policy, enterprise), without a surrogate id, a second index or database
foreign-key constraints (``Match``'s docstring says why). Matches are derived: the table is
dropped and created anew, and the next run of the matcher (the nightly job, or publishing a
policy) stores them again."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enterprise", "0002_sheet_imports_request_rating"),
    ]

    operations = [
        migrations.DeleteModel(name="Match"),
        migrations.CreateModel(
            name="Match",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "policy_id",
                        "enterprise_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "verdict",
                    models.CharField(
                        choices=[
                            ("eligible", "符合"),
                            ("possible", "可能符合"),
                            ("ineligible", "不符合"),
                        ],
                        max_length=10,
                        verbose_name="结果",
                    ),
                ),
                (
                    "enterprise",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="matches",
                        to="enterprise.enterprise",
                    ),
                ),
                (
                    "policy",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="matches",
                        to="enterprise.policy",
                    ),
                ),
            ],
            options={
                "verbose_name": "政策匹配",
                "verbose_name_plural": "政策匹配",
            },
        ),
    ]
