"""group_history and groups.inactive_since on the real parts: versions opened by renames,
re-parenting, deletes and flips caused deep below; none by replays, re-runs or a flip and flip
back within one day; and a database loaded before history existed gains it on the next run."""

from __future__ import annotations

import pytest

from groups_assets_tests.support import Pipeline, agent, as_version, group, lines

T1, T2, T3, T4 = (f"2026-11-0{d}T00:00:00Z" for d in (1, 2, 3, 4))


def versions(pipeline: Pipeline, gid: int) -> list[tuple]:
    """(name, parent, deleted, inactive, sync_day) of each version, oldest first."""
    return [v[:5] for v in pipeline.history(gid)]


def opened(result) -> int:
    events = result.asset_materializations_for_node("sync_day")
    (event,) = [e for e in events if e.asset_key.path == ["group_history"]]
    return event.metadata["versions_opened"].value


@pytest.mark.slow  # several days, or thousands of records, through Spark
def test_versions_follow_the_days(pipeline):
    # A chain 1 <- 2 <- 3 <- 4; the only active agent (40) sits at the bottom, under 4.
    chain = {1: None, 2: 1, 3: 2, 4: 3}
    pipeline.write(
        "d1",
        {
            "admin_groups/g.json": lines(
                *[group(g, parent=p, agents=[40] if g == 4 else []) for g, p in chain.items()]
            ),
            "agents/a.json": lines(agent(40, updated=T1)),
        },
    )
    assert opened(pipeline.run("d1")) == 4
    assert versions(pipeline, 1) == [("group 1", None, False, False, "d1")]

    # Day 2: group 2 is renamed; agent 40 leaves, so all four go inactive (a flip from three
    # levels below group 1, with no record of group 1 that day).
    pipeline.write(
        "d2",
        {
            "admin_groups/g.json": lines(group(2, name="Two", parent=1, updated=T2)),
            "agents/a.json": lines(agent(40, active=False, updated=T2)),
        },
    )
    assert opened(pipeline.run("d2")) == 4
    assert versions(pipeline, 1) == [
        ("group 1", None, False, False, "d1"),
        ("group 1", None, False, True, "d2"),
    ]
    assert versions(pipeline, 2)[-1] == ("Two", 1, False, True, "d2")  # rename and flip: one version

    # Day 3: group 4 is re-parented under 1, group 3 deleted; agent 40 is back (so 4 and 1 are active).
    pipeline.write(
        "d3",
        {
            "admin_groups/g.json": lines(
                group(4, parent=1, agents=[40], updated=T3), group(3, parent=2, updated=T3, deleted=True)
            ),
            "agents/a.json": lines(agent(40, updated=T3)),
        },
    )
    pipeline.run("d3")
    assert versions(pipeline, 4)[-1] == ("group 4", 1, False, False, "d3")
    assert versions(pipeline, 3)[-1] == ("group 3", 2, True, True, "d3")
    assert versions(pipeline, 1)[-1] == ("group 1", None, False, False, "d3")
    assert versions(pipeline, 2)[-1] == ("Two", 1, False, True, "d2"), "still inactive: no version"

    before = pipeline.dump()
    assert opened(pipeline.run("d3")) == 0, "a re-run adds no version"
    assert opened(pipeline.run("d1")) == 0, "a replay of an older day changes nothing"
    assert pipeline.dump() == before

    # Versions meet: each closed one ends where the next begins; only the last is open.
    for gid in chain:
        history = pipeline.history(gid)
        assert [v[6] for v in history[:-1]] == [v[5] for v in history[1:]]
        assert history[-1][6] is None

    # inactive_since: when the group last became inactive (day 2 for 2), NULL while active.
    since = dict(pipeline.query("SELECT group_id, inactive_since FROM groups"))
    day2_time = pipeline.history(2)[-1][5]
    assert since == {1: None, 2: day2_time, 3: pipeline.history(3)[-2][5], 4: None}


def test_a_flip_and_a_flip_back_within_one_day_opens_no_version(pipeline):
    pipeline.write(
        "d1",
        {"admin_groups/g.json": lines(group(1, agents=[10], updated=T1)), "agents/a.json": lines(agent(10))},
    )
    pipeline.run("d1")
    # Agent 10 leaves, and the same day the group lists agent 11, who is active: it stays active.
    pipeline.write(
        "d2",
        {
            "admin_groups/g.json": lines(group(1, agents=[10, 11], updated=T2)),
            "agents/a.json": lines(agent(10, active=False, updated=T2), agent(11, updated=T2)),
        },
    )
    assert opened(pipeline.run("d2")) == 0
    assert versions(pipeline, 1) == [("group 1", None, False, False, "d1")]


def test_a_database_loaded_before_history_gains_it_on_the_next_run(pipeline):
    pipeline.write(
        "d1",
        {
            "admin_groups/g.json": lines(group(1, agents=[10]), group(2), group(3, parent=1)),
            "agents/a.json": lines(agent(10)),
        },
    )
    pipeline.run("d1")
    # The schema as version 1 made it, before history: no group_history, no inactive_since.
    as_version(pipeline.url, pipeline.schema, 1)
    pipeline.write("d2", {"admin_groups/g.json": lines(group(3, name="Three", parent=1, updated=T4))})
    result = pipeline.run("d2")
    assert opened(result) == 3, "one open version per group, touched today or not"
    assert {gid: versions(pipeline, gid) for gid in (1, 2, 3)} == {
        1: [("group 1", None, False, False, "d2")],
        2: [("group 2", None, False, True, "d2")],
        3: [("Three", 1, False, True, "d2")],  # no active agent in it or below
    }
    since = dict(pipeline.query("SELECT group_id, inactive_since FROM groups"))
    assert since[1] is None
    assert since[2] == since[3] == pipeline.history(2)[0][5], "the time of the first run that saw them"
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "history_versions"]
    assert check.passed
