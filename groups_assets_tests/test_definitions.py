"""The code location loads as `dagster dev` loads it: the asset graph, its checks and the job."""

import re
from pathlib import Path

from dagster import AssetKey

from groups_assets.definitions import defs
from groups_assets.names import SYNC_DAY_JOB
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
    assert loaded.resolve_job_def(SYNC_DAY_JOB).partitions_def.name == "sync_days"
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners and node.tags.get("domain") == "helpdesk", key


def test_every_setting_of_a_run_is_a_resource_field_and_documented():
    """The configuration page's table (docs/configuration.md) says which variable sets which field,
    as settings.py does; each of those fields exists on the resource the code location ships, and
    its description names its variable."""
    from groups_assets.variables import VARIABLES

    page = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text()
    table = page.split("## Settings of a run", 1)[1].split("## Outside the resources", 1)[0]
    rows = re.findall(r"^\| `(GROUPS_[A-Z_]+)` \| ([^|]+) \|", table, flags=re.MULTILINE)
    documented = {var: tuple(f.strip() for f in cell.replace("`", "").split(",")) for var, cell in rows}
    assert documented == VARIABLES
    shipped = defs().resources
    for var, fields in VARIABLES.items():
        for field in fields:
            key, name = field.split(".")
            assert var in type(shipped[key]).model_fields[name].description, (var, field)


def test_each_database_and_schema_has_a_dagster_home_of_its_own():
    from groups_assets.dagster_home import home_of
    from groups_assets.settings import build_resources

    def home(**env) -> Path:
        environ = {"GROUPS_HOME": "/srv/groups", **env}
        return home_of(build_resources(environ)["postgres"], environ)

    assert home() == Path("/srv/groups/dagster_home")  # the embedded database's public schema
    url = "postgresql://loader:secret@db.internal:5432/warehouse"
    homes = {
        home(GROUPS_DB_SCHEMA="other"),
        home(GROUPS_DATABASE_URL=url),
        home(GROUPS_DATABASE_URL=url, GROUPS_DB_SCHEMA="helpdesk"),
        home(GROUPS_DATABASE_URL=url.replace("db.internal", "db2.internal")),
    }
    assert len(homes) == 4 and Path("/srv/groups/dagster_home") not in homes
    assert all(h.parent == Path("/srv/groups") and "secret" not in str(h) for h in homes)
    assert home(DAGSTER_HOME="/srv/dagster") == Path("/srv/dagster")
