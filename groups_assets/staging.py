"""Spark executors COPY a DataFrame into a PostgreSQL staging table, in parallel.

Each row is turned into one CSV line by Spark itself (JVM column expressions); each executor
task then streams its Arrow batches' string buffers to `COPY ... FROM STDIN (FORMAT csv)`
without touching rows one by one in Python. A task commits its part when it ends.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F


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


def copy_into(df: DataFrame, connect_kwargs: dict, table: str, columns: list[tuple[str, str]]) -> int:
    """COPY the `columns` of `df` into `table` from the executors; return the rows written."""
    from psycopg import sql

    copy_sql = (
        sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)")
        .format(sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(n) for n, _ in columns))
        .as_string(None)
    )
    lines = csv_lines(df, columns)
    written = lines.mapInArrow(_copy_task(connect_kwargs, copy_sql), "rows long")
    return int(written.agg(F.sum("rows")).first()[0] or 0)
