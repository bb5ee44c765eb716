"""The embargo: `Incident.publish_not_before` and the `scheduled` status (services.embargo).

SQLite rebuilds a table to change its CHECK constraints, and would then create every index of
the model state, the PostgreSQL-only ones too: the NULLS LAST indexes of 0012, which it
cannot, and the search GIN index of 0013. On SQLite the rebuild leaves them out (they were
never created there, and 0013 going backwards expects them absent).
"""

from django.db import migrations, models

PG_ONLY_INDEXES = {
    "incident_public_order_idx",
    "incident_public_chrono_idx",
    "incident_public_updated_idx",
    "incident_search_document_gin",
}


def _without_pg_only_indexes(state):
    state = state.clone()
    key = ("incidents", "incident")
    model_state = state.models[key]
    model_state.options["indexes"] = [
        index
        for index in model_state.options.get("indexes", [])
        if index.name not in PG_ONLY_INDEXES
    ]
    state.reload_model(*key, delay=True)
    return state


class SQLiteRebuildSafe:
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            from_state = _without_pg_only_indexes(from_state)
            to_state = _without_pg_only_indexes(to_state)
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            from_state = _without_pg_only_indexes(from_state)
            to_state = _without_pg_only_indexes(to_state)
        super().database_backwards(app_label, schema_editor, from_state, to_state)


class RemoveConstraint(SQLiteRebuildSafe, migrations.RemoveConstraint):
    pass


class AddConstraint(SQLiteRebuildSafe, migrations.AddConstraint):
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0018_edit_locks"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalincident",
            name="publish_not_before",
            field=models.DateTimeField(
                blank=True,
                help_text="Embargo: keep the incident off every public page until this date and time, e.g. until a family is out of danger. Set it, then press “Schedule”; it is published automatically once the time has passed. Editors only.",
                null=True,
                verbose_name="publish not before",
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="publish_not_before",
            field=models.DateTimeField(
                blank=True,
                help_text="Embargo: keep the incident off every public page until this date and time, e.g. until a family is out of danger. Set it, then press “Schedule”; it is published automatically once the time has passed. Editors only.",
                null=True,
                verbose_name="publish not before",
            ),
        ),
        migrations.AlterField(
            model_name="historicalincident",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("in_review", "In review"),
                    ("scheduled", "Scheduled (embargoed)"),
                    ("published", "Published"),
                    ("archived", "Archived"),
                ],
                db_index=True,
                default="draft",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("in_review", "In review"),
                    ("scheduled", "Scheduled (embargoed)"),
                    ("published", "Published"),
                    ("archived", "Archived"),
                ],
                db_index=True,
                default="draft",
                max_length=12,
                verbose_name="status",
            ),
        ),
        RemoveConstraint(
            model_name="incident",
            name="incident_status_valid",
        ),
        AddConstraint(
            model_name="incident",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["draft", "in_review", "scheduled", "published", "archived"])
                ),
                name="incident_status_valid",
                violation_error_message="Unknown status.",
            ),
        ),
        AddConstraint(
            model_name="incident",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "scheduled"), _negated=True),
                    ("publish_not_before__isnull", False),
                    _connector="OR",
                ),
                name="incident_scheduled_has_embargo",
                violation_error_message="A scheduled incident needs a “publish not before” time.",
            ),
        ),
    ]
