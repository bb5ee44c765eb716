"""Merging duplicates: Incident.merged_into, and the invariants that keep a merged incident out
of every public output (it stays archived) and out of loops (never merged into itself), as
CHECK constraints on every database (SQLite rebuilds the table for them: config/sqlite).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0016_revisions_and_review"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalincident",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="incidents.incident",
                verbose_name="merged into",
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_records",
                to="incidents.incident",
                verbose_name="merged into",
            ),
        ),
        migrations.AddConstraint(
            model_name="incident",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("merged_into__isnull", True), ("status", "archived"), _connector="OR"
                ),
                name="incident_merged_is_archived",
                violation_error_message="A merged incident stays archived.",
            ),
        ),
        migrations.AddConstraint(
            model_name="incident",
            constraint=models.CheckConstraint(
                condition=models.Q(("merged_into", models.F("pk")), _negated=True),
                name="incident_not_merged_into_itself",
                violation_error_message="An incident cannot be merged into itself.",
            ),
        ),
    ]
