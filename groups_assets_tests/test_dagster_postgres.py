"""Dagster's own storage on PostgreSQL: groups_assets/deploy/dagster.yaml as shipped, its variables
pointing at a fresh database of the test server, one day loaded from the command line, and the
run, its events and the day's partition found in that database (and nothing in SQLite)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import yaml
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from groups_assets.definitions import defs
from groups_assets_tests.support import SAMPLE

# A whole process per run (CLI, webserver, cluster or fault): the quick loop leaves it out.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
INSTANCE_YAML = REPO / "groups_assets" / "deploy" / "dagster.yaml"
PG_VARS = ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB")


def _create_database(pg_url: str, prefix: str) -> str:
    dbname = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    return psycopg.conninfo.make_conninfo(pg_url, dbname=dbname)


def _storage_vars(url: str) -> dict[str, str]:
    """The DAGSTER_PG_* variables for the database at `url` (a URL or a key=value conninfo)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    host = str(info.get("host") or "")
    found = {
        "DAGSTER_PG_HOST": host,
        "DAGSTER_PG_PORT": str(info.get("port") or 5432),
        "DAGSTER_PG_USER": str(info.get("user") or "postgres"),
        "DAGSTER_PG_PASSWORD": str(info.get("password") or ""),
        "DAGSTER_PG_DB": str(info["dbname"]),
    }
    if host.startswith("/"):
        # A unix socket (the embedded server): dagster-postgres puts the host into a URL, where a
        # path cannot go. An empty host lets libpq take the socket folder from PGHOST.
        found |= {"DAGSTER_PG_HOST": "", "PGHOST": host}
    return found


@pytest.fixture
def pg_instance_env(tmp_path, pg_url, monkeypatch) -> dict[str, str]:
    """A DAGSTER_HOME holding the shipped dagster.yaml, its storage in a fresh database, and a fresh
    target database; the storage variables are also set in this process for DagsterInstance.get()."""
    storage_url = _create_database(pg_url, "dagster")
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(INSTANCE_YAML, dagster_home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUPS_", "DAGSTER_", "PG"))}
    env |= _storage_vars(storage_url) | {
        "DAGSTER_HOME": str(dagster_home),
        "GROUPS_DATABASE_URL": _create_database(pg_url, "target"),
        "GROUPS_HOME": str(tmp_path / "home"),
        "GROUPS_SOURCE_ROOT": str(SAMPLE),
    }
    for name in (*PG_VARS, "DAGSTER_HOME", "PGHOST"):
        if name in env:
            monkeypatch.setenv(name, env[name])
    env["storage_url"] = storage_url
    return env


def test_shipped_config_has_no_secret_and_the_psycopg2_scheme():
    db = yaml.safe_load(INSTANCE_YAML.read_text())["storage"]["postgres"]["postgres_db"]
    assert db["scheme"] == "postgresql+psycopg2"
    for key, var in zip(("hostname", "port", "username", "password", "db_name"), PG_VARS, strict=True):
        assert db[key] == {"env": var}


def test_a_day_is_recorded_in_postgres_storage(pg_instance_env, tmp_path):
    env = {k: v for k, v in pg_instance_env.items() if k != "storage_url"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "groups_assets", "--day", "day1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "day day1: succeeded" in done.stdout

    # Through Dagster: the same dagster.yaml, read by DagsterInstance.get().
    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__module__.startswith("dagster_postgres")
        assert type(instance.event_log_storage).__module__.startswith("dagster_postgres")
        (run,) = instance.get_runs(RunsFilter(job_name="sync_day_job"))
        assert run.status == DagsterRunStatus.SUCCESS
        assert run.tags["dagster/partition"] == "day1"
        # both of the sample's day folders are listed as partitions; only the day run is materialized
        assert instance.get_dynamic_partitions("sync_days") == ["day1", "day2"]
        assert instance.get_materialized_partitions(AssetKey("inactive_flags")) == {"day1"}
        (record,) = instance.fetch_materializations(AssetKey("inactive_flags"), limit=10).records
        assert record.run_id == run.run_id and record.partition_key == "day1"
        checks = instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
        evaluated = {r.event_log_entry.dagster_event.event_specific_data.check_name for r in checks}
        assert evaluated == {key.name for key in defs().resolve_asset_graph().asset_check_keys}

    # Straight from the storage database: Dagster's tables are there, and hold the day.
    with psycopg.connect(pg_instance_env["storage_url"]) as conn:
        runs = conn.execute("SELECT run_id, status FROM runs").fetchall()
        assert runs == [(run.run_id, "SUCCESS")]
        materialized = conn.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = %s AND dagster_event_type = "
            "'ASSET_MATERIALIZATION' AND asset_key = %s AND partition = 'day1'",
            (run.run_id, AssetKey("inactive_flags").to_string()),
        ).fetchone()[0]
        assert materialized == 1
        partitions = conn.execute(
            "SELECT partitions_def_name, partition FROM dynamic_partitions ORDER BY partition"
        ).fetchall()
        assert partitions == [("sync_days", "day1"), ("sync_days", "day2")]

    # Nothing went to SQLite: the instance folder holds no database file.
    assert not list(Path(env["DAGSTER_HOME"]).rglob("*.db"))

    with psycopg.connect(env["GROUPS_DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM groups").fetchone()[0] == 31
    print(f"\nday1 through the CLI with Dagster storage on PostgreSQL: {took:.1f} s")
