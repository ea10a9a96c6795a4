"""Spark executors COPY a DataFrame into a PostgreSQL staging table, in parallel.

Each row is turned into one CSV line by Spark itself (JVM column expressions); each executor
task then streams its Arrow batches' string buffers to `COPY ... FROM STDIN (FORMAT csv)`
without touching rows one by one in Python. A task commits its part when it ends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from groups_assets.warehouse.statements import statement

# The columns of each staging table, in sql/stage_create.sql order, with how Spark writes them
# (a test checks that they agree with the SQL).
STAGE_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "groups": [
        ("group_id", "int"),
        ("name", "text"),
        ("parent_group_id", "int"),
        ("created_at", "micros"),
        ("updated_at", "micros"),
        ("deleted", "bool"),
    ],
    "members": [("group_id", "int"), ("agent_id", "int")],
    "agents": [
        ("agent_id", "int"),
        ("name", "text"),
        ("email", "text"),
        ("active", "bool"),
        ("updated_at", "micros"),
    ],
    "rejects": [
        ("source", "text"),
        ("source_file", "text"),
        ("record_no", "int"),
        ("raw_record", "text"),
        ("reason", "text"),
    ],
}


@dataclass(frozen=True)
class Stage:
    """The staging tables of one run: `_stage_<kind>_<token>`, UNLOGGED."""

    token: str

    @classmethod
    def new(cls) -> Stage:
        return cls(uuid.uuid4().hex[:12])

    def table(self, kind: str) -> str:
        return f"_stage_{kind}_{self.token}"

    def names(self) -> dict[str, str]:
        """{stage_<kind>: table name}, the placeholders of the sql/ files."""
        return {f"stage_{kind}": self.table(kind) for kind in STAGE_COLUMNS}

    def create(self, conn: psycopg.Connection) -> None:
        with conn.transaction():
            conn.execute(statement("stage_create", **self.names()))

    def drop(self, conn: psycopg.Connection) -> None:
        with conn.transaction():
            conn.execute(statement("stage_drop", **self.names()))


def csv_field(col: Column, kind: str) -> Column:
    """One CSV field: NULL is an empty unquoted field, text is quoted with '"' doubled."""
    if kind == "text":
        value = F.concat(F.lit('"'), F.replace(col, F.lit('"'), F.lit('""')), F.lit('"'))
    elif kind == "bool":
        value = F.when(col, F.lit("t")).otherwise(F.lit("f"))
    elif kind == "micros":
        # A UTC instant as text PostgreSQL reads exactly (session time zone is UTC).
        value = F.concat(F.date_format(F.timestamp_micros(col), "yyyy-MM-dd HH:mm:ss.SSSSSS"), F.lit("+00"))
    else:
        value = col.cast("string")
    return F.coalesce(value, F.lit(""))


def csv_lines(df: DataFrame, columns: list[tuple[str, str]]) -> DataFrame:
    """A one-column DataFrame of CSV lines (each ending in a newline) for `columns`."""
    fields = [csv_field(F.col(name), kind) for name, kind in columns]
    return df.select(F.concat(F.concat_ws(",", *fields), F.lit("\n")).alias("line"))


def _copy_task(connect_kwargs: dict, copy_sql: str):
    def run(batches):
        import psycopg
        import pyarrow as pa

        rows = 0
        with psycopg.connect(**connect_kwargs) as conn, conn.cursor() as cur:
            with cur.copy(copy_sql) as copy:
                for batch in batches:
                    column = batch.column(0)
                    if len(column) == 0:
                        continue
                    _, offsets, data = column.buffers()
                    width = "q" if pa.types.is_large_string(column.type) else "i"
                    bounds = memoryview(offsets).cast(width)
                    start, end = bounds[column.offset], bounds[column.offset + len(column)]
                    copy.write(memoryview(data)[start:end])
                    rows += len(column)
        yield pa.RecordBatch.from_pydict({"rows": [rows]})

    return run


def copy_into(df: DataFrame, connect_kwargs: dict, stage: Stage, kind: str) -> int:
    """COPY `df` (the columns of STAGE_COLUMNS[kind]) into the stage's `kind` table from the
    executors; return the rows written."""
    columns = STAGE_COLUMNS[kind]
    names = [name for name, _ in columns]
    copy_sql = statement("copy_stage", table=stage.table(kind), columns=names).as_string(None)
    lines = csv_lines(df, columns)
    written = lines.mapInArrow(_copy_task(connect_kwargs, copy_sql), "rows long")
    return int(written.agg(F.sum("rows")).first()[0] or 0)
