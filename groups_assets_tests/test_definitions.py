"""The code location loads as `dagster dev` loads it: the asset graph, its checks and the job."""

from dagster import AssetKey

from groups_assets.definitions import JOB_NAME, defs
from groups_assets_tests.conftest import ASSETS


def test_code_location_has_the_asset_graph_checks_and_job():
    graph = defs.resolve_asset_graph()
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
    assert defs.resolve_job_def(JOB_NAME).partitions_def.name == "sync_days"
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners and node.tags.get("domain") == "helpdesk", key
