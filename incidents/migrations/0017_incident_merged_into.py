"""Merging duplicates: Incident.merged_into, and the invariants that keep a merged incident out
of every public output (it stays archived) and out of loops (never merged into itself).

On PostgreSQL they are CHECK constraints. SQLite cannot add a constraint, nor drop a foreign
key column, without rebuilding the table, and the rebuild cannot recreate the public-order
indexes (NULLS LAST; see 0012, which creates those on PostgreSQL only). There the column is a
plain indexed integer (ALTER TABLE can drop it again) and two triggers refuse the rows the
constraints would. The model state is the same everywhere. (A later migration that rebuilds
the incident table on SQLite drops the triggers: tests/test_duplicates.py checks they hold.)
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_TRIGGERS = {
    "incident_merged_is_archived": (
        "NEW.merged_into_id IS NOT NULL AND NEW.status <> 'archived'",
        "A merged incident stays archived.",
    ),
    "incident_not_merged_into_itself": (
        "NEW.merged_into_id = NEW.id",
        "An incident cannot be merged into itself.",
    ),
}


class AddForeignKeyPortably(migrations.AddField):
    """The field as Django adds it, but on SQLite a plain indexed column (see above)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute(
            'ALTER TABLE "incidents_incident" ADD COLUMN "merged_into_id" integer NULL'
        )
        schema_editor.execute(
            'CREATE INDEX "incident_merged_into_sqlite" ON "incidents_incident" ("merged_into_id")'
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute('DROP INDEX IF EXISTS "incident_merged_into_sqlite"')
        schema_editor.execute('ALTER TABLE "incidents_incident" DROP COLUMN "merged_into_id"')


class AddConstraintOnPostgres(migrations.AddConstraint):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, (condition, message) in SQLITE_TRIGGERS.items():
        for event in ("INSERT", "UPDATE"):
            schema_editor.execute(
                f"CREATE TRIGGER {name}_{event.lower()} BEFORE {event} ON incidents_incident "
                f"FOR EACH ROW WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in SQLITE_TRIGGERS:
        for event in ("insert", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")


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
        AddForeignKeyPortably(
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
        AddConstraintOnPostgres(
            model_name="incident",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("merged_into__isnull", True), ("status", "archived"), _connector="OR"
                ),
                name="incident_merged_is_archived",
                violation_error_message="A merged incident stays archived.",
            ),
        ),
        AddConstraintOnPostgres(
            model_name="incident",
            constraint=models.CheckConstraint(
                condition=models.Q(("merged_into", models.F("pk")), _negated=True),
                name="incident_not_merged_into_itself",
                violation_error_message="An incident cannot be merged into itself.",
            ),
        ),
        migrations.RunPython(sqlite_triggers, drop_sqlite_triggers),
    ]
