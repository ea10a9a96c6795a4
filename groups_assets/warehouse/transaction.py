"""A day applied to the target PostgreSQL in one transaction, and the schema it needs."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import psycopg

from groups_assets.contract.format import MEMBERS, Format
from groups_assets.days import natural_key
from groups_assets.warehouse.staging import Stage
from groups_assets.warehouse.statements import statement

log = logging.getLogger(__name__)

# One lock for every writer of a schema: days are applied one at a time.
_LOCK_NAMESPACE = 0x67726F75  # "grou"


def lock_schema(conn: psycopg.Connection, schema: str) -> None:
    """Take the schema's writer lock until the transaction ends (serialises concurrent days)."""
    conn.execute(statement("schema/schema_lock"), {"namespace": _LOCK_NAMESPACE, "schema": schema})


def ensure_schema(conn: psycopg.Connection, schema: str) -> None:
    """Create the schema and the tables if they are missing (idempotent)."""
    with conn.transaction():
        lock_schema(conn, schema)
        conn.execute(statement("schema/schema_create", schema=schema))
        conn.execute(statement("schema/tables_create"))


class FormatMismatch(Exception):
    """The schema holds the days of another source format; the message says what to do."""


@dataclass(frozen=True)
class DayPlan:
    """What the day's transaction needs besides its staged rows."""

    day: str
    format: Format
    first_load: bool = True  # the first-load path may be taken when the tables are empty
    members_folder: bool = False  # the day holds its format's membership table


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


def later_days(conn: psycopg.Connection, day: str) -> list[str]:
    """The days applied to the schema that come after `day` (natural order, days.py)."""
    return [d for (d,) in conn.execute(statement("apply/days_read")) if natural_key(d) > natural_key(day)]


def apply_day(
    conn: psycopg.Connection, schema: str, stage: Stage, plan: DayPlan
) -> tuple[dict[str, int], dict[str, float]]:
    """Apply a staged day in one transaction: keys, agents, groups, memberships, rejects,
    inactive, and the histories of groups, memberships and agents.

    All or nothing: a failure anywhere leaves every table as it was before the day. When the
    tables are empty (and `plan.first_load` allows it), the rows go in by plain inserts with the
    indexes built afterwards; otherwise every table is upserted. Both give the same tables (the
    benchmark compares them). Returns the row counts of the statements, and the seconds each
    statement took.
    """
    fmt = plan.format
    members = fmt.table(MEMBERS)
    names = stage.names()
    if members is None:  # the contract format: an applied group record sets its membership
        names["stage_members_of"] = names["stage_applied"]
    counts: dict[str, int] = {"unknown_group": 0}
    seconds: dict[str, float] = {}

    def run(name: str, with_params: bool = False) -> psycopg.Cursor:
        started = time.monotonic()
        cur = conn.execute(statement(name, **names), params if with_params else None)
        seconds[name] = seconds.get(name, 0.0) + time.monotonic() - started
        return cur

    with conn.transaction():
        lock_schema(conn, schema)
        check_format(conn, schema, fmt)
        params = {
            "at": run("apply/day_time").fetchone()[0],
            "sync_day": plan.day,
            "format": fmt.name,
            "by_day": fmt.by_day,
            "later_days": later_days(conn, plan.day) if fmt.by_day else [],
            # The groups a day of ordered days inserts have their membership from that day.
            "members_day": plan.day if fmt.by_day else None,
            "members_source": members.folder if members is not None else None,
        }
        run("schema/format_record", True)
        run("apply/day_record", True)
        run("staging/stage_analyze")
        if members is not None:
            counts["unknown_group"] = run("keys/unknown_groups_reject", True).rowcount
        if fmt.keys == "text":
            run("keys/group_keys_resolve")
            run("keys/agent_keys_resolve")
        if members is not None:
            run("keys/member_pairs_resolve")
            run("staging/stage_analyze_keys")
        counts["users_skipped"] = run("keys/skipped_users_count").fetchone()[0]
        counts["first_load"] = int(plan.first_load and run("apply/first_load_test").fetchone()[0])
        # Membership history follows each change of the day, unless it starts today (a first
        # load, or a database loaded before it existed): then it is filled once, after.
        params["track_members"] = (
            not counts["first_load"] and not run("history/memberships_empty").fetchone()[0]
        )
        if counts["first_load"]:
            counts["agents_written"] = run("apply/first_load/agents_insert", True).rowcount
            run("apply/first_load/indexes_drop")
            run("apply/first_load/applied_insert")
            counts["groups_written"] = run("apply/first_load/groups_insert", True).rowcount
            counts["memberships_removed"] = 0
            counts["memberships_added"] = run("apply/first_load/memberships_insert").rowcount
            counts["member_versions_closed"] = run("history/memberships_close_open", True).rowcount
            counts["member_versions_opened"] = run("history/memberships_start", True).rowcount
            run("apply/first_load/indexes_create")
        else:
            # The groups whose membership the day sets (a first load inserts every group's).
            if members is not None and plan.members_folder:
                run("apply/upsert/members_of_insert", True)
            counts["agents_written"] = run("apply/upsert/agents_upsert", True).rowcount
            run("apply/upsert/applied_insert", True)
            counts["groups_written"] = run("apply/upsert/groups_upsert", True).rowcount
            run("apply/upsert/members_of_index")
            removed = run("apply/upsert/memberships_remove", True).fetchone()
            counts["memberships_removed"], counts["member_versions_closed"] = removed
            added = run("apply/upsert/memberships_add", True).fetchone()
            counts["memberships_added"], counts["member_versions_opened"] = added
        if not params["track_members"] and not counts["first_load"]:  # a database loaded before it
            counts["member_versions_opened"] = run("history/memberships_start", True).rowcount
        counts["rejects_written"] = run("apply/rejects_upsert", True).rowcount
        counts["rejects_pruned"] = run("apply/rejects_prune", True).rowcount
        counts["became_inactive"], counts["became_active"] = run("apply/inactive_update", True).fetchone()
        run("history/groups_start", True)
        counts["versions_closed"] = run("history/groups_close", True).rowcount
        counts["versions_opened"] = run("history/groups_open", True).rowcount
        counts["agent_versions_closed"] = run("history/agents_close", True).rowcount
        counts["agent_versions_opened"] = run("history/agents_open", True).rowcount
        counts["groups_new"] = run("apply/new_groups_count").fetchone()[0]
        started = time.monotonic()
    seconds["commit"] = time.monotonic() - started
    log.info("day %s applied: %s", plan.day, ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items()))
    counts["inactive_groups"], counts["groups_total"] = conn.execute(
        statement("apply/inactive_count")
    ).fetchone()
    return counts, seconds


def count_rejects(conn: psycopg.Connection, day: str) -> dict[tuple[str, str], int]:
    cur = conn.execute(statement("apply/rejects_count"), {"sync_day": day})
    return {(source, reason): n for source, reason, n in cur.fetchall()}
