"""Table checks on the loaded tables: orphan memberships, orphan parents, hierarchy cycles.

All are WARN: the contract keeps orphans and allows cycles; the checks say how many and which.
Each has a time budget (GROUPS_CHECK_TIMEOUT_SECONDS): a check that would take longer fails as
WARN saying so, instead of holding the run.
"""

from collections.abc import Callable

import psycopg
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from groups_assets.defs.checks.evidence import SAMPLE_ROWS, markdown_table
from groups_assets.resources.postgres import PostgresResource
from groups_assets.settings import load_settings
from groups_assets.warehouse.statements import sample_rows, statement


def _within_budget(
    postgres: PostgresResource, what: str, check: Callable[[psycopg.Connection], AssetCheckResult]
) -> AssetCheckResult:
    budget = load_settings().check_timeout_seconds
    try:
        with postgres.connect(statement_timeout=budget) as conn:
            return check(conn)
    except psycopg.errors.QueryCanceled:
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description=f"the {what} check did not finish within {budget:g} s "
            "(GROUPS_CHECK_TIMEOUT_SECONDS); it was stopped so that the day is not held. The tables "
            "are loaded; run the check again from the UI, or raise the budget.",
            metadata={"timed_out_after_seconds": budget},
        )


def _found(postgres: PostgresResource, query: str, what: str) -> AssetCheckResult:
    return _within_budget(postgres, what, lambda conn: _counted(*sample_rows(conn, query, SAMPLE_ROWS), what))


def _counted(total: int, rows: list[dict], what: str) -> AssetCheckResult:
    return AssetCheckResult(
        passed=total == 0,
        severity=AssetCheckSeverity.WARN,
        description=f"{total} {what}" if total else f"no {what}",
        metadata={"count": total, "sample": MetadataValue.md(markdown_table(rows))},
    )


@asset_check(
    asset="membership_table",
    description="Memberships whose agent is in no agents row (kept; not counted as active).",
)
def orphan_memberships(postgres: PostgresResource) -> AssetCheckResult:
    return _found(postgres, "check_orphan_memberships", "membership(s) of unknown agents")


@asset_check(
    asset="groups_table",
    description="Groups whose parent_group_id names no group (the walk upward ends there).",
)
def orphan_parents(postgres: PostgresResource) -> AssetCheckResult:
    return _found(postgres, "check_orphan_parents", "group(s) with an unknown parent")


@asset_check(
    asset="groups_table",
    description="Groups on a parent_group_id cycle (allowed; each is an ancestor of the others).",
)
def hierarchy_cycles(postgres: PostgresResource) -> AssetCheckResult:
    def check(conn: psycopg.Connection) -> AssetCheckResult:
        on_cycles = cycle_members(conn.execute(statement("hierarchy_links")).fetchall())
        first = sorted(on_cycles)[:SAMPLE_ROWS]
        cur = conn.execute(statement("groups_by_id"), {"ids": first})
        rows = [dict(zip([d.name for d in cur.description], row, strict=True)) for row in cur.fetchall()]
        return _counted(len(on_cycles), rows, "group(s) on a hierarchy cycle")

    return _within_budget(postgres, "hierarchy_cycles", check)


def cycle_members(links: list[tuple[int, int | None]]) -> set[int]:
    """The groups on a parent_group_id cycle, from every (group_id, parent_group_id) link.

    Each group has at most one parent, so following parents from any group either ends (a root,
    an orphan parent) or runs into a cycle. Every group is walked once (linear in the groups,
    whatever the depth): a walk stops at a group already seen; if that group is on the walk's own
    path, the path from it onwards is a cycle.
    """
    parent = dict(links)
    state: dict[int, int] = {}  # absent: not seen; 1: on the current walk; 2: done
    on_cycles: set[int] = set()
    for start in parent:
        if start in state:
            continue
        path: list[int] = []
        node: int | None = start
        while node in parent and node not in state:
            state[node] = 1
            path.append(node)
            node = parent[node]
        if node in parent and state[node] == 1:
            on_cycles.update(path[path.index(node) :])
        for member in path:
            state[member] = 2
    return on_cycles


@asset_check(
    asset="group_history",
    description="Every group has exactly one open version, and each version ends where the next begins "
    "(no overlap, no gap).",
)
def history_versions(postgres: PostgresResource) -> AssetCheckResult:
    return _found(postgres, "check_history", "group(s) whose history versions are broken")
