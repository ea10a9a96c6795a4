"""Shared fixtures: one real Spark session and one real (embedded) PostgreSQL per test session;
each test gets its own schema and source folder."""

from __future__ import annotations

import itertools
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from dagster import DagsterInstance

from groups_assets.definitions import JOB_NAME, build_definitions
from groups_assets.partitions import sync_days
from groups_assets.resources.embedded import embedded_url
from groups_assets.resources.spark import spark_resource
from groups_assets.settings import Settings

_schemas = itertools.count(1)


@pytest.fixture(scope="session")
def spark():
    return spark_resource("local[2]").spark_session


@pytest.fixture(scope="session")
def pg_url() -> str:
    """GROUPS_TEST_DATABASE_URL, or an embedded server for this test session."""
    if url := os.environ.get("GROUPS_TEST_DATABASE_URL"):
        yield url
        return
    # Not under pytest's tmp_path: that folder is private to root, and the embedded server
    # runs as its own OS user.
    folder = Path(tempfile.mkdtemp(prefix="groups-test-pg-"))
    _EMBEDDED["pgdata"] = folder / "pgdata"
    yield embedded_url(folder / "pgdata")


_EMBEDDED: dict[str, Path] = {}


@pytest.fixture
def pg_data(pg_url) -> Path:
    """The data folder of the embedded test server (tests that stop and start it need it)."""
    if "pgdata" not in _EMBEDDED:
        pytest.fail("this test restarts the embedded test server: unset GROUPS_TEST_DATABASE_URL")
    return _EMBEDDED["pgdata"]


SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
# The asset graph the project promises (README): what a day materializes and the UI lists.
ASSETS = {
    "raw_groups",
    "raw_agents",
    "validated_groups",
    "validated_agents",
    "groups_table",
    "membership_table",
    "agents_table",
    "inactive_flags",
}


@pytest.fixture
def cli_env(tmp_path, pg_url) -> dict[str, str]:
    """The environment of a user's shell: a fresh database in the test server, fresh GROUPS_HOME
    and DAGSTER_HOME folders, the sample data as source root."""
    dbname = f"cli_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUPS_", "DAGSTER_"))}
    env |= {
        "GROUPS_DATABASE_URL": psycopg.conninfo.make_conninfo(pg_url, dbname=dbname),
        "GROUPS_HOME": str(tmp_path / "home"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "GROUPS_SOURCE_ROOT": str(SAMPLE),
    }
    return env


def lines(*records: object) -> str:
    """A JSON Lines file: dicts are dumped, strings are written as they are."""
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


@dataclass
class Pipeline:
    """A source root, a schema and a Dagster instance of one test, and ways to look at them."""

    root: Path
    url: str
    schema: str
    instance: DagsterInstance
    staging: Path

    def settings(self) -> Settings:
        return Settings(
            home=self.root.parent,
            source_root=self.root,
            database_url=self.url,
            db_schema=self.schema,
            spark_master="local[2]",
            staging_dir=str(self.staging),
            dagster_home=self.root.parent / "dagster_home",
        )

    def write(self, day: str, files: dict[str, str | bytes]) -> Path:
        """Write sync-<day>/<relative path> files; returns the day folder."""
        folder = self.root / f"sync-{day}"
        for rel, content in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        (folder / "admin_groups").mkdir(parents=True, exist_ok=True)
        return folder

    def run(self, day: str, expect_success: bool = True):
        job = build_definitions(self.settings()).resolve_job_def(JOB_NAME)
        if not self.instance.has_dynamic_partition(sync_days.name, day):
            self.instance.add_dynamic_partitions(sync_days.name, [day])
        result = job.execute_in_process(partition_key=day, instance=self.instance, raise_on_error=False)
        assert result.success == expect_success, [
            e.step_failure_data.error.message for e in result.all_events if e.is_step_failure
        ]
        return result

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url, options=f"-c search_path={self.schema}") as conn:
            return conn.execute(sql, params).fetchall()

    def groups(self) -> dict[int, dict]:
        rows = self.query(
            "SELECT group_id, name, parent_group_id, updated_at, inactive, deleted, sync_day "
            "FROM groups ORDER BY group_id"
        )
        keys = ("name", "parent_group_id", "updated_at", "inactive", "deleted", "sync_day")
        return {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows}

    def inactive(self) -> set[int]:
        return {gid for gid, g in self.groups().items() if g["inactive"]}

    def members(self) -> set[tuple[int, int]]:
        return set(self.query("SELECT group_id, agent_id FROM group_membership"))

    def rejects(self, day: str | None = None) -> list[tuple]:
        sql = "SELECT sync_day, source, source_file, record_no, reason FROM rejects"
        if day:
            return self.query(sql + " WHERE sync_day = %s ORDER BY 2, 3, 4", (day,))
        return self.query(sql + " ORDER BY 1, 2, 3, 4")

    def dump(self) -> dict[str, list[tuple]]:
        """Every row of every table, for comparing whole states."""
        return {
            t: self.query(f"SELECT * FROM {t} ORDER BY 1, 2")  # noqa: S608 - fixed names
            for t in ("groups", "group_membership", "agents")
        } | {
            "rejects": self.query(
                "SELECT sync_day, source, source_file, record_no, raw_record, reason FROM rejects "
                "ORDER BY 1, 2, 3, 4"
            )
        }


@pytest.fixture
def pipeline(tmp_path, pg_url, spark) -> Pipeline:
    root = tmp_path / "source"
    root.mkdir()
    with DagsterInstance.ephemeral() as instance:
        yield Pipeline(
            root=root,
            url=pg_url,
            schema=f"t{os.getpid()}_{next(_schemas)}",
            instance=instance,
            staging=tmp_path / "staging",
        )


def group(gid, name=None, parent=None, agents=(), updated="2026-11-01T00:00:00Z", **extra) -> dict:
    """A valid group record; override or add any field with keyword arguments."""
    record = {
        "group_id": gid,
        "name": name or f"group {gid}",
        "parent_group_id": parent,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": updated,
        "agent_ids": list(agents),
    }
    record.update(extra)
    return record


def agent(aid, active=True, updated="2026-11-01T00:00:00Z", **extra) -> dict:
    record = {"agent_id": aid, "active": active, "name": f"agent {aid}", "updated_at": updated}
    record.update(extra)
    return record
