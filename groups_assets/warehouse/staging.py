"""The day's rows COPY'd into PostgreSQL staging tables in one Spark pass.

Spark turns each record into CSV text for the staging table it belongs to (JVM column
expressions: a valid group gives a groups line and its membership lines, a reject a rejects
line); the writer then streams the Arrow string buffers of those columns to
`COPY ... FROM STDIN (FORMAT csv)`, one connection per table, without touching rows one by one
in Python. The same pass counts the records per reject reason (counts.py: the checks' evidence).

Exactly once, whatever Spark runs again: on a cluster a task can run more than once (a lost
executor, a retried stage, a speculative copy), and each attempt that gets to commit would stage
its rows. So each executor task commits a table's COPY together with a claim on its partition of
that table (a row of the run's `_stage_claims_<token>`, keyed by source folder, table and
partition): the first attempt to commit stages the partition, and any other attempt finds the
claim taken and rolls its rows back. Attempts of a partition stage the same rows (Spark's input
splits and shuffles are deterministic), so the driver's counts, from the attempts it accepted,
must equal the claimed rows: `stage_day` checks that before the day goes on (an attempt whose
executor died as it wrote may have claimed part of its partition: the day is then tried again).
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from contextlib import ExitStack
from dataclasses import dataclass

import psycopg
from pyspark.sql import DataFrame

from groups_assets.contract.format import AGENTS, GROUPS, Table
from groups_assets.contract.rules import q
from groups_assets.counts import PassCounts
from groups_assets.warehouse.statements import statement

# The columns of each staging table, in sql/staging/stage_create.sql order, with how Spark writes them
# (a test checks that they agree with the SQL).
STAGE_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "groups": [
        ("group_id", "int"),
        ("group_key", "text"),
        ("name", "text"),
        ("parent_group_id", "int"),
        ("parent_key", "text"),
        ("created_at", "micros"),
        ("updated_at", "micros"),
        ("deleted", "bool"),
    ],
    "members": [("group_id", "int"), ("agent_id", "int")],
    "member_rows": [
        ("group_id", "int"),
        ("group_key", "text"),
        ("agent_id", "int"),
        ("agent_key", "text"),
        ("source_file", "text"),
        ("record_no", "int"),
        ("raw_record", "text"),
    ],
    "agents": [
        ("agent_id", "int"),
        ("agent_key", "text"),
        ("name", "text"),
        ("email", "text"),
        ("active", "bool"),
        ("updated_at", "micros"),
        ("is_agent", "bool"),
    ],
    "rejects": [
        ("source", "text"),
        ("source_file", "text"),
        ("record_no", "int"),
        ("raw_record", "text"),
        ("reason", "text"),
    ],
}


log = logging.getLogger(__name__)

# A fault point only tests switch on: set to source folders (comma-separated), it fails the first
# attempt of each executor task of those folders after its rows are committed, so that Spark
# runs the task again.
FAULT_AFTER_STAGING = "GROUPS_TEST_FAIL_AFTER_STAGING"

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
        group records that apply, "members_of": the groups whose membership the day sets,
        "set_groups": those the tables show it set, read back by records_accounted; all three
        filled inside the transaction; "claims": which task attempt staged each partition)."""
        kinds = (*STAGE_COLUMNS, "applied", "members_of", "set_groups", "claims")
        return {f"stage_{kind}": self.table(kind) for kind in kinds}

    def copy_statements(self) -> dict[str, str]:
        """{kind: the COPY statement of its staging table}."""
        return {
            kind: statement(
                "staging/stage_copy", table=self.table(kind), columns=[n for n, _ in columns]
            ).as_string(None)
            for kind, columns in STAGE_COLUMNS.items()
        }

    def claim_statement(self) -> str:
        """The INSERT of an executor task attempt's claim (Claim)."""
        return statement("staging/stage_claim", table=self.table("claims")).as_string(None)

    def create(self, conn: psycopg.Connection) -> list[str]:
        """Create the tables (holding their lock on `conn`); returns the tokens of the killed
        runs whose tables were swept."""
        self._lock(conn, "staging/stage_lock")
        swept = []
        tokens = {
            m[1] for (name,) in conn.execute(statement("staging/stage_list")) if (m := _TOKEN.match(name))
        }
        for other in sorted(tokens - {self.token}):
            stage = Stage(other)
            if stage._lock(conn, "staging/stage_try_lock").fetchone()[0]:
                stage.drop(conn)
                swept.append(other)
        with conn.transaction():
            conn.execute(statement("staging/stage_create", **self.names()))
        return swept

    def drop(self, conn: psycopg.Connection) -> None:
        """Drop the tables and release their lock. A task attempt of this run that Spark let go
        on (a speculative loser, until its Python worker ends) can hold a table a while: after
        lock_timeout the tables stay, for the next run to sweep, rather than fail the day."""
        try:
            with conn.transaction():
                conn.execute(statement("staging/stage_drop", **self.names()))
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected) as err:
            log.warning(f"the staging tables of run {self.token} stay for the next run to sweep: {err}")
            return
        self._lock(conn, "staging/stage_unlock")


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


