"""SQLite, for the quick start and the tests, minus the indexes SQLite cannot build.

The public-order indexes (migration 0012) sort NULLS LAST, which SQLite refuses in an index.
0012 creates them on PostgreSQL only, but SQLite rebuilds a whole table to add a constraint and
would then try to recreate them from the model state: this schema editor leaves them out, as
0012 does. Nothing else differs from Django's backend.
"""

from django.db.backends.sqlite3 import base, schema


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _model_indexes_sql(self, model):
        return [sql for sql in super()._model_indexes_sql(model) if "NULLS LAST" not in str(sql)]


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
