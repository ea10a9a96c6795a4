"""The flow of a day without Dagster: `load_day` on a real Spark session and a real PostgreSQL, its
typed outcome, a blocked day and a refused one."""

from __future__ import annotations

import os
import shutil

import psycopg
import pytest
from pyspark.errors import PySparkException

from groups_assets.day.load import load_day, retry_reason
from groups_assets.day.outcome import DayRefused
from groups_assets.formats import get
from groups_assets.warehouse.database import Database
from groups_assets_tests.support import SAMPLE, dump, free_port, lines


class LocalSpark:
    """The test session's Spark, as load_day asks for it."""

    def __init__(self, session) -> None:
        self._session = session

    def session(self, input_bytes: int):
        return self._session

    def describe(self) -> str:
        return "the test session"


@pytest.fixture
def database(pg_url, request) -> Database:
    return Database(pg_url, f"load_day_{os.getpid()}_{request.node.name[-20:].strip('_')}", "the test server")


def test_a_day_loads_and_says_what_it_did(spark, database, tmp_path):
    shutil.copytree(SAMPLE, tmp_path, dirs_exist_ok=True)
    outcome = load_day("day1", get("contract"), tmp_path, database, LocalSpark(spark), 0.2)
    assert not outcome.blocked
    assert outcome.counts.read("admin_groups") == 43 and outcome.counts.valid("admin_groups") == 31
    applied = outcome.applied
    assert applied.first_load and applied.groups_written == 31 and applied.groups_new == 31
    assert applied.memberships_added == 61 and applied.agents_written == 60
    assert applied.held.groups.staged == 31 and applied.held.groups.missing == 0
    assert sum(n for (source, _), n in applied.rejected.items() if source == "admin_groups") == 12
    verdicts = {v.check: v for v in outcome.verdicts}
    assert verdicts["records_accounted"].passed and verdicts["reject_ratio"].passed
    assert not verdicts["malformed_groups"].passed and verdicts["malformed_groups"].metadata["rejected"] == 12
    assert len(dump(database.conninfo, database.schema)["groups"]) == 31


def test_a_blocked_day_writes_nothing_and_says_why(spark, database, tmp_path):
    (tmp_path / "sync-d1" / "admin_groups").mkdir(parents=True)
    (tmp_path / "sync-d1" / "admin_groups" / "g.json").write_text(lines("not json", "[]", '{"group_id": 1}'))
    outcome = load_day("d1", get("contract"), tmp_path, database, LocalSpark(spark), 0.2)
    assert outcome.blocked and outcome.applied is None
    blocking = outcome.verdict("reject_ratio")
    assert not blocking.passed and blocking.severity == "ERROR"
    assert "no valid group record in admin_groups/ (3 records read there" in blocking.description
    assert dump(database.conninfo, database.schema)["groups"] == []


def test_a_day_of_another_format_is_refused_before_any_work(spark, database, tmp_path):
    shutil.copytree(SAMPLE, tmp_path, dirs_exist_ok=True)
    load_day("day1", get("contract"), tmp_path, database, LocalSpark(spark), 0.2)
    with pytest.raises(DayRefused, match="holds days of the contract format"):
        load_day("day2", get("zendesk"), tmp_path, database, LocalSpark(spark), 0.2)


def test_a_retry_says_why_and_only_errors_a_retry_fixes_get_one(spark, pg_url):
    """The retry's warning names what happened: a lost connection is not a deadlock. A missing
    table or a Spark error of the plan itself fails the same way every time: no retry."""
    with pytest.raises(psycopg.OperationalError) as lost:
        psycopg.connect(f"postgresql://nobody@127.0.0.1:{free_port()}/none", connect_timeout=2)
    assert retry_reason(lost.value) == "database connection lost"
    asked = "PostgreSQL asked for the day's transaction to be tried again"
    for error in (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected):
        assert retry_reason(error("could not serialize access")) == asked
    with psycopg.connect(pg_url) as conn, pytest.raises(psycopg.errors.UndefinedTable) as missing:
        conn.execute("SELECT * FROM no_such_table")
    assert retry_reason(missing.value) is None
    with pytest.raises(PySparkException) as plan:
        spark.sql("SELECT * FROM no_such_view").collect()
    assert retry_reason(plan.value) is None