_NUL_ESCAPED = q("\\u0000")  # the six characters \u0000


def stage_rows(table: Table, validated: DataFrame) -> DataFrame:
    """The validated records of one table as rows for stage_day: a column per staging table
    holding the CSV text the record adds to it (NULL: nothing), `reason`, what the record is
    counted under (counts.VALID for a valid one), and `foreign`, whether it looks like a record
    of another table. A valid group gives its groups line and its membership lines (the contract
    format lists members in the group), a valid agent its agents line, a membership row its
    member_rows line, a reject its rejects line."""
    # PostgreSQL text cannot hold NUL: a reject keeps it visible as the JSON escape.
    rows = validated.selectExpr(
        "*", f"{q(table.folder)} AS source", f"replace(raw, {q(chr(0))}, {_NUL_ESCAPED}) AS raw_record"
    )
    lines = {"rejects": f"CASE WHEN reason IS NOT NULL THEN {csv_line(STAGE_COLUMNS['rejects'])} END"}
    if table.kind == GROUPS:
        rows = rows.selectExpr("*", "created_micros AS created_at", "updated_micros AS updated_at")
        lines["groups"] = f"CASE WHEN reason IS NULL THEN {csv_line(STAGE_COLUMNS['groups'])} END"
        member = "concat(CAST(group_id AS STRING), ',', CAST(a AS STRING))"
        lines["members"] = (
            "CASE WHEN reason IS NULL AND size(agent_ids) > 0 "
            f"THEN concat(concat_ws(char(10), transform(agent_ids, a -> {member})), char(10)) END"
        )
    elif table.kind == AGENTS:
        rows = rows.selectExpr("*", "updated_micros AS updated_at")
        lines["agents"] = f"CASE WHEN reason IS NULL THEN {csv_line(STAGE_COLUMNS['agents'])} END"
    else:
        # Only a row whose group has no valid record in the day needs its place and text there.
        rows = rows.selectExpr(
            "*",
            "CASE WHEN NOT in_day THEN source_file END AS row_file",
            "CASE WHEN NOT in_day THEN record_no END AS row_no",
            "CASE WHEN NOT in_day THEN raw_record END AS row_text",
        )
        place = {"source_file": "row_file", "record_no": "row_no", "raw_record": "row_text"}
        columns = [(place.get(name, name), kind) for name, kind in STAGE_COLUMNS["member_rows"]]
        lines["member_rows"] = f"CASE WHEN reason IS NULL THEN {csv_line(columns)} END"
    columns = [f"{lines.get(kind, 'CAST(NULL AS STRING)')} AS {kind}" for kind in STAGE_COLUMNS]
    return rows.selectExpr(*columns, "coalesce(reason, '') AS reason", "foreign")


def _string_bytes(column) -> memoryview:
    """The UTF-8 bytes of all values of an Arrow string column, back to back (NULLs add none)."""
    import pyarrow as pa

    if len(column) == 0:
        return memoryview(b"")
    _, offsets, data = column.buffers()
    width = "q" if pa.types.is_large_string(column.type) else "i"
    bounds = memoryview(offsets).cast(width)
    return memoryview(data)[bounds[column.offset] : bounds[column.offset + len(column)]]


@dataclass(frozen=True)
class Claim:
    """An executor task attempt's claim on its partition of the staging tables (one pass)."""

    sql: str  # staging/stage_claim.sql
    source: str
    partition: int
    attempt: int

    def commit(self, conn: psycopg.Connection, kind: str, rows: int) -> None:
        """Commit `conn`'s COPY of `kind` with the claim; if another attempt of the partition
        had committed it, roll this attempt's rows back instead (they are the same rows)."""
        params = {"source": self.source, "kind": kind, "partition": self.partition, "attempt": self.attempt}
        try:
            conn.execute(self.sql, params | {"rows": rows})
        except psycopg.errors.UniqueViolation:
            conn.rollback()
            return
        conn.commit()


