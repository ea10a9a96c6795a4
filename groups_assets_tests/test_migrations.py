"""The schema's versions: a new schema is version 1 and every migration after it, and ends as the
last version's own script made it; each migration takes a schema of the version before it to the
tables that version's script made, keeping its rows; a schema loaded before versions were recorded
is given the version its tables show; a schema of a later version than the pipeline knows is
refused."""

from __future__ import annotations

import os

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from groups_assets.warehouse import schema
from groups_assets_tests.support import SCHEMAS

# What a schema holds, but for the order of columns (a migration adds a column at the end).
CATALOG = {
    "columns": """
        SELECT table_name, column_name, data_type, is_nullable, column_default, collation_name, is_identity
        FROM information_schema.columns WHERE table_schema = current_schema()""",
    "constraints": """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = current_schema()""",
    "indexes": """
        SELECT tablename, indexname, replace(indexdef, current_schema() || '.', '')
        FROM pg_indexes WHERE schemaname = current_schema()""",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema()",
    "functions": """
        SELECT p.proname, replace(pg_get_functiondef(p.oid), current_schema() || '.', '')
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()""",
}


def insert_rows(conn, version: int) -> None:
    """Rows a schema of `version` holds, in its columns (keys from version 3 on)."""
    keyed = version >= 3
    group = "group_id, name, parent_group_id, created_at, updated_at, inactive, deleted, sync_day"
    for gid, name, parent, inactive in ((1, "Desk", None, False), (2, "Night", 1, True)):
        conn.execute(
            f"INSERT INTO groups ({group}{', group_key' if keyed else ''}) "  # noqa: S608
            f"VALUES (%s, %s, %s, '2026-01-01', '2026-11-01', %s, false, 'day1'{', %s' if keyed else ''})",
            (gid, name, parent, inactive, *([str(gid)] if keyed else [])),
        )
    agent = "agent_id, name, email, active, updated_at, sync_day"
    conn.execute(
        f"INSERT INTO agents ({agent}{', agent_key' if keyed else ''}) "  # noqa: S608
        f"VALUES (10, 'Ann', 'ann@example.com', true, '2026-11-01', 'day1'{', %s' if keyed else ''})",
        ["10"] if keyed else None,
    )
    conn.execute("INSERT INTO group_membership VALUES (1, 10)")
    conn.execute(
        "INSERT INTO rejects (sync_day, source, source_file, record_no, raw_record, reason) "
        "VALUES ('day1', 'admin_groups', 'g.json', 3, 'x', 'invalid_json')"
    )


@pytest.fixture
def conn(pg_url, request):
    """A connection whose search path is a new schema of this test's own."""
    name = f"mig_{os.getpid()}_{abs(hash(request.node.name)) % 10**8}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(name)))
        conn.execute(SQL("SET search_path TO {}").format(Identifier(name)))
        yield conn
        conn.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(name)))


def catalog(conn) -> dict[str, set]:
    return {kind: set(conn.execute(query).fetchall()) for kind, query in CATALOG.items()}


def tables_of(conn) -> dict[str, set]:
    """The catalog but for the table that records the version (no version's script made it)."""
    return {kind: {row for row in rows if row[0] != "schema_version"} for kind, rows in catalog(conn).items()}


def of_version(conn, version: int) -> dict[str, set]:
    """The catalog of version `version`'s own script, in a schema beside the connection's."""
    here = conn.execute("SELECT current_schema()").fetchone()[0]
    other = f"{here}_ref"
    conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(other)))
    try:
        conn.execute(SQL("SET search_path TO {}").format(Identifier(other)))
        conn.execute((SCHEMAS / f"v{version}.sql").read_text())
        return catalog(conn)
    finally:
        conn.execute(SQL("SET search_path TO {}").format(Identifier(here)))
        conn.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(other)))


def test_a_new_schema_is_the_last_versions_own(conn):
    assert schema.version(conn) == 0
    with conn.transaction():
        schema.migrate(conn)
    assert schema.version(conn) == schema.LATEST == 4
    assert tables_of(conn) == of_version(conn, schema.LATEST)


@pytest.mark.parametrize("version", range(2, schema.LATEST + 1))
def test_each_migration_takes_the_version_before_it_to_its_own(conn, version):
    conn.execute((SCHEMAS / f"v{version - 1}.sql").read_text())
    insert_rows(conn, version - 1)
    assert schema.version(conn) == version - 1, "a schema from before versions were recorded"
    with conn.transaction():
        schema.migrate(conn, to=version)
    assert schema.version(conn) == version
    assert tables_of(conn) == of_version(conn, version)
    assert conn.execute("SELECT group_id, name, parent_group_id FROM groups ORDER BY 1").fetchall() == [
        (1, "Desk", None),
        (2, "Night", 1),
    ]
    assert conn.execute("SELECT count(*) FROM group_membership").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM rejects").fetchone() == (1,)
    if version == 3:  # the keys of the rows stored, the schema's format and its days
        assert conn.execute("SELECT group_key FROM groups ORDER BY 1").fetchall() == [("1",), ("2",)]
        assert conn.execute("SELECT agent_key FROM agents").fetchall() == [("10",)]
        assert conn.execute("SELECT format FROM source_format").fetchall() == [("contract",)]
        assert conn.execute("SELECT sync_day FROM applied_days").fetchall() == [("day1",)]


def test_a_schema_of_version_1_is_brought_to_the_latest_in_one_go(conn):
    conn.execute((SCHEMAS / "v1.sql").read_text())
    insert_rows(conn, 1)
    schema.ensure_schema(conn, conn.execute("SELECT current_schema()").fetchone()[0])
    assert schema.version(conn) == schema.LATEST
    assert conn.execute("SELECT group_key, inactive_since FROM groups ORDER BY 1").fetchall() == [
        ("1", None),
        ("2", None),
    ]


def test_a_schema_of_a_later_version_is_refused(conn):
    name = conn.execute("SELECT current_schema()").fetchone()[0]
    schema.ensure_schema(conn, name)
    conn.execute("UPDATE schema_version SET version = %s", (schema.LATEST + 1,))
    with pytest.raises(schema.SchemaNewer, match=f"at version {schema.LATEST + 1}"):
        schema.ensure_schema(conn, name)
