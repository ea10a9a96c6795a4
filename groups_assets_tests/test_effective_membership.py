"""Who belonged where, and when: membership and agent history, and effective members at any depth
(README: Who belonged where), on the real parts, against an oracle that replays the days in
Python.

Four days over one small organisation: memberships removed and added again, an agent flipping
active, a group re-parented (its effective members change without a membership row changing), a
deleted group breaking the chain, a cycle, then a replay and a re-run that change nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta

import psycopg
import pytest
from psycopg import sql

from groups_assets.warehouse.statements import statement
from groups_assets_tests.support import Pipeline, agent, as_version, empty_tables, group, lines, plan_nodes

# Many days through the step: the quick loop leaves this out.
pytestmark = pytest.mark.slow

# day -> groups {id: (parent, deleted, members)}; agents {id: active}. Every day's records are
# newer than the day before's, so each applies.
DAYS = {
    "d1": (
        {
            1: (None, False, [101]),
            2: (1, False, []),
            3: (2, False, [102, 103]),
            4: (1, False, [104]),
            5: (None, False, [105]),
            6: (7, False, [106]),  # 6 and 7: a cycle
            7: (6, False, [107]),
        },
        {101: True, 102: True, 103: True, 104: False, 105: True, 106: True, 107: True},
    ),
    "d2": (
        {3: (2, False, [102]), 2: (1, False, [108]), 4: (3, False, [104])},  # 103 leaves; 4 moves
        {102: False, 108: True},
    ),
    "d3": ({2: (1, True, [108]), 3: (2, False, [102, 103])}, {102: True}),  # 2 deleted; 103 back
    "d4": ({2: (1, False, [108]), 5: (7, False, [105])}, {}),  # 2 back; 5 under the cycle
}
STAMPS = {"d1": "2026-11-01T00:00:00Z", "d2": "2026-11-02T00:00:00Z", "d3": "2026-11-03T00:00:00Z"}
STAMPS["d4"] = "2026-11-04T00:00:00Z"


def write_days(pipeline: Pipeline) -> None:
    for day, (groups, agents) in DAYS.items():
        files = {
            "admin_groups/g.json": lines(
                *(
                    group(g, parent=p, agents=m, updated=STAMPS[day], deleted=d)
                    for g, (p, d, m) in groups.items()
                )
            )
        }
        if agents:
            files["agents/a.json"] = lines(
                *(agent(a, active=on, updated=STAMPS[day]) for a, on in agents.items())
            )
        pipeline.write(day, files)


def oracle_states() -> dict[str, tuple[dict, set]]:
    """The state after each day: {group: (parent, deleted)} and the (group, agent) pairs."""
    hierarchy: dict[int, tuple] = {}
    members: dict[int, set] = {}
    states = {}
    for day, (groups, _) in DAYS.items():
        for g, (p, d, m) in groups.items():
            hierarchy[g] = (p, d)
            members[g] = set(m)
        states[day] = (dict(hierarchy), {(g, a) for g, agents in members.items() for a in agents})
    return states


def effective(state: tuple[dict, set]) -> set[tuple[int, int, int, int]]:
    """(group, agent, via group, depth): a breadth-first walk down from each group that is not
    deleted, through groups that are not deleted, each group below reached once (the shortest
    way), the walk ending where it has been (a cycle)."""
    hierarchy, pairs = state
    children: dict[int, list[int]] = {}
    for g, (p, d) in hierarchy.items():
        if not d and p is not None:
            children.setdefault(p, []).append(g)
    found = set()
    for top, (_, deleted) in hierarchy.items():
        if deleted:
            continue
        depth = {top: 0}
        frontier = [top]
        while frontier:
            following = []
            for g in frontier:
                for c in children.get(g, []):
                    if c not in depth and not hierarchy[c][1]:
                        depth[c] = depth[g] + 1
                        following.append(c)
            frontier = following
        found |= {(top, a, via, depth[via]) for via, a in pairs if via in depth}
    return found


def rows(pipeline: Pipeline, query: str, params: tuple = ()) -> set[tuple]:
    return set(pipeline.query(query, params))


def test_histories_and_effective_membership_follow_the_days(pipeline):
    write_days(pipeline)
    states = oracle_states()
    applied = {}
    for day in DAYS:
        pipeline.run(day)
        applied[day] = pipeline.query("SELECT applied_at FROM applied_days WHERE sync_day = %s", (day,))[0][0]
        assert rows(pipeline, "SELECT * FROM effective_membership") == effective(states[day]), day

    # Memberships removed and added again: (3, 103) has two versions with a gap between them.
    versions = pipeline.query(
        "SELECT valid_from, valid_to, sync_day FROM membership_history "
        "WHERE group_id = 3 AND agent_id = 103 ORDER BY valid_from"
    )
    assert versions == [(applied["d1"], applied["d2"], "d1"), (applied["d3"], None, "d3")]
    # An agent flipping active: a version per flip.
    flips = pipeline.query(
        "SELECT active, sync_day FROM agent_history WHERE agent_id = 102 ORDER BY valid_from"
    )
    assert flips == [(True, "d1"), (False, "d2"), (True, "d3")]

    # The past, from the histories, at each day's instant and just before it.
    for n, day in enumerate(DAYS):
        at = applied[day]
        assert rows(pipeline, "SELECT * FROM effective_membership_at(%s)", (at,)) == effective(states[day]), (
            day
        )
        before = effective(states[list(DAYS)[n - 1]]) if n else set()
        just_before = rows(
            pipeline, "SELECT * FROM effective_membership_at(%s)", (at - timedelta(microseconds=1),)
        )
        assert just_before == before, day
    # One group at a time gives the same (the auditor's question about one group).
    at = applied["d2"]
    assert rows(pipeline, "SELECT * FROM effective_membership_at(%s, 1)", (at,)) == {
        r for r in effective(states["d2"]) if r[0] == 1
    }
    # d2's re-parenting: 104 reaches 2 and 3 through 4, which moved; no membership row changed.
    assert (2, 104, 4, 2) in effective(states["d2"]) and (2, 104, 4, 2) not in effective(states["d1"])

    # A replay of an older day and a re-run change nothing, histories included.
    after = pipeline.dump()
    pipeline.run("d2")
    pipeline.run("d4")
    assert pipeline.dump() == after
    with psycopg.connect(pipeline.url, options=f"-c search_path={pipeline.schema}") as conn:
        for day in DAYS:
            for check in ("checks/membership_history_versions", "checks/agent_history_versions"):
                assert conn.execute(statement(check), {"sample": 5, "day": day}).fetchall() == [], (
                    check,
                    day,
                )
        # ... and they see a broken history: a version of (3, 103) that overlaps its next one.
        conn.execute(
            "UPDATE membership_history SET valid_to = valid_to + interval '1 hour' "
            "WHERE group_id = 3 AND agent_id = 103 AND valid_to IS NOT NULL"
        )
        found = conn.execute(
            statement("checks/membership_history_versions"), {"sample": 5, "day": "d1"}
        ).fetchall()
        assert found == [(3, 103, "versions overlap", 1)]
        conn.rollback()


def test_a_database_loaded_before_these_histories_gains_them_with_one_open_version_each(pipeline):
    write_days(pipeline)
    pipeline.run("d1")
    as_version(pipeline.url, pipeline.schema, 3)  # before membership and agent history
    pipeline.run("d2")
    members = set(pipeline.query("SELECT group_id, agent_id FROM group_membership"))
    versions = pipeline.query("SELECT group_id, agent_id, valid_to, sync_day FROM membership_history")
    assert {(g, a) for g, a, _, _ in versions} == members and len(versions) == len(members)
    assert {(to, day) for _, _, to, day in versions} == {(None, "d2")}
    agents = pipeline.query("SELECT agent_id FROM agents")
    assert sorted(pipeline.query("SELECT agent_id FROM agent_history WHERE valid_to IS NULL")) == sorted(
        agents
    )
    pipeline.run("d3")  # and follows the days from then on
    assert pipeline.query(
        "SELECT count(*) FROM membership_history WHERE group_id = 3 AND agent_id = 103 AND valid_to IS NULL"
    ) == [(1,)]


def test_one_groups_effective_members_are_key_lookups(pg_url):
    """Chains of groups, 40,000 in all, analyzed: one group's effective members (today, and at a
    past instant from the histories) touch no table whole."""
    schema = "effective_plan"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        empty_tables(conn, schema)
        depth, chains = 20, 2000
        conn.execute(
            "INSERT INTO groups (group_id, group_key, name, parent_group_id, created_at, updated_at, "
            "inactive, deleted, sync_day) SELECT g, g::text, 'g', "
            "CASE WHEN g %% %(d)s = 1 THEN NULL ELSE g - 1 END, now(), now(), false, false, 'd1' "
            "FROM generate_series(1, %(n)s::int) g",
            {"d": depth, "n": depth * chains},
        )
        conn.execute(
            "INSERT INTO group_membership "
            "SELECT g, k FROM generate_series(1, %(n)s::int) g, generate_series(1, 3) k",
            {"n": depth * chains},
        )
        conn.execute(
            "INSERT INTO group_history (group_id, name, parent_group_id, deleted, inactive, valid_from, "
            "sync_day) SELECT group_id, name, parent_group_id, deleted, inactive, "
            "now() - interval '1 day', 'd1' FROM groups"
        )
        conn.execute(
            "INSERT INTO membership_history (group_id, agent_id, valid_from, sync_day) "
            "SELECT group_id, agent_id, now() - interval '1 day', 'd1' FROM group_membership"
        )
        conn.execute("ANALYZE groups, group_membership, group_history, membership_history")
        queries = {
            "today": "SELECT * FROM effective_membership WHERE group_id = 21",
            "at an instant": "SELECT * FROM effective_membership_at(now() - interval '1 hour', 21)",
        }
        for what, query in queries.items():
            assert len(conn.execute(query).fetchall()) == depth * 3, what  # 20 groups below, 3 agents each
            (plan,) = conn.execute(f"EXPLAIN (FORMAT JSON) {query}").fetchone()[0]
            nodes = list(plan_nodes(plan["Plan"]))
            scans = {(n["Node Type"], n.get("Relation Name")) for n in nodes if "Relation Name" in n}
            whole = [s for s in scans if s[0] == "Seq Scan"]
            assert not whole, (what, json.dumps(plan)[:3000])
            assert any("Index" in kind for kind, _ in scans), (what, scans)
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
