"""Incident.search_document: the public search's one indexed column (services.search_index),
filled for every existing incident. PostgreSQL only; on SQLite the column stays empty (the
search there matches substrings)."""

import importlib

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

# services.search_index.DOCUMENT as it was when this migration was written (frozen here, so
# that a later change to the live one cannot change what this migration does).
DOCUMENT = """
    setweight(to_tsvector('simple', coalesce(i.title, '') || ' ' || coalesce(i.title_ko, '')),
              'A')
 || setweight(to_tsvector('simple', coalesce(i.summary, '') || ' '
                                    || coalesce(i.summary_ko, '')), 'B')
 || setweight(to_tsvector('simple', coalesce((
        SELECT string_agg(concat_ws(' ', l.name, l.name_ko, l.name_local, l.alternate_names),
                          ' ')
        FROM incidents_incidentplace ip JOIN incidents_location l ON l.id = ip.location_id
        WHERE ip.incident_id = i.id), '')), 'C')
 || setweight(to_tsvector('simple', coalesce((
        SELECT string_agg(concat_ws(' ', s.title, s.publisher), ' ')
        FROM incidents_citation c JOIN incidents_source s ON s.id = c.source_id
        WHERE c.incident_id = i.id AND NOT s.confidential), '')), 'D')
"""


def fill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statement = "UPDATE incidents_incident AS i SET search_document = "
    schema_editor.execute(statement + DOCUMENT)  # constants only


def drop_old_indexes(apps, schema_editor):
    """The per-table search indexes of 0004 are replaced by the one on search_document."""
    importlib.import_module("incidents.migrations.0004_search_indexes").drop(apps, schema_editor)


def create_old_indexes(apps, schema_editor):
    importlib.import_module("incidents.migrations.0004_search_indexes").create(apps, schema_editor)


# PostgreSQL-only index operation, as defined (once) by the previous migration.
AddIndexOnPostgres = importlib.import_module(
    "incidents.migrations.0012_public_order_indexes"
).AddIndexOnPostgres


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0012_public_order_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        AddIndexOnPostgres(
            model_name="incident",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_document"], name="incident_search_document_gin"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(drop_old_indexes, create_old_indexes),
    ]
