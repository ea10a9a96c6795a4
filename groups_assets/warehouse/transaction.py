"""A staged day applied to the target tables in one transaction: all or nothing."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg

from groups_assets.contract.format import MEMBERS, Format
from groups_assets.days import natural_key
from groups_assets.warehouse.reconcile import Reconciliation, reconcile
from groups_assets.warehouse.schema import check_format, lock_schema
from groups_assets.warehouse.staging import Stage
from groups_assets.warehouse.statements import statement

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DayPlan:
    """What the day's transaction needs besides its staged rows."""

    day: str
    format: Format
    first_load: bool = True  # the first-load path may be taken when the tables are empty
    members_folder: bool = False  # the day holds its format's membership table


@dataclass(frozen=True)
class Versions:
    """The history versions a day opened and closed, of one table."""

    opened: int = 0
    closed: int = 0


@dataclass(frozen=True)
class Applied:
    """What a day's transaction did, as its statements counted it, and what the tables held of the
    day once it was done (`held`, read back before the commit)."""

    first_load: bool
    unknown_group: int  # membership rows whose group is neither in the day nor stored: rejected
    users_skipped: int  # users that are not agents and not stored as agents (zendesk)
    agents_written: int
    groups_written: int
    groups_new: int
    memberships_added: int
    memberships_removed: int
    rejects_written: int
    rejects_pruned: int
    became_inactive: int
    became_active: int
    inactive_groups: int
    groups_total: int
    group_versions: Versions
    member_versions: Versions
    agent_versions: Versions
    rejected: Counter  # the day's rows in `rejects`, per (folder, reason)
    held: Reconciliation
    seconds: dict[str, float] = field(default_factory=dict)  # per statement, and the commit


def later_days(conn: psycopg.Connection, day: str) -> list[str]:
    """The days applied to the schema that come after `day` (natural order, days.py)."""
    return [d for (d,) in conn.execute(statement("apply/days_read")) if natural_key(d) > natural_key(day)]


def apply_day(conn: psycopg.Connection, schema: str, stage: Stage, plan: DayPlan) -> Applied:
    """Apply a staged day in one transaction: keys, agents, groups, memberships, rejects,
    inactive, and the histories of groups, memberships and agents; then read back what the tables
    hold of the day.

    All or nothing: a failure anywhere leaves every table as it was before the day. When the
    tables are empty (and `plan.first_load` allows it), the rows go in by plain inserts with the
    indexes built afterwards; otherwise every table is upserted. Both give the same tables (a test
    compares every table).
    """
    fmt = plan.format
    members = fmt.table(MEMBERS)
    names = stage.names()
    if members is None:  # the contract format: an applied group record sets its membership
        names["stage_members_of"] = names["stage_applied"]
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
        unknown_group = run("keys/unknown_groups_reject", True).rowcount if members is not None else 0
        if fmt.keys == "text":
            run("keys/group_keys_resolve")
            run("keys/agent_keys_resolve")
        if members is not None:
            run("keys/member_pairs_resolve")
            run("staging/stage_analyze_keys")
        users_skipped = run("keys/skipped_users_count").fetchone()[0]
        first_load = plan.first_load and run("apply/first_load_test").fetchone()[0]
        # Membership history follows each change of the day, unless it starts today (a first
        # load, or a database loaded before it existed): then it is filled once, after.
        params["track_members"] = not first_load and not run("history/memberships_empty").fetchone()[0]
        if first_load:
            agents_written = run("apply/first_load/agents_insert", True).rowcount
            run("apply/first_load/indexes_drop")
            run("apply/first_load/applied_insert")
            groups_written = run("apply/first_load/groups_insert", True).rowcount
            removed = 0
            added = run("apply/first_load/memberships_insert").rowcount
            member_versions_closed = run("history/memberships_close_open", True).rowcount
            member_versions_opened = run("history/memberships_start", True).rowcount
            run("apply/first_load/indexes_create")
        else:
            # The groups whose membership the day sets (a first load inserts every group's).
            if members is not None and plan.members_folder:
                run("apply/upsert/members_of_insert", True)
            agents_written = run("apply/upsert/agents_upsert", True).rowcount
            run("apply/upsert/applied_insert", True)
            groups_written = run("apply/upsert/groups_upsert", True).rowcount
            run("apply/upsert/members_of_index")
            removed, member_versions_closed = run("apply/upsert/memberships_remove", True).fetchone()
            added, member_versions_opened = run("apply/upsert/memberships_add", True).fetchone()
            if not params["track_members"]:  # a database loaded before membership history
                member_versions_opened = run("history/memberships_start", True).rowcount
        rejects_written = run("apply/rejects_upsert", True).rowcount
        rejects_pruned = run("apply/rejects_prune", True).rowcount
        became_inactive, became_active = run("apply/inactive_update", True).fetchone()
        run("history/groups_start", True)
        group_versions = Versions(
            closed=run("history/groups_close", True).rowcount,
            opened=run("history/groups_open", True).rowcount,
        )
        agent_versions = Versions(
            closed=run("history/agents_close", True).rowcount,
            opened=run("history/agents_open", True).rowcount,
        )
        groups_new = run("apply/new_groups_count").fetchone()[0]
        started = time.monotonic()
        held = reconcile(
            conn,
            names,
            params,
            member_rows=members is not None and plan.members_folder,
            listed=members is None,
        )
        seconds["checks/records"] = time.monotonic() - started
        rejected = Counter(
            {(source, reason): n for source, reason, n in run("apply/rejects_count", True).fetchall()}
        )
        started = time.monotonic()
    seconds["commit"] = time.monotonic() - started
    log.info("day %s applied: %s", plan.day, ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items()))
    inactive_groups, groups_total = conn.execute(statement("apply/inactive_count")).fetchone()
    return Applied(
        first_load=bool(first_load),
        unknown_group=unknown_group,
        users_skipped=users_skipped,
        agents_written=agents_written,
        groups_written=groups_written,
        groups_new=groups_new,
        memberships_added=added,
        memberships_removed=removed,
        rejects_written=rejects_written,
        rejects_pruned=rejects_pruned,
        became_inactive=became_inactive,
        became_active=became_active,
        inactive_groups=inactive_groups,
        groups_total=groups_total,
        group_versions=group_versions,
        member_versions=Versions(opened=member_versions_opened, closed=member_versions_closed),
        agent_versions=agent_versions,
        rejected=rejected,
        held=held,
        seconds=seconds,
    )
