"""The warehouse's own promises on the real PostgreSQL: the staging columns Spark writes are the
columns the SQL creates, in the same order and of matching types; a partition that two task
attempts write is staged once."""

import threading
from contextlib import contextmanager

import psycopg
import pyarrow as pa
import pytest
from psycopg import sql

from groups_assets.day.load import retry_reason
from groups_assets.warehouse.staging import (
    STAGE_COLUMNS,
    Claim,
    Stage,
    StagingMismatch,
    stage_day,
    write_batches,
)

PG_TYPE = {"int": "bigint", "text": "text", "micros": "timestamp with time zone", "bool": "boolean"}


def test_stage_columns_agree_with_the_sql(pg_url):
    stage = Stage.new()
    with psycopg.connect(pg_url) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(f"cols_{stage.token}")))
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(f"cols_{stage.token}")))
        stage.create(conn)
        for kind, columns in STAGE_COLUMNS.items():
            found = conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = %s ORDER BY ordinal_position",
                (stage.table(kind),),
            ).fetchall()
            assert found == [(name, PG_TYPE[how]) for name, how in columns], kind
        conn.rollback()


@contextmanager
def _stage(pg_url):
    """A stage in a schema of its own; yields it, the connect arguments of its tasks and the
    connection that holds it."""
    stage = Stage.new()
    schema = f"claims_{stage.token}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        stage.create(conn)
        yield stage, {"conninfo": pg_url, "options": f"-c search_path={schema}"}, conn
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


_ROWS = pa.schema(
    [*((k, pa.string()) for k in STAGE_COLUMNS), ("reason", pa.string()), ("foreign", pa.bool_())]
)


def _rows(kind: str, lines: list[str]) -> pa.RecordBatch:
    """stage_rows rows that add `lines` to the `kind` table, each a valid record."""
    empty = [None] * len(lines)
    columns = {k: (lines if k == kind else empty) for k in STAGE_COLUMNS}
    return pa.RecordBatch.from_pydict(
        columns | {"reason": [""] * len(lines), "foreign": [False] * len(lines)}, schema=_ROWS
    )


def _staged(conn, stage: Stage, kind: str) -> list[tuple]:
    return conn.execute(
        sql.SQL("SELECT * FROM {} ORDER BY 1, 2").format(sql.Identifier(stage.table(kind)))
    ).fetchall()


def test_two_attempts_of_a_partition_at_once_stage_its_rows_once(pg_url):
    """A speculative copy and the original write the same partition with their COPYs open at the
    same time; a third attempt comes after both (a task re-run after its executor was lost)."""
    lines = [f"{g},{a}\n" for g in range(1, 4) for a in range(10, 12)]
    both_copying = threading.Barrier(2)

    def attempt(number: int, meet: bool):
        def batches():
            yield _rows("members", lines[:3])
            if meet:
                both_copying.wait(timeout=30)  # the first lines are in both COPYs, uncommitted
            yield _rows("members", lines[3:])

        claim = Claim(stage.claim_statement(), "admin_groups", 7, number)
        try:
            found[number] = write_batches(batches(), connect_kwargs, stage.copy_statements(), claim)
        except Exception as err:  # noqa: BLE001 (the test reports it)
            found[number] = err

    with _stage(pg_url) as (stage, connect_kwargs, conn):
        found = {}
        racing = [threading.Thread(target=attempt, args=(n, True)) for n in (0, 1)]
        for thread in racing:
            thread.start()
        for thread in racing:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in racing), "two attempts of a partition deadlocked"
        attempt(2, False)
        assert not [err for err in found.values() if isinstance(err, Exception)], found

        assert _staged(conn, stage, "members") == sorted((g, a) for g in range(1, 4) for a in range(10, 12))
        claims = conn.execute(
            sql.SQL("SELECT kind, partition, attempt, rows FROM {}").format(
                sql.Identifier(stage.table("claims"))
            )
        ).fetchall()
        assert len(claims) == 1 and claims[0][:2] == ("members", 7) and claims[0][2] in (0, 1)
        assert claims[0][3] == 6
        # Every attempt counts the rows of the partition, as the driver expects of the one it accepts.
        assert {n: c.rows["members"] for n, c in found.items()} == {0: 6, 1: 6, 2: 6}


def test_staging_that_disagrees_with_the_accepted_attempts_stops_the_day(pg_url, spark):
    """An earlier attempt of partition 0 claimed it with other rows (its input changed under it):
    the accepted attempt's rows are rolled back, and the day stops before any write."""
    with _stage(pg_url) as (stage, connect_kwargs, conn):
        ddl = ", ".join(f"{k} string" for k in STAGE_COLUMNS) + ", reason string, foreign boolean"
        rows = spark.createDataFrame(_rows("members", ["1,10\n", "1,11\n"]).to_pylist(), schema=ddl).coalesce(
            1
        )
        conn.execute(
            sql.SQL("INSERT INTO {} VALUES ('admin_groups', 'members', 0, 0, 5)").format(
                sql.Identifier(stage.table("claims"))
            )
        )
        with pytest.raises(
            StagingMismatch,
            match=r"admin_groups/: the staging tables hold row\(s\) 5 members where .* counted 2 members",
        ) as refused:
            stage_day(rows, "admin_groups", connect_kwargs, stage, on_driver=False)
        assert retry_reason(refused.value) == str(refused.value)  # tried again, saying why
        assert _staged(conn, stage, "members") == []
