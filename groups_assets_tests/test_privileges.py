"""A least-privilege role on the real server: CONNECT and CREATE on a database owned by another
role is all the pipeline needs (README: Pointing at a real PostgreSQL); a missing privilege
fails the day at once, without retries, saying which privilege to grant."""

from __future__ import annotations

import shutil
import uuid

import psycopg
import pytest
from dagster import DagsterEventType
from psycopg.conninfo import make_conninfo

from groups_assets_tests.support import SAMPLE, Pipeline


@pytest.fixture
def restricted(pg_url):
    """A role, and a database owned by the server's admin on which PUBLIC has nothing (no TEMP)."""
    suffix = uuid.uuid4().hex[:8]
    role, db = f"loader_{suffix}", f"warehouse_{suffix}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'Tr1cky:p@ss/word'")
        admin.execute(f"CREATE DATABASE {db}")
        admin.execute(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
    with psycopg.connect(make_conninfo(pg_url, dbname=db), autocommit=True) as admin:
        admin.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    yield role, db, make_conninfo(pg_url, dbname=db, user=role, password="Tr1cky:p@ss/word")


def _pipeline(pipeline: Pipeline, url: str) -> Pipeline:
    shutil.copytree(SAMPLE, pipeline.root, dirs_exist_ok=True)
    return Pipeline(
        root=pipeline.root, url=url, schema="helpdesk", instance=pipeline.instance, staging=pipeline.staging
    )


def test_connect_and_create_on_the_database_are_enough(pipeline, restricted, pg_url):
    role, db, url = restricted
    with psycopg.connect(make_conninfo(pg_url, dbname=db), autocommit=True) as admin:
        admin.execute(f"GRANT CONNECT, CREATE ON DATABASE {db} TO {role}")
        temp = admin.execute("SELECT has_database_privilege(%s, %s, 'TEMP')", (role, db)).fetchone()[0]
    assert temp is False, "the role may not create temporary tables"
    loader = _pipeline(pipeline, url)
    loader.run("day1")
    loader.run("day2")
    assert len(loader.groups()) == 31
    assert loader.inactive() == {1008, 1009, 1011, 1018, 1021, 1022, 1028}
    assert loader.query("SELECT count(*) FROM pg_tables WHERE tablename LIKE '\\_stage\\_%%'") == [(0,)]


def test_a_missing_privilege_fails_at_once_and_says_which(pipeline, restricted, pg_url):
    role, db, url = restricted
    with psycopg.connect(make_conninfo(pg_url, dbname=db), autocommit=True) as admin:
        admin.execute(f"GRANT CONNECT ON DATABASE {db} TO {role}")  # no CREATE
    result = _pipeline(pipeline, url).run("day1", expect_success=False)
    retries = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    assert retries == [], "a permission error is not retried"
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message
    assert "permission denied" in message and "42501" in message and "privileges" in message
    assert "p@ss" not in message and "Tr1cky" not in message
