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


def apply_day(conn: psycopg.Connection, schema: str, stage: Stage, day: str) -> dict[str, float]:
    """Apply a staged day in one transaction: agents, groups, memberships, rejects, inactive.

    All or nothing: a failure anywhere leaves every table as it was before the day. Returns the
    row counts of each statement and, as seconds_<statement>, its time.
    """
    names = stage.names()
    params = {"sync_day": day}
    counts: dict[str, float] = {}
    seconds: dict[str, float] = {}

    def run(name: str, with_params: bool = False) -> psycopg.Cursor:
        started = time.monotonic()
        cur = conn.execute(statement(name, **names), params if with_params else None)
        seconds[name] = time.monotonic() - started
        return cur

    with conn.transaction():
        lock_schema(conn, schema)
        run("stage_analyze")
        counts["agents_written"] = run("apply_agents", True).rowcount
        run("applied_groups")
        counts["groups_written"] = run("apply_groups", True).rowcount
        counts["memberships_removed"] = run("remove_memberships").rowcount
        counts["memberships_added"] = run("add_memberships").rowcount
        counts["rejects_written"] = run("apply_rejects", True).rowcount
        counts["rejects_pruned"] = run("prune_rejects", True).rowcount
        counts["became_inactive"], counts["became_active"] = run("inactive").fetchone()
        counts["groups_new"] = conn.execute(statement("count_new_groups")).fetchone()[0]
        started = time.monotonic()
    seconds["commit"] = time.monotonic() - started
    log.info("day %s applied: %s", day, ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items()))
    return counts | {f"seconds_{k}": v for k, v in seconds.items()}


def count_rejects(conn: psycopg.Connection, day: str) -> dict[tuple[str, str], int]:
    cur = conn.execute(statement("count_rejects"), {"sync_day": day})
    return {(source, reason): n for source, reason, n in cur.fetchall()}
