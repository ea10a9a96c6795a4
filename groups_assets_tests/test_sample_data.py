"""The shipped sample data through the whole Dagster graph on an ephemeral instance: the tables
after day 1 and day 2 are those sample_data/README.md describes; re-runs and replays change
no row; every asset and check is materialized."""

from __future__ import annotations

import shutil

import pytest

from groups_assets_tests.support import ASSETS, SAMPLE

CHECKS = {
    "malformed_groups",
    "malformed_memberships",
    "malformed_agents",
    "orphan_memberships",
    "orphan_parents",
    "hierarchy_cycles",
    "records_accounted",
    "reject_ratio",
    "history_versions",
    "membership_history_versions",
    "agent_history_versions",
}


@pytest.mark.slow  # several days, or thousands of records, through Spark
def test_sample_days_replays_and_reruns(pipeline):
    shutil.copytree(SAMPLE, pipeline.root, dirs_exist_ok=True)

    day1 = pipeline.run("day1")
    assert {e.asset_key.path[-1] for e in day1.get_asset_materialization_events()} == ASSETS
    checks = {e.check_name: e for e in day1.get_asset_check_evaluations()}
    assert set(checks) == CHECKS
    for check in checks.values():  # each result carries its day: partition, metadata, description
        assert check.partition == "day1" and check.metadata["day"].value == "day1", check.check_name
        assert check.description.startswith("day day1: "), check.description
    assert checks["records_accounted"].passed
    assert pipeline.inactive() == {1011, 1028}
    assert len(pipeline.groups()) == 31
    assert len(pipeline.members()) == 61
    assert pipeline.query("SELECT count(*), count(*) FILTER (WHERE active) FROM agents") == [(60, 48)]
    assert len(pipeline.rejects("day1")) == 19

    pipeline.run("day2")
    after_day2 = pipeline.dump()
    groups = pipeline.groups()
    assert pipeline.inactive() == {1008, 1009, 1011, 1018, 1021, 1022, 1028}
    assert {g for g, row in groups.items() if row["deleted"]} == {1009}
    assert groups[1019]["parent_group_id"] == 1006  # re-parented
    assert groups[1013]["sync_day"] == "day1"  # the stale day-2 record changed nothing
    assert {g for g, row in groups.items() if row["sync_day"] == "day2"} == {1006, 1009, 1019, 1023}
    assert (1006, 50011) not in pipeline.members()  # membership removed on day 2
    assert len(pipeline.rejects("day2")) == 20

    pipeline.run("day2")
    assert pipeline.dump() == after_day2, "re-running a day changed rows"
    pipeline.run("day1")
    assert pipeline.dump() == after_day2, "replaying day 1 after day 2 changed rows"
