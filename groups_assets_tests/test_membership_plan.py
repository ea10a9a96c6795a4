"""A day's membership changes find the groups it sets by key lookups, whatever the planner
estimates. remove_memberships.sql and add_memberships.sql anti-join the day's pairs with the
stored ones; the two sets are nearly equal, so the planner may estimate one changed pair and
then join the groups whose membership the day sets once per changed pair. By a scan of that
table each time, a Zendesk day of 100k groups spent 80-105 s in one statement instead of 1 s."""

from datetime import UTC, datetime

import psycopg
from psycopg import sql

from groups_assets.warehouse.staging import Stage
from groups_assets.warehouse.statements import statement
from groups_assets_tests.support import empty_tables, plan_nodes

GROUPS, PER_GROUP = 5_000, 5


def test_the_groups_a_day_sets_are_probed_by_key_when_one_change_is_expected(pg_url):
    stage = Stage.new()
    names = stage.names()
    schema = f"members_{stage.token}"
    with psycopg.connect(pg_url) as conn:
        empty_tables(conn, schema)
        stage.create(conn)
        conn.execute(
            "INSERT INTO groups (group_id, group_key, name, created_at, updated_at, inactive, deleted, "
            "sync_day) SELECT g, g::text, 'g', now(), now(), false, false, 'd1' "
            "FROM generate_series(1, %s::int) g",
            (GROUPS,),
        )
        pairs = "SELECT g, k FROM generate_series(1, %(groups)s::int) g, generate_series(1, %(n)s) k"
        sizes = {"groups": GROUPS, "n": PER_GROUP}
        conn.execute(f"INSERT INTO group_membership (group_id, agent_id) {pairs}", sizes)
        # The day lists the same pairs, with one agent swapped in one group of a hundred.
        day = sql.SQL(
            "INSERT INTO {} (group_id, agent_id) "
            "SELECT g, CASE WHEN g %% 100 = 0 AND k = 1 THEN 1000 ELSE k END FROM ({}) p (g, k)"
        ).format(sql.Identifier(names["stage_members"]), sql.SQL(pairs))
        conn.execute(day, sizes)
        members_of = sql.Identifier(names["stage_members_of"])
        conn.execute(sql.SQL("INSERT INTO {} (group_id) SELECT group_id FROM groups").format(members_of))
        conn.execute(
            sql.SQL("ANALYZE groups, group_membership, {}").format(sql.Identifier(names["stage_members"]))
        )
        conn.execute(statement("apply/upsert/members_of_index", **names))
        # The anti-join is estimated at one pair. At 100k groups the planner then chose between a
        # hash join and a loop by a hair, the loop in the slow runs: without hash joins it is the
        # loop here too, as it was there.
        conn.execute("SET LOCAL enable_hashjoin = off")
        params = {
            "at": datetime(2026, 1, 1, tzinfo=UTC),
            "sync_day": "d2",
            "track_members": True,
            "by_day": True,
        }
        for name in ("apply/upsert/memberships_remove", "apply/upsert/memberships_add"):
            (plan,) = conn.execute(
                sql.SQL("EXPLAIN (FORMAT JSON) ") + statement(name, **names), params
            ).fetchone()[0]
            probes = [
                inner["Node Type"]
                for loop in plan_nodes(plan["Plan"])
                if loop["Node Type"] == "Nested Loop"
                for inner in plan_nodes(loop["Plans"][1])
                if inner.get("Relation Name") == names["stage_members_of"]
            ]
            assert probes, name  # the loop over the changed pairs is there
            assert all("Index" in kind or "Bitmap" in kind for kind in probes), (name, probes)
        conn.rollback()
