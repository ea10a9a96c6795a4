"""Each table check fails when the tables break: a clean day passes every one; then, one at a time
and rolled back after, the tables are broken the way the check looks for (an agent row gone, a
parent that names no group, a cycle, a history version cut short, a lock that holds the check
past its time budget), and the check fails, naming what it found."""

from __future__ import annotations

import os
import threading

import psycopg
import pytest

from groups_assets.quality.tables import TABLE_CHECKS, evaluate
from groups_assets.warehouse.database import Database
from groups_assets_tests.support import agent, group, lines

CHECKS = {check.name: check for check in TABLE_CHECKS}
# How to break the tables for each check, and what its sample must then show.
BREAKS = {
    "orphan_memberships": ("DELETE FROM agents WHERE agent_id = 11", "11"),
    "orphan_parents": ("UPDATE groups SET parent_group_id = 999 WHERE group_id = 3", "999"),
    "hierarchy_cycles": ("UPDATE groups SET parent_group_id = 3 WHERE group_id = 1", "1"),
    "history_versions": (
        "UPDATE group_history SET valid_to = valid_from + interval '1 second' "
        "WHERE group_id = 2 AND valid_to IS NULL",
        "2",
    ),
    "membership_history_versions": (
        "UPDATE membership_history SET valid_to = valid_from + interval '1 second' "
        "WHERE group_id = 1 AND agent_id = 10",
        "10",
    ),
    "agent_history_versions": (
        "UPDATE agent_history SET valid_to = valid_from + interval '1 second' WHERE agent_id = 12",
        "12",
    ),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, pg_url, spark):
    """One clean day in a schema of its own: a chain 1 <- 2 <- 3, every member a known agent."""
    from dagster import DagsterInstance

    from groups_assets_tests.support import Pipeline

    root = tmp_path_factory.mktemp("table_checks") / "source"
    root.mkdir()
    with DagsterInstance.ephemeral() as instance:
        pipeline = Pipeline(
            root=root, url=pg_url, schema=f"table_checks_{os.getpid()}", instance=instance, staging=root
        )
        pipeline.write(
            "d1",
            {
                "admin_groups/g.json": lines(
                    group(1, agents=[10]), group(2, parent=1, agents=[11]), group(3, parent=2, agents=[12])
                ),
                "agents/a.json": lines(agent(10), agent(11), agent(12)),
            },
        )
        pipeline.run("d1")
        yield Database(pg_url, pipeline.schema, "the test server")


def test_a_clean_day_passes_every_table_check(loaded):
    for check in TABLE_CHECKS:
        verdict = evaluate(check, loaded, "d1", budget=60)
        assert verdict.passed, (check.name, verdict.description)


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_each_table_check_fails_when_its_table_breaks(loaded, name):
    assert set(BREAKS) == set(CHECKS)
    statement, shown = BREAKS[name]
    with loaded.connect() as conn, conn.transaction(force_rollback=True):
        conn.execute(statement)
        verdict = CHECKS[name].verdict(conn, "d1")
    assert not verdict.passed, name
    assert verdict.metadata["count"] >= 1
    assert shown in verdict.metadata["sample"], verdict.metadata["sample"]
    assert evaluate(CHECKS[name], loaded, "d1", budget=60).passed, "the break was rolled back"


def test_a_check_held_past_its_budget_fails_saying_so(loaded):
    """A table locked by someone else: the check waits, is stopped at its budget, and fails as
    WARN saying what to do, instead of holding the run."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with psycopg.connect(loaded.conninfo, options=f"-c search_path={loaded.schema}") as conn:
            conn.execute("LOCK TABLE group_membership IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        verdict = evaluate(CHECKS["orphan_memberships"], loaded, "d1", budget=1)
    finally:
        release.set()
        holder.join()
    assert not verdict.passed and verdict.severity == "WARN"
    assert "did not finish within 1 s" in verdict.description
    assert verdict.description.startswith("day d1: ")
