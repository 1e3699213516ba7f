"""Trigram indexes for the Distributions list's search, on PostgreSQL only.

``DistributionQuerySet.search`` ORs four ``icontains`` lookups; on PostgreSQL Django compiles each to
``UPPER("distributions_distribution"."<column>"::text) LIKE UPPER(%s)``, which no btree index serves,
so every search scanned the table. A GIN index with pg_trgm's ``gin_trgm_ops`` on exactly that
expression serves ``LIKE`` with a leading wildcard: pg_trgm's GIN and GiST operator classes "support
trigram-based index searches for LIKE, ILIKE, ~, ~* and = queries" (PostgreSQL docs, "pg_trgm",
section "Index Support", https://www.postgresql.org/docs/current/pgtrgm.html). Such an index is lossy:
PostgreSQL rechecks every row it returns against the LIKE, so results are exactly the scan's. The
planner uses an expression index only for the same expression, hence ``UPPER(column::text)`` as Django
emits it (tests/test_search_indexes.py checks the SQL and the plan). CREATE INDEX, not CONCURRENTLY:
writes to the table wait while the four build (about a second at 100,000 distributions).

pg_trgm "is considered trusted, that is, it can be installed by non-superusers who have CREATE
privilege on the current database" (same page; PostgreSQL 13 and later). Where the console's role
cannot create it (older server, no CREATE privilege, contrib not installed), the attempt is undone in
its own savepoint and the migration goes on without the indexes: the search then stays a scan, as
before, and is just as correct. SQLite and other databases get nothing (their LIKE is a scan anyway).

The reverse drops the indexes, not the extension: other objects in the database may use it.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

EXTENSION = "pg_trgm"
TABLE = "distributions_distribution"
# The four columns DistributionQuerySet.search looks in, and the index on each.
INDEXES = {
    "dist_search_id_trgm": "id",
    "dist_search_comment_trgm": "comment",
    "dist_search_domain_trgm": "domain_name",
    "dist_search_aliases_trgm": "aliases_text",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    try:
        # A savepoint: a refused CREATE EXTENSION must not abort the migration's transaction.
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}")
            for name, column in INDEXES.items():
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(TABLE)} "
                    f"USING gin ((UPPER({quote(column)}::text)) gin_trgm_ops)"
                )
    except DatabaseError as error:
        logger.warning(
            "pg_trgm is not available (%s): the distributions search stays a table scan",
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("distributions", "0010_audit_pending"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
