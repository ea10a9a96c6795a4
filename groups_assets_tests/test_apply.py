"""Applying days to PostgreSQL through the whole Dagster graph: upserts, the updated_at guard,
memberships, deletes and the inactive flag (CONTRACT.md sections 4 and 5)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from groups_assets_tests.support import agent, group, lines

T0, T1, T2 = "2026-10-31T00:00:00Z", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"


@pytest.mark.slow  # several days, or thousands of records, through Spark
def test_updated_at_guard_for_groups_memberships_and_agents(pipeline):
    pipeline.write(
        "d1",
        {
            "admin_groups/g.json": lines(group(1, "Desk", agents=[10, 11], updated=T1)),
            "agents/a.json": lines(agent(10, updated=T1), agent(11, updated=T1), agent(12, updated=None)),
        },
    )
    pipeline.run("d1")
    # Older record: changes nothing, not even memberships. Agent 10's older record too.
    # Agent 12 has no updated_at: it always applies.
    pipeline.write(
        "d2",
        {
            "admin_groups/g.json": lines(group(1, "Stale name", agents=[99], updated=T0)),
            "agents/a.json": lines(
                agent(10, active=False, updated=T0), agent(12, active=False, updated=None)
            ),
        },
    )
    pipeline.run("d2")
    g = pipeline.groups()[1]
    assert (g["name"], g["sync_day"]) == ("Desk", "d1")
    assert g["updated_at"] == datetime(2026, 11, 1, tzinfo=UTC)
    assert pipeline.members() == {(1, 10), (1, 11)}
    agents = dict(pipeline.query("SELECT agent_id, active FROM agents"))
    assert agents == {10: True, 11: True, 12: False}
    # Equal updated_at: the record applied last wins, memberships included.
    pipeline.write("d3", {"admin_groups/g.json": lines(group(1, "Renamed", agents=[11, 12], updated=T1))})
    pipeline.run("d3")
    g = pipeline.groups()[1]
    assert (g["name"], g["sync_day"]) == ("Renamed", "d3")
    assert pipeline.members() == {(1, 11), (1, 12)}
    # 11 is active; 12 is not: the group stays active through 11.
    assert pipeline.inactive() == set()


def test_a_day_writes_only_the_groups_it_changes(pipeline):
    """Unchanged groups are neither rewritten nor locked by a later day (no new row versions, no
    row lock left in xmax): re-running a day, or a day that changes a few groups, costs a
    comparison, not a write of every row."""
    records = [group(gid, f"Desk {gid}", agents=[10], updated=T1) for gid in (1, 2, 3)]
    people = [agent(aid, updated=T1) for aid in (10, 11)]
    pipeline.write("d1", {"admin_groups/g.json": lines(*records), "agents/a.json": lines(*people)})
    pipeline.run("d1")
    versions = (
        "SELECT 'group', group_id, xmin::text, xmax::text FROM groups "
        "UNION ALL SELECT 'agent', agent_id, xmin::text, xmax::text FROM agents ORDER BY 1, 2"
    )
    before = {(kind, key): (xmin, xmax) for kind, key, xmin, xmax in pipeline.query(versions)}
    assert {xmax for _, xmax in before.values()} == {"0"}
    records[1] = group(2, "Renamed", agents=[10], updated=T2)
    people[1] = agent(11, active=False, updated=T2)
    pipeline.write("d2", {"admin_groups/g.json": lines(*records), "agents/a.json": lines(*people)})
    pipeline.run("d2")
    after = {(kind, key): (xmin, xmax) for kind, key, xmin, xmax in pipeline.query(versions)}
    changed = {key for key in before if after[key] != before[key]}
    assert changed == {("group", 2), ("agent", 11)}  # the rest: the same row versions, unlocked
    assert pipeline.groups()[2]["name"] == "Renamed"
    assert dict(pipeline.query("SELECT agent_id, active FROM agents")) == {10: True, 11: False}


def test_memberships_reconcile_and_deletes_are_soft(pipeline):
    pipeline.write(
        "d1",
        {
            "admin_groups/g.json": lines(
                group(1, agents=[10, 11], updated=T1),
                group(2, parent=1, agents=[12], updated=T1),
            ),
            "agents/a.json": lines(agent(10), agent(11), agent(12), agent(13)),
        },
    )
    pipeline.run("d1")
    pipeline.write(
        "d2",
        {
            "admin_groups/g.json": lines(
                group(1, agents=[11, 13], updated=T2),
                group(2, parent=1, agents=[12], updated=T2, deleted=True),
            ),
        },
    )
    result = pipeline.run("d2")
    assert pipeline.members() == {(1, 11), (1, 13), (2, 12)}
    groups = pipeline.groups()
    assert groups[2]["deleted"] is True and groups[2]["inactive"] is True
    assert groups[1]["inactive"] is False
    metadata = {
        e.asset_key.path[-1]: {k: v.value for k, v in e.metadata.items()}
        for e in result.asset_materializations_for_node("sync_day")
    }
    assert metadata["membership_table"]["memberships_added"] == 1
    assert metadata["membership_table"]["memberships_removed"] == 1
    assert metadata["inactive_flags"]["became_inactive"] == 1


def test_inactive_over_depth_cycles_orphans_and_deleted_groups(pipeline):
    groups_file = {
        "admin_groups/g.json": lines(
            # A chain 1 <- 2 <- 3 <- 4 <- 5: only 5 has an active agent.
            group(1),
            group(2, parent=1),
            group(3, parent=2),
            group(4, parent=3),
            group(5, parent=4, agents=[100]),
            # A cycle 20 <-> 21 with an active agent in 21, and 22 under 20 with none.
            group(20, parent=21),
            group(21, parent=20, agents=[101]),
            group(22, parent=20),
            # An orphan parent: 31's parent 999 exists nowhere.
            group(31, parent=999, agents=[102]),
            # 42 (active) -> 41 (deleted) -> 40: the deleted group breaks the link.
            group(40),
            group(41, parent=40, deleted=True),
            group(42, parent=41, agents=[103]),
            # Only an inactive agent, only an orphan agent, no agent at all.
            group(50, agents=[104]),
            group(51, agents=[555]),
            group(52),
        ),
    }
    agents_file = lines(agent(100), agent(101), agent(102), agent(103), agent(104, active=False))
    pipeline.write("d1", groups_file | {"agents/a.json": agents_file})
    result = pipeline.run("d1")
    assert pipeline.inactive() == {22, 40, 41, 50, 51, 52}
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["hierarchy_cycles"].metadata["count"].value == 2
    assert checks["orphan_parents"].metadata["count"].value == 1
    assert checks["orphan_memberships"].metadata["count"].value == 1
    assert not checks["orphan_memberships"].passed
    # Day 2, the same groups: agent 100 leaves; the whole chain above 5 turns inactive.
    pipeline.write("d2", groups_file | {"agents/a.json": lines(agent(100, active=False, updated=T2))})
    result = pipeline.run("d2")
    assert pipeline.inactive() == {1, 2, 3, 4, 5, 22, 40, 41, 50, 51, 52}
    flags = result.asset_materializations_for_node("sync_day")
    inactive_meta = next(m for m in flags if m.asset_key.path[-1] == "inactive_flags").metadata
    assert inactive_meta["became_inactive"].value == 5


def _expected_inactive(parents: dict[int, int | None], deleted: set[int], seeds: set[int]) -> set[int]:
    """CONTRACT.md section 5 the slow way: every group with an active member marks itself and
    every ancestor as active, climbing through non-deleted groups until it meets one already
    marked (a cycle ends there)."""
    active: set[int] = set()
    for start in seeds - deleted:
        gid = start
        while gid in parents and gid not in deleted and gid not in active:
            active.add(gid)
            gid = parents[gid]
    return set(parents) - active


def test_inactive_matches_the_contract_on_random_forests(pipeline):
    """Random forests with chains, cycles, orphan parents and deleted groups, where seeds sit
    both below and above groups without members: the flags of the first load and of the upsert
    path (day 2 moves agents, parents and deletions) are the contract's."""
    rng = random.Random(8)
    ids = list(range(1, 401))
    agent_ids = list(range(1000, 1060))
    for day in ("d1", "d2"):
        active_agents = {a for a in agent_ids if rng.random() < 0.4}
        deleted = {g for g in ids if rng.random() < 0.05}
        parents: dict[int, int | None] = {}
        members: dict[int, list[int]] = {}
        for gid in ids:
            roll = rng.random()
            # Mostly a lower id (a forest), sometimes any id (cycles), an unknown id or none.
            if roll < 0.6 and gid > 1:
                parents[gid] = rng.randrange(1, gid)
            elif roll < 0.7:
                parents[gid] = rng.choice([g for g in ids if g != gid])
            elif roll < 0.75:
                parents[gid] = 5000 + gid
            else:
                parents[gid] = None
            members[gid] = rng.sample(agent_ids, rng.choice([0, 0, 1, 2]))
        updated = T1 if day == "d1" else T2
        pipeline.write(
            day,
            {
                "admin_groups/g.json": lines(
                    *(
                        group(g, parent=parents[g], agents=members[g], updated=updated, deleted=g in deleted)
                        for g in ids
                    )
                ),
                "agents/a.json": lines(
                    *(agent(a, active=a in active_agents, updated=updated) for a in agent_ids)
                ),
            },
        )
        pipeline.run(day)
        seeds = {g for g in ids if active_agents.intersection(members[g])}
        expected = _expected_inactive(parents, deleted, seeds)
        assert 0 < len(expected) < len(ids)
        assert pipeline.inactive() == expected


def test_day_without_admin_groups_fails_and_writes_nothing(pipeline):
    folder = pipeline.root / "sync-d1" / "agents"
    folder.mkdir(parents=True)
    (folder / "a.json").write_text(lines(agent(1)))
    result = pipeline.run("d1", expect_success=False)
    messages = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]
    assert any("admin_groups" in m and "d1" in m for m in messages)
    assert pipeline.query(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (pipeline.schema,)
    ) == [(0,)]
