"""The code location loads as `dagster dev` loads it: the asset graph, its checks and the job."""

from dagster import AssetKey

from groups_assets.definitions import defs
from groups_assets.jobs import sync_day_job
from groups_assets_tests.support import ASSETS


def test_code_location_has_the_asset_graph_checks_and_job():
    loaded = defs()
    graph = loaded.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == ASSETS
    assert graph.get(AssetKey("inactive_flags")).parent_keys == {
        AssetKey("groups_table"),
        AssetKey("membership_table"),
        AssetKey("agents_table"),
    }
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("validated_groups", "malformed_groups") in checks
    assert ("membership_table", "orphan_memberships") in checks
    assert ("groups_table", "hierarchy_cycles") in checks
    assert loaded.resolve_job_def(sync_day_job.name).partitions_def.name == "sync_days"
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners and node.tags.get("domain") == "helpdesk", key