def write_batches(
    batches, connect_kwargs: dict, copy_sql: dict[str, str], claim: Claim | None = None
) -> PassCounts:
    """COPY the Arrow batches of `stage_rows` rows into the staging tables, one connection per
    table that receives rows, each committed (with `claim`, if given) when all batches are
    written. Returns what it counted: records per reason, rows per table."""
    import psycopg
    import pyarrow.compute as pc

    counts = PassCounts()
    with ExitStack() as stack:
        copies: dict[str, tuple[psycopg.Connection, ExitStack, psycopg.Copy]] = {}
        for batch in batches:
            for item in pc.value_counts(batch.column("reason")).to_pylist():
                counts.reasons[item["values"]] += item["counts"]
            counts.foreign += pc.sum(batch.column("foreign").cast("int64")).as_py() or 0
            for kind in STAGE_COLUMNS:
                data = _string_bytes(batch.column(kind))
                if not len(data):
                    continue
                if kind not in copies:
                    conn = stack.enter_context(psycopg.connect(**connect_kwargs))
                    copying = stack.enter_context(ExitStack())
                    copies[kind] = (conn, copying, copying.enter_context(conn.cursor().copy(copy_sql[kind])))
                copies[kind][2].write(data)
        for kind, (conn, copying, copy) in copies.items():
            copying.close()  # the COPY ends
            counts.rows[kind] += copy.cursor.rowcount
            if claim:
                claim.commit(conn, kind, copy.cursor.rowcount)
    return counts


def _task(connect_kwargs: dict, copy_sql: dict[str, str], claim_sql: str, source: str, fail_first: bool):
    def run(batches):
        import pyarrow as pa
        from pyspark import TaskContext

        task = TaskContext.get()
        claim = Claim(claim_sql, source, task.partitionId(), task.attemptNumber())
        counts = write_batches(batches, connect_kwargs, copy_sql, claim)
        counts.run_again = int(task.attemptNumber() > 0)
        rows = counts.as_rows()
        if fail_first and task.attemptNumber() == 0:
            raise RuntimeError(f"{FAULT_AFTER_STAGING}: the first attempt fails after its rows are committed")
        kinds, keys, ns = (list(column) for column in zip(*rows, strict=True)) if rows else ([], [], [])
        schema = pa.schema([("kind", pa.string()), ("key", pa.string()), ("n", pa.int64())])
        yield pa.RecordBatch.from_pydict({"kind": kinds, "key": keys, "n": ns}, schema=schema)

    return run


class StagingMismatch(Exception):
    """The staging tables do not hold the rows the accepted task attempts counted."""


def stage_day(
    rows: DataFrame, source: str, connect_kwargs: dict, stage: Stage, on_driver: bool
) -> PassCounts:
    """COPY `stage_rows` rows of the `source` folder into the stage's tables; return
    write_batches' counts.

    on_driver: the rows come to the driver in one Arrow collect and are written from there (no
    Python workers to start: right for a small day). Otherwise every executor task writes its
    own part, in parallel (a large day, a cluster), and claims it (Claim)."""
    copy_sql = stage.copy_statements()
    if on_driver:
        return write_batches(rows.toArrow().to_batches(), connect_kwargs, copy_sql)
    fail_first = source in os.environ.get(FAULT_AFTER_STAGING, "").split(",")
    task = _task(connect_kwargs, copy_sql, stage.claim_statement(), source, fail_first)
    found = rows.mapInArrow(task, "kind string, key string, n long").collect()
    counts = PassCounts.from_rows((r["kind"], r["key"], r["n"]) for r in found)
    with psycopg.connect(**connect_kwargs) as conn:
        claimed = statement("staging/stage_claimed", table=stage.table("claims"))
        staged = dict(conn.execute(claimed, {"source": source}))
    counted = {kind: n for kind, n in counts.rows.items() if n}
    if staged != counted:

        def rows(by_kind: dict) -> str:
            return ", ".join(f"{n} {kind}" for kind, n in sorted(by_kind.items())) or "none"

        raise StagingMismatch(
            f"{source}/: the staging tables hold row(s) {rows(staged)} where Spark's accepted task "
            f"attempts counted {rows(counted)}: an attempt committed part of its partition (its "
            "executor was lost as it wrote), or the day's files changed while it loaded. Nothing "
            "was written; a new try of the day fixes the first, and a day whose files keep "
            "changing fails again: run it once its export is complete."
        )
    return counts
