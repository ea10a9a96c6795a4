"""The day's rows COPY'd into PostgreSQL staging tables in one Spark pass.

Spark turns each record into CSV text for the staging table it belongs to (JVM column
expressions: a valid group gives a groups line and its membership lines, a reject a rejects
line); the writer then streams the Arrow string buffers of those columns to
`COPY ... FROM STDIN (FORMAT csv)`, one connection per table, without touching rows one by one
in Python. The same pass counts the records per source and reason (the checks' evidence).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass

import psycopg
from pyspark.sql import DataFrame

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


_STAGE_LOCK_NAMESPACE = 0x73746167  # "stag"
_TOKEN = re.compile(r"^_stage_[a-z]+_([0-9a-f]{12})$")


@dataclass(frozen=True)
class Stage:
    """The staging tables of one run: `_stage_<kind>_<token>`, UNLOGGED, each run its own.

    While they exist their run holds an advisory lock named by the token, on the connection it
    created them with; creating a stage first drops the tables of runs that were killed (no one
    holds their lock), so nothing a killed run left stays behind.
    """

    token: str

    @classmethod
    def new(cls) -> Stage:
        return cls(uuid.uuid4().hex[:12])

    def _lock(self, conn: psycopg.Connection, name: str) -> psycopg.Cursor:
        return conn.execute(statement(name), {"namespace": _STAGE_LOCK_NAMESPACE, "token": self.token})

    def table(self, kind: str) -> str:
        return f"_stage_{kind}_{self.token}"

    def names(self) -> dict[str, str]:
        """{stage_<kind>: table name}, the placeholders of the sql/ files ("applied": the day's
        group records that apply, filled inside the transaction)."""
        return {f"stage_{kind}": self.table(kind) for kind in (*STAGE_COLUMNS, "applied")}

    def create(self, conn: psycopg.Connection) -> list[str]:
        """Create the tables (holding their lock on `conn`); returns the tokens of the killed
        runs whose tables were swept."""
        self._lock(conn, "stage_lock")
        swept = []
        tokens = {m[1] for (name,) in conn.execute(statement("stage_tables")) if (m := _TOKEN.match(name))}
        for other in sorted(tokens - {self.token}):
            stage = Stage(other)
            if stage._lock(conn, "stage_try_lock").fetchone()[0]:
                stage.drop(conn)
                swept.append(other)
        with conn.transaction():
            conn.execute(statement("stage_create", **self.names()))
        return swept

    def drop(self, conn: psycopg.Connection) -> None:
        with conn.transaction():
            conn.execute(statement("stage_drop", **self.names()))
        self._lock(conn, "stage_unlock")


def csv_field(name: str, kind: str) -> str:
    """One CSV field of column `name`, as SQL: NULL is an empty unquoted field, text is quoted
    with '"' doubled."""
    col = f"`{name}`"
    if kind == "text":
        value = f"concat('\"', replace({col}, '\"', '\"\"'), '\"')"
    elif kind == "bool":
        value = f"CASE WHEN {col} THEN 't' ELSE 'f' END"
    elif kind == "micros":
        # A UTC instant as text PostgreSQL reads exactly (session time zone is UTC).
        value = f"concat(date_format(timestamp_micros({col}), 'yyyy-MM-dd HH:mm:ss.SSSSSS'), '+00')"
    else:
        value = f"CAST({col} AS STRING)"
    return f"coalesce({value}, '')"


def csv_line(columns: list[tuple[str, str]]) -> str:
    """One CSV line (ending in a newline) of the named columns, as SQL."""
    fields = ", ".join(csv_field(name, kind) for name, kind in columns)
    return f"concat(concat_ws(',', {fields}), '\\n')"


def routed(frame: DataFrame, lines: dict[str, str], tally: str) -> DataFrame:
    """`frame` as the rows stage_day takes: a column per staging table holding the CSV text the
    row adds to it (NULL: nothing), and `tally`, the key the row is counted under (SQL text)."""
    columns = [f"{lines.get(kind, 'CAST(NULL AS STRING)')} AS {kind}" for kind in STAGE_COLUMNS]
    return frame.selectExpr(*columns, f"{tally} AS tally")


def _string_bytes(column) -> memoryview:
    """The UTF-8 bytes of all values of an Arrow string column, back to back (NULLs add none)."""
    import pyarrow as pa

    if len(column) == 0:
        return memoryview(b"")
    _, offsets, data = column.buffers()
    width = "q" if pa.types.is_large_string(column.type) else "i"
    bounds = memoryview(offsets).cast(width)
    return memoryview(data)[bounds[column.offset] : bounds[column.offset + len(column)]]


def write_batches(batches, connect_kwargs: dict, copy_sql: dict[str, str]) -> Counter:
    """COPY the Arrow batches of `routed` rows into the staging tables, one connection per table
    that receives rows, committed when all batches are written. Returns the tallies
    ("tally:<key>") and the rows each table received ("rows:<table>")."""
    import psycopg
    import pyarrow.compute as pc

    counts: Counter = Counter()
    cursors: dict[str, psycopg.Cursor] = {}
    with ExitStack() as stack:
        copies = {}
        for batch in batches:
            for item in pc.value_counts(batch.column("tally")).to_pylist():
                counts[f"tally:{item['values']}"] += item["counts"]
            for kind in STAGE_COLUMNS:
                data = _string_bytes(batch.column(kind))
                if not len(data):
                    continue
                if kind not in copies:
                    conn = stack.enter_context(psycopg.connect(**connect_kwargs))
                    cursors[kind] = conn.cursor()
                    copies[kind] = stack.enter_context(cursors[kind].copy(copy_sql[kind]))
                copies[kind].write(data)
    for kind, cursor in cursors.items():
        counts[f"rows:{kind}"] += cursor.rowcount
    return counts


def _task(connect_kwargs: dict, copy_sql: dict[str, str]):
    def run(batches):
        import pyarrow as pa

        counts = write_batches(batches, connect_kwargs, copy_sql)
        yield pa.RecordBatch.from_pydict({"key": list(counts), "n": list(counts.values())})

    return run


def stage_day(rows: DataFrame, connect_kwargs: dict, stage: Stage, on_driver: bool) -> Counter:
    """COPY `routed` rows into the stage's tables; return write_batches' counts.

    on_driver: the rows come to the driver in one Arrow collect and are written from there (no
    Python workers to start: right for a small day). Otherwise every executor task writes its
    own part, in parallel (a large day, a cluster)."""
    copy_sql = {
        kind: statement("copy_stage", table=stage.table(kind), columns=[name for name, _ in columns])
        for kind, columns in STAGE_COLUMNS.items()
    }
    copy_sql = {kind: text.as_string(None) for kind, text in copy_sql.items()}
    if on_driver:
        return write_batches(rows.toArrow().to_batches(), connect_kwargs, copy_sql)
    counts: Counter = Counter()
    for row in rows.mapInArrow(_task(connect_kwargs, copy_sql), "key string, n long").collect():
        counts[row["key"]] += row["n"]
    return counts
