"""The hierarchy-cycle check: exactly the groups on a cycle, in one walk per group, whatever the
depth; and a day where one bad edit puts a whole tree on and under a cycle still loads."""

from __future__ import annotations

from groups_assets.quality.cycles import cycle_members
from groups_assets.synthetic.generator import deep_tree
from groups_assets_tests.support import agent, group, lines


def test_cycles_exactly():
    links = [
        (1, None),
        (2, 1),
        (3, 2),  # a chain from a root: no cycle
        (10, 11),
        (11, 10),
        (12, 10),
        (13, 12),  # a 2-cycle with a branch below it
        (20, 21),
        (21, 22),
        (22, 20),  # a 3-cycle
        (30, 999),
        (31, 30),  # an orphan parent ends the walk
    ]
    assert cycle_members(links) == {10, 11, 20, 21, 22}
    assert cycle_members([]) == set()


def test_a_root_moved_under_its_deepest_descendant_puts_that_path_on_a_cycle():
    # Mostly under a recent group: deep chains, as real hierarchies have under one root.
    parent, path = deep_tree(50_000, window=3, seed=5)
    assert len(path) > 1000, "a deep tree"
    parent[1] = path[0]  # the one bad edit: the root under its deepest descendant
    assert cycle_members(list(parent.items())) == set(path)


def test_the_bad_edit_day_loads_and_the_check_names_the_cycle(pipeline):
    parent, path = deep_tree(600, window=3, seed=5)
    members = {gid: [10_000 + gid] if gid not in path else [] for gid in parent}
    day1 = [group(g, parent=p, agents=members[g]) for g, p in parent.items()]
    agents = [agent(10_000 + g) for g in parent]
    pipeline.write("d1", {"admin_groups/g.json": lines(*day1), "agents/a.json": lines(*agents)})
    pipeline.run("d1")
    moved = group(1, parent=path[0], agents=members[1], updated="2026-11-02T00:00:00Z")
    pipeline.write("d2", {"admin_groups/g.json": lines(moved)})
    result = pipeline.run("d2")
    (cycles,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "hierarchy_cycles"]
    assert not cycles.passed and cycles.metadata["count"].value == len(path)
    assert f"day d2: {len(path)} group(s) on a hierarchy cycle" == cycles.description
    # Every group on the cycle is an ancestor of the others: the leaf agents below keep them active.
    assert pipeline.inactive() == set()
