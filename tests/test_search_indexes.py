"""The list's search: what it finds, and on PostgreSQL the trigram indexes that serve it (migration 0011)."""

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from distributions.models import Distribution

LIST_URL = "/distributions/"
BEFORE, TRIGRAM = ("distributions", "0010_audit_pending"), ("distributions", "0011_search_trigram_indexes")
trigram_migration = importlib.import_module("distributions.migrations.0011_search_trigram_indexes")

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_trgm indexes exist on PostgreSQL only: set DATABASE_URL=postgres://… "
    "(on SQLite the migration does nothing and the search is a scan)",
)


def search_indexes():
    """Names of the trigram indexes on the distributions table (PostgreSQL's catalog)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            ["distributions_distribution", "%gin_trgm_ops%"],
        )
        return {name for (name,) in cursor.fetchall()}


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def ids(response):
    return [d.id for d in response.context["page"]]


@pytest.mark.django_db(transaction=True)
def test_the_migration_reverses_and_applies_again():
    try:
        migrate_to(BEFORE)
        if connection.vendor == "postgresql":
            assert search_indexes() == set()
        migrate_to(TRIGRAM)
        if connection.vendor == "postgresql":
            assert search_indexes() == set(trigram_migration.INDEXES)
    finally:
        migrate_to(TRIGRAM)


@on_postgresql
@pytest.mark.django_db
def test_after_migrate_the_four_searched_columns_have_trigram_indexes_on_the_expression_django_emits():
    assert search_indexes() == set(trigram_migration.INDEXES)
    sql = str(Distribution.objects.search("x").query)
    for column in trigram_migration.INDEXES.values():
        assert f'UPPER("distributions_distribution"."{column}"::text) LIKE UPPER(' in sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", ["dist_search_comment_trgm"])
        (definition,) = cursor.fetchone()
    assert "USING gin (upper((comment)::text) gin_trgm_ops)" in definition


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_database_that_refuses_the_extension_migrates_without_the_indexes(monkeypatch, signed_in):
    monkeypatch.setattr(trigram_migration, "EXTENSION", "no_such_extension_for_this_test")
    try:
        migrate_to(BEFORE)
        migrate_to(TRIGRAM)  # CREATE EXTENSION fails inside its savepoint; migrate goes on
        assert search_indexes() == set()
        Distribution.objects.create(id="EREFUSED0001", domain_name="d1.cloudfront.net", comment="still found")
        assert ids(signed_in.get(LIST_URL, {"q": "STILL"})) == ["EREFUSED0001"]
    finally:
        monkeypatch.undo()
        migrate_to(BEFORE)
        migrate_to(TRIGRAM)
    assert search_indexes() == set(trigram_migration.INDEXES)


# What the search finds (tests/test_list_views.py covers ID, domain name and alias): the same on every database.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("LAUNCH", ["EPCT00000001"]),  # comment "Launch 50% off", another case
        ("50%", ["EPCT00000001"]),  # % is a character, not "anything"
        ("5_%", []),  # _ is a character too: "50%" does not match
        ("a_b", ["EPCT00000002"]),
        ("a%b", []),
        ("SHOP.EXAMPLE", ["EPCT00000002"]),  # an alias, in capitals
        ("epct00000001", ["EPCT00000001"]),
    ],
)
def test_the_search_is_case_insensitive_and_takes_percent_and_underscore_literally(signed_in, typed, found):
    now = timezone.now()
    Distribution.objects.create(id="EPCT00000001", domain_name="d1.cloudfront.net", comment="Launch 50% off")
    Distribution.objects.create(
        id="EPCT00000002",
        domain_name="d2.cloudfront.net",
        comment="file a_b.txt",
        aliases=["shop.example.org"],
        aliases_text="shop.example.org",
        last_modified=now - timedelta(minutes=1),
    )
    assert ids(signed_in.get(LIST_URL, {"q": typed})) == found


# The plan on a table big enough for the planner to care.

ROWS = 20_000


def bulk_rows():
    """ROWS mirror rows, then the steady state autovacuum would reach: statistics, GIN pending lists merged."""
    now = timezone.now()
    Distribution.objects.bulk_create(
        Distribution(
            id=f"ETRGM{n:07d}",
            domain_name=f"d{n:012d}.cloudfront.net",
            comment=f"site number {n}",
            aliases_text=f"www{n}.example.com" if n % 3 == 0 else "",
            aliases=[f"www{n}.example.com"] if n % 3 == 0 else [],
            last_modified=now - timedelta(seconds=n),
        )
        for n in range(ROWS)
    )
    with connection.cursor() as cursor:
        # VACUUM cannot run in the test's transaction; these two are what it would do for the plan.
        for name in trigram_migration.INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
        cursor.execute("ANALYZE distributions_distribution")


def list_queries(client, typed):
    """The SQL of the list page's queries that search (the page and the capped count)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST_URL, {"q": typed}).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "LIKE UPPER(" in q["sql"] and "EXPLAIN" not in q["sql"]]


def plan(sql, *settings):
    with connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting}")
        cursor.execute("EXPLAIN " + sql)
        explained = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("RESET ALL")
    return explained


def reads_the_four_indexes(explained):
    return "BitmapOr" in explained and all(
        f"Bitmap Index Scan on {name}" in explained for name in trigram_migration.INDEXES
    )


@on_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["number 1234", "www999.exa", "etrgm0012345", "d000000012345.cloud", "50%_"])
def test_a_selective_search_reads_the_four_trigram_indexes(signed_in, typed):
    bulk_rows()
    searches = list_queries(signed_in, typed)
    assert len(searches) == 2  # the page and the capped count
    for sql in searches:
        explained = plan(sql)
        assert reads_the_four_indexes(explained), explained


@on_postgresql
@pytest.mark.django_db
def test_a_broad_search_may_walk_the_order_index_but_the_trigram_indexes_serve_it_when_asked(signed_in):
    """ "site" is in every row: reading 21 rows in list order beats any index on the text (the planner's
    choice), but with sequential and plain index scans off, the search expressions still match the indexes."""
    bulk_rows()
    for sql in list_queries(signed_in, "site"):
        explained = plan(sql, "enable_seqscan = off", "enable_indexscan = off")
        assert reads_the_four_indexes(explained), explained


def page_query_settings(client, typed):
    """``(IDs of the first page, whether the page's query ran with plain index scans off)``."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST_URL, {"q": typed})
    assert response.status_code == 200
    statements = [q["sql"] for q in captured.captured_queries]
    return ids(response), "SET LOCAL enable_indexscan = off" in statements


@on_postgresql
@pytest.mark.django_db
def test_a_search_expected_to_match_few_rows_reads_its_matches_and_a_broad_one_walks_the_order(signed_in, monkeypatch):
    """The planner assumes matches spread evenly along the list's order: a term whose rows all sit at the end
    of it made the page walk the whole order index. Below the threshold, no plain index scan: the page reads
    the matches and sorts them; above it (the first letter typed), the walk finds the page at once."""
    from distributions import list_views

    bulk_rows()  # ETRGM0000000 is the newest: "number 199" matches 111 rows, far down the order
    monkeypatch.setattr(list_views, "WALK_FROM_EXPECTED_MATCHES", 5_000)
    expected = [f"ETRGM{n:07d}" for n in sorted(n for n in range(ROWS) if "number 199" in f"site number {n}")][:20]
    assert page_query_settings(signed_in, "number 199") == (expected, True)
    assert page_query_settings(signed_in, "site") == ([f"ETRGM{n:07d}" for n in range(20)], False)
