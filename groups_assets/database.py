"""The pipeline's SQL (the files in sql/) run against the target PostgreSQL."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from importlib.resources import files

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

# One lock for every writer of a schema: days are applied one at a time.
_LOCK_NAMESPACE = 0x67726F75  # "grou"


def statement(name: str, **identifiers: str) -> sql.Composed | sql.SQL:
    """The statement in sql/<name>.sql, with {placeholders} bound as quoted identifiers."""
    text = files("groups_assets").joinpath("sql", f"{name}.sql").read_text()
    return sql.SQL(text).format(**{k: sql.Identifier(v) for k, v in identifiers.items()})


def lock_schema(conn: psycopg.Connection, schema: str) -> None:
    """Take the schema's writer lock until the transaction ends (serialises concurrent days)."""
    conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_NAMESPACE, schema))


def ensure_schema(conn: psycopg.Connection, schema: str) -> None:
    """Create the schema and the tables if they are missing (idempotent)."""
    with conn.transaction():
        lock_schema(conn, schema)
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute(statement("schema"))


@dataclass(frozen=True)
class Stage:
    """The staging tables of one run."""

    groups: str
    members: str
    agents: str
    rejects: str

    @classmethod
    def new(cls) -> Stage:
        token = uuid.uuid4().hex[:12]
        return cls(*(f"_stage_{kind}_{token}" for kind in ("groups", "members", "agents", "rejects")))

    def names(self) -> dict[str, str]:
        return {
            "stage_groups": self.groups,
            "stage_members": self.members,
            "stage_agents": self.agents,
            "stage_rejects": self.rejects,
        }

    def create(self, conn: psycopg.Connection) -> None:
        with conn.transaction():
            conn.execute(statement("stage_create", **self.names()))

    def drop(self, conn: psycopg.Connection) -> None:
        with conn.transaction():
            conn.execute(statement("stage_drop", **self.names()))


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
        counts["groups_new"] = conn.execute("SELECT count(*) FROM applied_groups WHERE is_new").fetchone()[0]
        started = time.monotonic()
    seconds["commit"] = time.monotonic() - started
    log.info("day %s applied: %s", day, ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items()))
    return counts | {f"seconds_{k}": v for k, v in seconds.items()}


def sample_rows(conn: psycopg.Connection, name: str, sample: int = 10) -> tuple[int, list[dict]]:
    """(total, first rows) of a check query in sql/<name>.sql."""
    cur = conn.execute(statement(name), {"sample": sample})
    columns = [d.name for d in cur.description]
    rows = [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]
    total = rows[0].pop("total") if rows else 0
    for r in rows[1:]:
        r.pop("total")
    return total, rows


def count_rejects(conn: psycopg.Connection, day: str) -> dict[tuple[str, str], int]:
    cur = conn.execute(
        "SELECT source, reason, count(*) FROM rejects WHERE sync_day = %s GROUP BY 1, 2", (day,)
    )
    return {(source, reason): n for source, reason, n in cur.fetchall()}
