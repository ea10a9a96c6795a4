"""The inactive walk climbs by key lookups whatever the planner knows: on the upsert path a day's
rows are not analyzed yet when the walk runs (in the same transaction), and a plan that scanned a
table at each step of the walk would grow with groups x agents (seen: a 1M-group day that did not
finish in 14 minutes). Nor may a loop read a CTE again for each of its rows."""

from datetime import UTC, datetime

import psycopg
from psycopg import sql

from groups_assets.warehouse.staging import Stage
from groups_assets.warehouse.statements import statement
from groups_assets_tests.support import empty_tables, plan_nodes

CHAINS, DEPTH, AGENTS = 2_000, 10, 2_000


def test_each_step_of_the_walk_is_a_key_lookup_with_or_without_statistics(pg_url):
    stage = Stage.new()
    schema = f"walk_{stage.token}"
    with psycopg.connect(pg_url) as conn:
        empty_tables(conn, schema)
        stage.create(conn)
        # Chains of DEPTH groups; only the bottom group of each has members, so every group above
        # it is reached by the walk. Two agents in three are active.
        conn.execute(
            "INSERT INTO agents (agent_id, agent_key, name, active, updated_at, sync_day) "
            "SELECT a, a::text, 'a', a %% 3 <> 0, now(), 'd1' FROM generate_series(1, %s::int) a",
            (AGENTS,),
        )
        conn.execute(
            "INSERT INTO groups (group_id, group_key, name, parent_group_id, created_at, updated_at, "
            "inactive, deleted, sync_day) SELECT g, g::text, 'g', "
            "CASE WHEN g %% %(depth)s = 1 THEN NULL ELSE g - 1 END, "
            "now(), now(), false, false, 'd1' FROM generate_series(1, %(groups)s::int) g",
            {"depth": DEPTH, "groups": CHAINS * DEPTH},
        )
        conn.execute(
            "INSERT INTO group_membership (group_id, agent_id) "
            "SELECT g, 1 + (g * 7 + k) %% %(agents)s "
            "FROM generate_series(%(depth)s::int, %(groups)s, %(depth)s) g, generate_series(1, 5) k",
            {"agents": AGENTS, "depth": DEPTH, "groups": CHAINS * DEPTH},
        )
        inactive = statement("apply/inactive_update", **stage.names())
        for statistics in ("none yet", "analyzed"):
            if statistics == "analyzed":
                conn.execute("ANALYZE groups, group_membership, agents")
            (plan,) = conn.execute(
                sql.SQL("EXPLAIN (FORMAT JSON) ") + inactive, {"at": datetime(2026, 1, 1, tzinfo=UTC)}
            ).fetchone()[0]
            nodes = list(plan_nodes(plan["Plan"]))
            walk = next(n for n in nodes if n["Node Type"] == "Recursive Union")
            step = walk["Plans"][1]  # the recursive term: one step up from each group reached
            scans = {(n["Node Type"], n["Relation Name"]) for n in plan_nodes(step) if "Relation Name" in n}
            lookups = all("Index" in kind or "Bitmap" in kind for kind, _ in scans)
            assert scans and lookups, (statistics, scans)
            # A CTE has no index: read again for every outer row, it would make the statement
            # quadratic, so no loop may have one on its inner side.
            inner = [n["Plans"][1]["Node Type"] for n in nodes if n["Node Type"] == "Nested Loop"]
            rescanned = [kind for kind in inner if kind in ("CTE Scan", "WorkTable Scan")]
            assert not rescanned, (statistics, rescanned)
        conn.rollback()
