"""GIN indexes for full-text search on PostgreSQL (incidents/search.py builds the same
expressions, so the planner can use them). Nothing to do on SQLite."""

from django.db import migrations

INDEXES = {
    "incident_search_gin": (
        "incidents_incident",
        "to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || COALESCE(summary, ''))",
    ),
    "location_search_gin": (
        "incidents_location",
        "to_tsvector('simple'::regconfig, COALESCE(name, '') || ' ' || COALESCE(name_ko, '') "
        "|| ' ' || COALESCE(name_local, '') || ' ' || COALESCE(city, '') || ' ' "
        "|| COALESCE(province, ''))",
    ),
    "source_search_gin": (
        "incidents_source",
        "to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || COALESCE(publisher, ''))",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_roles")]
    operations = [migrations.RunPython(create, drop)]
