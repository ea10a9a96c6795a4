"""A day applied to the target PostgreSQL in one transaction, and the schema it needs."""

from __future__ import annotations

import logging
import time

import psycopg

from groups_assets.warehouse.staging import Stage
from groups_assets.warehouse.statements import statement

log = logging.getLogger(__name__)

# One lock for every writer of a schema: days are applied one at a time.
_LOCK_NAMESPACE = 0x67726F75  # "grou"


def lock_schema(conn: psycopg.Connection, schema: str) -> None:
    """Take the schema's writer lock until the transaction ends (serialises concurrent days)."""
    conn.execute(statement("lock_schema"), {"namespace": _LOCK_NAMESPACE, "schema": schema})


def ensure_schema(conn: psycopg.Connection, schema: str) -> None:
    """Create the schema and the tables if they are missing (idempotent)."""
    with conn.transaction():
        lock_schema(conn, schema)
        conn.execute(statement("create_schema", schema=schema))
        conn.execute(statement("schema"))


def apply_day(
    conn: psycopg.Connection, schema: str, stage: Stage, day: str, first_load: bool = True
) -> tuple[dict[str, int], dict[str, float]]:
    """Apply a staged day in one transaction: agents, groups, memberships, rejects, inactive,
    history.

    All or nothing: a failure anywhere leaves every table as it was before the day. When the
    tables are empty (and `first_load` allows it), the rows go in by plain inserts with the
    indexes built afterwards; otherwise every table is upserted. Both give the same tables (the
    benchmark compares them). Returns the row counts of the statements, and the seconds each
    statement took.
    """
    names = stage.names()
    params = {"sync_day": day}
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}

    def run(name: str, with_params: bool = False) -> psycopg.Cursor:
        started = time.monotonic()
        cur = conn.execute(statement(name, **names), params if with_params else None)
        seconds[name] = time.monotonic() - started
        return cur

    with conn.transaction():
        lock_schema(conn, schema)
        run("stage_analyze")
        counts["first_load"] = int(first_load and run("is_first_load").fetchone()[0])
        if counts["first_load"]:
            counts["agents_written"] = run("first_load_agents", True).rowcount
            run("first_load_drop_indexes")
            run("first_load_applied")
            counts["groups_written"] = run("first_load_groups", True).rowcount
            counts["memberships_removed"] = 0
            counts["memberships_added"] = run("first_load_memberships").rowcount
            run("first_load_indexes")
        else:
            counts["agents_written"] = run("apply_agents", True).rowcount
            run("applied_groups")
            counts["groups_written"] = run("apply_groups", True).rowcount
            counts["memberships_removed"] = run("remove_memberships").rowcount
            counts["memberships_added"] = run("add_memberships").rowcount
        counts["rejects_written"] = run("apply_rejects", True).rowcount
        counts["rejects_pruned"] = run("prune_rejects", True).rowcount
        counts["became_inactive"], counts["became_active"] = run("inactive").fetchone()
        run("history_start")
        counts["versions_closed"] = run("history_close").rowcount
        counts["versions_opened"] = run("history_open", True).rowcount
        counts["groups_new"] = run("count_new_groups").fetchone()[0]
        started = time.monotonic()
    seconds["commit"] = time.monotonic() - started
    log.info("day %s applied: %s", day, ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items()))
    counts["inactive_groups"], counts["groups_total"] = conn.execute(statement("count_inactive")).fetchone()
    return counts, seconds


def count_rejects(conn: psycopg.Connection, day: str) -> dict[tuple[str, str], int]:
    cur = conn.execute(statement("count_rejects"), {"sync_day": day})
    return {(source, reason): n for source, reason, n in cur.fetchall()}
