"""Shared fixtures: one real Spark session and one real (embedded) PostgreSQL per test session;
each test gets its own schema and source folder."""

from __future__ import annotations

import itertools
import os
import tempfile
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from dagster import DagsterInstance

from groups_assets.resources.spark import SparkResource
from groups_assets.runtime.embedded import discard, embedded_url
from groups_assets.runtime.spark_session import session, spark_config
from groups_assets_tests.support import SAMPLE, Pipeline, Recorder

_schemas = itertools.count(1)


@pytest.fixture(scope="session")
def spark():
    return session(spark_config("local[2]", SparkResource().cache()), input_bytes=0)


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
    try:
        yield embedded_url(folder / "pgdata")
    finally:
        discard(folder)  # restarted by a test or not, the server ends with the test session


_EMBEDDED: dict[str, Path] = {}


@pytest.fixture
def pg_data(pg_url) -> Path:
    """The data folder of the embedded test server (tests that stop and start it need it)."""
    if "pgdata" not in _EMBEDDED:
        pytest.fail("this test restarts the embedded test server: unset GROUPS_TEST_DATABASE_URL")
    return _EMBEDDED["pgdata"]


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
        # The processes' temporary files (Spark's among them) stay with the test, also those of
        # a process a fault test kills (no exit handler runs then).
        "TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    return env


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


@pytest.fixture
def server():
    """A real webhook receiver on 127.0.0.1 (support.Recorder)."""
    recorder = Recorder()
    thread = threading.Thread(target=recorder.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield recorder
    recorder.shutdown()
    recorder.server_close()


# The modules that take longest, by their measured times: the workers start them first and share
# the short ones after, so that no worker meets a long one last.
LONGEST_FIRST = ("test_deployment", "test_cli", "test_faults", "test_reliability", "test_formats")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.path.stem
        return LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)
