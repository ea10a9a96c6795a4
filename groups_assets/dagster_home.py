"""The Dagster home of a target: where the runs, partitions and sensor states of one set of tables
are recorded, created once, and refused for another set of tables.

A UI shows the state of the tables its home's runs wrote, so each database and schema has a home
of its own (DAGSTER_HOME, where set, wins). A home records its tables (TARGET_FILE); a run of
other tables through it is refused. Its storage (SQLite files) is created once, by the first
command that prepares it, under a lock: two processes creating a new SQLite home at once can
corrupt it (dagster-io/dagster#27390), so the webserver, the daemon and `dagster sensor` commands
that the project starts always find it made.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Mapping
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from groups_assets.resources.postgres import PostgresResource
from groups_assets.settings import secret

TARGET_FILE = "groups-target.json"  # in a Dagster home: the tables its runs write
_LOCK = ".open.lock"
_CREATED = ".storage-created"  # written once the home's storage exists
# The first line of a dagster.yaml the project wrote: kept up to date with deploy/dagster.yaml.
_WRITTEN = "# Written by groups-pipeline from groups_assets/deploy/dagster.yaml (without its storage).\n"


class TargetMismatch(Exception):
    """The Dagster home records the runs of other tables; the message says what to do."""


def database_name(url: str | None, embedded_pgdata: Path) -> str:
    """A database as words, without its password: host, port and name, or the embedded one."""
    if not url:
        return f"the embedded PostgreSQL in {embedded_pgdata}"
    import psycopg

    try:
        parts = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "a database whose URL does not parse (GROUPS_DATABASE_URL)"
    name = parts.get("dbname") or parts.get("user") or "?"
    return f"database {name} on {parts.get('host') or 'localhost'}:{parts.get('port') or 5432}"


def target(postgres: PostgresResource) -> str:
    """The tables a run writes, as words without a secret: the database and the schema."""
    return f"{database_name(secret(postgres.url), postgres.embedded_pgdata)}, schema {postgres.schema_name}"


def home_of(postgres: PostgresResource, environ: Mapping[str, str] | None = None) -> Path:
    """DAGSTER_HOME, else the home of the target. The embedded database's `public` schema has
    GROUPS_HOME/dagster_home; every other target a home of its own. A `dagster_home` from before
    homes recorded their tables (no TARGET_FILE) stays the home of the first target that runs, so
    that an upgrade keeps its runs, partitions and sensors."""
    env = os.environ if environ is None else environ
    if env.get("DAGSTER_HOME"):
        return Path(env["DAGSTER_HOME"]).resolve()
    home = Path(postgres.home)
    legacy = home / "dagster_home"
    url = secret(postgres.url)
    if not url and postgres.schema_name == "public":
        return legacy
    if (legacy / "dagster.yaml").exists() and not (legacy / TARGET_FILE).exists():
        return legacy
    name = database_name(url, postgres.embedded_pgdata) + "/" + postgres.schema_name
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name.removeprefix("database ").removeprefix("the "))[:48].strip("-")
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return home / f"dagster_home-{slug}-{digest}"


def instance_yaml() -> str:
    """The dagster.yaml of a project home: the shipped deploy/dagster.yaml without its storage
    section (a home keeps Dagster's default, SQLite files in the folder), so that both limit
    launched runs of the same day to one at a time the same way."""
    import yaml

    shipped = yaml.safe_load(files("groups_assets").joinpath("deploy", "dagster.yaml").read_text())
    shipped.pop("storage")
    return _WRITTEN + yaml.safe_dump(shipped, sort_keys=False)


@contextmanager
def _locked(home: Path):
    with (home / _LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def prepare(home: Path, tables: str) -> Path:
    """The home folder, ready: its dagster.yaml, the tables it records (TargetMismatch when they are
    other ones), and its storage created, all under the home's lock, so that every process started
    on it afterwards finds it made."""
    home.mkdir(parents=True, exist_ok=True)
    with _locked(home):
        config = home / "dagster.yaml"
        found = config.read_text() if config.exists() else ""
        if not found.strip() or (found.startswith(_WRITTEN) and found != instance_yaml()):
            config.write_text(instance_yaml())
        recorded = home / TARGET_FILE
        try:
            found = json.loads(recorded.read_text()).get("target")
        except (OSError, ValueError, AttributeError):  # none yet (or not ours): this run's tables
            partial = recorded.with_suffix(f".{os.getpid()}.part")
            partial.write_text(json.dumps({"target": tables}) + "\n")
            os.replace(partial, recorded)
            found = tables
        if found != tables:
            raise TargetMismatch(
                f"the Dagster home {home} records the runs of {found}; this run writes {tables}. "
                "A home's UI shows the state of one set of tables: unset DAGSTER_HOME (each database "
                "and schema then gets a home of its own under GROUPS_HOME), or point it at another folder."
            )
        _create_storage(home)
    return home


def _create_storage(home: Path) -> None:
    """Open the home's instance once, so that its run, event log and schedule storages exist."""
    if (home / _CREATED).exists():
        return
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        instance.get_runs(limit=1)  # run storage
        instance.get_dynamic_partitions("__none__")  # event log storage
        instance.all_instigator_state()  # schedule storage
    (home / _CREATED).touch()


@contextmanager
def open_instance(home: Path):
    """The instance of a prepared home."""
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        yield instance
