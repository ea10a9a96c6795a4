"""The checks on the loaded tables, without Dagster: orphan memberships, orphan parents, hierarchy
cycles, and the shape of the three histories.

All are WARN: the contract keeps orphans and allows cycles; the checks say how many and which.
Each runs within a time budget: a check that would take longer fails as WARN saying so, instead
of holding the run. defs/checks/tables.py makes a Dagster asset check of each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from groups_assets import names
from groups_assets.contract.format import AGENTS, GROUPS, MEMBERS
from groups_assets.quality.cycles import cycle_members
from groups_assets.quality.evidence import SAMPLE_ROWS, markdown_table
from groups_assets.quality.verdict import Verdict
from groups_assets.warehouse.database import Database
from groups_assets.warehouse.statements import sample_rows, statement


@dataclass(frozen=True)
class TableCheck:
    """A check on the tables after a day: its name, the asset it checks, what it says, and how it
    finds the rows it counts: a query in sql/checks/ (with the day, if `by_day`), or a function of
    a connection returning (count, sample rows)."""

    name: str
    asset: str
    description: str
    what: str  # what it counts, as words: "group(s) with an unknown parent"
    query: str = ""
    by_day: bool = False
    find: Callable[[psycopg.Connection], tuple[int, list[dict]]] | None = None

    def verdict(self, conn: psycopg.Connection, day: str) -> Verdict:
        if self.find is not None:
            total, rows = self.find(conn)
        else:
            total, rows = sample_rows(conn, self.query, SAMPLE_ROWS, **({"day": day} if self.by_day else {}))
        return Verdict(
            check=self.name,
            asset=self.asset,
            passed=total == 0,
            description=f"{total} {self.what}" if total else f"no {self.what}",
            metadata={"count": total, "sample": markdown_table(rows)},
        )


def _cycles(conn: psycopg.Connection) -> tuple[int, list[dict]]:
    """The groups on a cycle, found in Python in time linear in the groups (quality/cycles.py)."""
    on_cycles = cycle_members(conn.execute(statement("checks/hierarchy_cycles_links")).fetchall())
    cur = conn.execute(statement("checks/hierarchy_cycles_sample"), {"ids": sorted(on_cycles)[:SAMPLE_ROWS]})
    columns = [d.name for d in cur.description]
    return len(on_cycles), [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


TABLE_CHECKS = (
    TableCheck(
        names.ORPHAN_MEMBERSHIPS,
        names.TABLE[MEMBERS],
        "Memberships whose agent is in no agents row (kept; not counted as active).",
        "membership(s) of unknown agents",
        query="checks/orphan_memberships",
    ),
    TableCheck(
        names.ORPHAN_PARENTS,
        names.TABLE[GROUPS],
        "Groups whose parent_group_id names no group (the walk upward ends there).",
        "group(s) with an unknown parent",
        query="checks/orphan_parents",
    ),
    TableCheck(
        names.HIERARCHY_CYCLES,
        names.TABLE[GROUPS],
        "Groups on a parent_group_id cycle (allowed; each is an ancestor of the others).",
        "group(s) on a hierarchy cycle",
        find=_cycles,
    ),
    TableCheck(
        names.HISTORY_VERSIONS[GROUPS],
        names.HISTORY[GROUPS],
        "Every group has exactly one open version, and each version ends where the next begins "
        "(no overlap, no gap).",
        "group(s) whose history versions are broken",
        query="checks/history_versions",
    ),
    TableCheck(
        names.HISTORY_VERSIONS[MEMBERS],
        names.HISTORY[MEMBERS],
        "The memberships whose versions the day wrote: each member has exactly one open version, no "
        "other pair has one, and a pair's versions never overlap (a pair removed and added again may "
        "leave a gap).",
        "membership(s) whose history versions are broken",
        query="checks/membership_history_versions",
        by_day=True,
    ),
    TableCheck(
        names.HISTORY_VERSIONS[AGENTS],
        names.HISTORY[AGENTS],
        "The agents the day changed: each has exactly one open version, and each version ends where "
        "the next begins (no overlap, no gap).",
        "agent(s) whose history versions are broken",
        query="checks/agent_history_versions",
        by_day=True,
    ),
)


def evaluate(check: TableCheck, database: Database, day: str, budget: float) -> Verdict:
    """The check's verdict on the day, or a failed WARN one saying it was stopped after `budget`
    seconds (GROUPS_CHECK_TIMEOUT_SECONDS)."""
    try:
        with database.connect(statement_timeout=budget) as conn:
            return check.verdict(conn, day).dated(day)
    except psycopg.errors.QueryCanceled:
        return Verdict(
            check=check.name,
            asset=check.asset,
            passed=False,
            description=f"the {check.name} check did not finish within {budget:g} s "
            "(GROUPS_CHECK_TIMEOUT_SECONDS); it was stopped so that the day is not held. The tables "
            "are loaded; run the check again from the UI, or raise the budget.",
            metadata={"timed_out_after_seconds": budget},
        ).dated(day)
