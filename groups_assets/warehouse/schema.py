"""The schema of the target tables: created and brought up to date before a day, locked while a day
is applied, and holding the days of one source format.

A schema records its version (schema_version). A new one is version 1 (sql/schema/base.sql) and
then every migration in sql/schema/migrations/ (`<version>_<what>.sql`) in order; one of an
earlier version takes the migrations after its own, each recorded as it is applied, all in one
transaction under the schema's lock. A schema loaded before versions were recorded is given the
version its tables show.
"""

from __future__ import annotations

from importlib.resources import files

import psycopg

from groups_assets.contract.format import Format
from groups_assets.warehouse.statements import statement

MIGRATIONS = {
    int(path.name.split("_", 1)[0]): f"schema/migrations/{path.name.removesuffix('.sql')}"
    for path in files("groups_assets.warehouse").joinpath("sql", "schema", "migrations").iterdir()
    if path.name.endswith(".sql")
}
LATEST = max(MIGRATIONS)

# One lock for every writer of a schema: days are applied one at a time.
_LOCK_NAMESPACE = 0x67726F75  # "grou"


def lock_schema(conn: psycopg.Connection, schema: str) -> None:
    """Take the schema's writer lock until the transaction ends (serialises concurrent days)."""
    conn.execute(statement("schema/schema_lock"), {"namespace": _LOCK_NAMESPACE, "schema": schema})


def version(conn: psycopg.Connection) -> int:
    """The schema's version: recorded, or shown by its tables; 0 for a schema without tables."""
    recorded, tables = conn.execute(statement("schema/version_find")).fetchone()
    if recorded:
        return conn.execute(statement("schema/version_read")).fetchone()[0]
    return conn.execute(statement("schema/version_infer")).fetchone()[0] if tables else 0


def migrate(conn: psycopg.Connection, to: int = LATEST) -> None:
    """Bring the schema of the connection's search path from its version to `to` (inside the
    caller's transaction): the base tables for a new schema, then each migration after its version."""
    found = version(conn)
    if found == 0:
        conn.execute(statement("schema/base"))
        found = 1
    conn.execute(statement("schema/version_table_create"))
    for step in range(found + 1, to + 1):
        conn.execute(statement(MIGRATIONS[step]))
    conn.execute(statement("schema/version_record"), {"version": max(found, to)})


class SchemaNewer(Exception):
    """The schema is of a later version than this pipeline knows; the message says what to do."""


def ensure_schema(conn: psycopg.Connection, schema: str) -> None:
    """Create the schema if it is missing and bring its tables to the latest version, under the
    schema's lock (a day applying, or another run migrating, waits)."""
    with conn.transaction():
        lock_schema(conn, schema)
        conn.execute(statement("schema/schema_create", schema=schema))
        found = version(conn)
        if found > LATEST:
            raise SchemaNewer(
                f"schema {schema} is at version {found}, written by a later release of this pipeline "
                f"(this one knows versions up to {LATEST}): run the release that wrote it, or a later "
                "one. Nothing was written."
            )
        if found != LATEST:
            migrate(conn)


class FormatMismatch(Exception):
    """The schema holds the days of another source format; the message says what to do."""


def stored_format(conn: psycopg.Connection) -> str | None:
    """The format the schema holds: the one recorded, `contract` for a schema loaded before
    formats were recorded, None for a new (or empty) schema. Reads only; creates nothing."""
    recorded, legacy = conn.execute(statement("schema/format_tables_find")).fetchone()
    if recorded and (row := conn.execute(statement("schema/format_read")).fetchone()):
        return row[0]
    if legacy and conn.execute(statement("schema/legacy_rows_find")).fetchone()[0]:
        return "contract"
    return None


def check_format(conn: psycopg.Connection, schema: str, fmt: Format) -> None:
    """FormatMismatch when the schema holds the days of another source format (CONTRACT.md 7)."""
    stored = stored_format(conn)
    if stored and stored != fmt.name:
        raise FormatMismatch(
            f"schema {schema} holds days of the {stored} format, and this run reads {fmt.name} days "
            f"(GROUPS_SOURCE_FORMAT / --format). One schema holds one format: load {fmt.name} days into "
            "another schema (GROUPS_DB_SCHEMA), or set the format back. Nothing was written."
        )
