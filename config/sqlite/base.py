"""SQLite, for the quick start and the tests, minus the indexes SQLite cannot build.

The public-order indexes (migration 0012) sort NULLS LAST, which SQLite refuses in an index, and
the search index (0013) is a PostgreSQL GIN index: those migrations create them on PostgreSQL
only. But SQLite rebuilds a whole table to add a constraint, recreating every index of the
model state: this schema editor leaves those out there too. Nothing else differs.
"""

from django.contrib.postgres.indexes import PostgresIndex
from django.db.backends.sqlite3 import base, schema
from django.db.models import OrderBy


def _postgres_only(index) -> bool:
    return isinstance(index, PostgresIndex) or any(
        isinstance(e, OrderBy) and e.nulls_last for e in index.expressions
    )


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _model_indexes_sql(self, model):
        skipped = {i.name for i in model._meta.indexes if _postgres_only(i)}
        return [
            sql
            for sql in super()._model_indexes_sql(model)
            if not any(f'"{name}"' in str(sql) for name in skipped)
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
