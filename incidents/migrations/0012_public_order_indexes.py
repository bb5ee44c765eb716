"""Indexes matching the public orders (list, timeline, feed), on published rows only.

The list's order has NULLS LAST, which SQLite cannot put in an index: these three are
created on PostgreSQL only (SQLite serves the quick start and the tests, where they do not
matter). The model state is the same everywhere.
"""

from django.db import migrations, models


class AddIndexOnPostgres(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0011_roles_for_claims_and_actors"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="incident",
            name="incident_status_date_idx",
        ),
        AddIndexOnPostgres(
            model_name="incident",
            index=models.Index(
                models.OrderBy(models.F("date_latest"), descending=True, nulls_last=True),
                models.OrderBy(models.F("date_earliest"), descending=True),
                models.OrderBy(models.F("published_at"), descending=True, nulls_last=True),
                models.F("slug"),
                condition=models.Q(("status", "published")),
                name="incident_public_order_idx",
            ),
        ),
        AddIndexOnPostgres(
            model_name="incident",
            index=models.Index(
                models.OrderBy(models.F("date_earliest"), nulls_last=True),
                models.F("date_latest"),
                models.F("slug"),
                condition=models.Q(("status", "published")),
                name="incident_public_chrono_idx",
            ),
        ),
        AddIndexOnPostgres(
            model_name="incident",
            index=models.Index(
                models.OrderBy(models.F("updated_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("status", "published")),
                name="incident_public_updated_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["status", "-staff_updated_at"], name="incident_status_staff_idx"
            ),
        ),
    ]
