"""EXPLAIN (ANALYZE, BUFFERS) every query the public list sends for a query string.

    DATABASE_URL=postgres://… python scripts/explain_list.py 'city=Liaoning' [--drop-new-indexes]

Run from a checkout's root: it explains that checkout's queries (docs/performance.md compares
two releases this way). Everything runs in a transaction that is rolled back;
--drop-new-indexes drops the indexes of the performance work inside it, to show the plans of an
older checkout without them. Needs the production-like environment of scripts/_env.sh.
"""

import os
import sys

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

NEW_INDEXES = (
    "incident_public_order_idx", "incident_public_chrono_idx", "incident_public_updated_idx",
    "incident_search_document_gin", "incident_staff_order_idx",
)  # fmt: skip


def main(argv: list[str]) -> int:
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection, transaction
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from incidents import views

    query = argv[0] if argv else ""
    with transaction.atomic(), connection.cursor() as cursor:
        if "--drop-new-indexes" in argv:
            for name in NEW_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        request = RequestFactory().get("/incidents/?" + query, HTTP_HOST="localhost")
        request.user = AnonymousUser()
        with CaptureQueriesContext(connection) as captured:
            views.incident_list(request)
        total = 0.0
        for entry in captured.captured_queries:
            sql = entry["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SETTINGS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
            total += float(plan[-1].split(":")[1].split()[0])
            print("=" * 100, sql, *plan, sep="\n")
        print(f"TOTAL execution {total:.1f} ms over {len(captured.captured_queries)} queries")
        transaction.set_rollback(True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
