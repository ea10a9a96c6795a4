"""Every setting the pipeline has, read from the environment in one place.

`Settings.from_environment()` is called where a process starts: by the code location's resource
builder (defs/resources.py) and by the command line, which then overrides what its flags say.
Everything else gets its settings as Dagster resources, never from the environment. The
defaults live here, once; the resources' fields take them from here.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Secrets are read by name only: resources take them as dagster.EnvVar, so the Dagster UI shows
# the variable's name, never its value.
DATABASE_URL_ENV = "GROUPS_DATABASE_URL"
ALERT_WEBHOOK_ENV = "GROUPS_ALERT_WEBHOOK_URL"

AUTO_MASTER = "auto"  # the project's warm server if one is up, else LOCAL_MASTER
LOCAL_MASTER = "local[*]"
SOURCE_FORMAT = "contract"
SCHEMA = "public"
MAX_REJECT_RATIO = 0.2
SETTLE_SECONDS = 300.0
UI_BASE_URL = "http://127.0.0.1:3000"
ALERT_RETRY_HOURS = 24.0
CHECK_TIMEOUT_SECONDS = 300.0
TARGET_FILE = "groups-target.json"  # in a Dagster home: the tables its runs write


@dataclass(frozen=True)
class Settings:
    home: Path
    source_root: Path
    database_url: str | None
    db_schema: str
    spark_master: str
    dagster_home: Path
    cache_dir: Path
    source_format: str = SOURCE_FORMAT
    max_reject_ratio: float = MAX_REJECT_RATIO
    settle_seconds: float = SETTLE_SECONDS
    alert_webhook_url: str | None = None
    ui_base_url: str = UI_BASE_URL
    first_load: bool = True
    alert_retry_hours: float = ALERT_RETRY_HOURS
    check_timeout_seconds: float = CHECK_TIMEOUT_SECONDS
    # True when the secrets above are this process's environment variables: the resources then
    # read them by name when a run starts (EnvVar), else take them as they are.
    secrets_from_environment: bool = False

    @property
    def embedded_pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def target(self) -> str:
        """The tables a run writes, as words without a secret: the database and the schema."""
        return f"{database_name(self.database_url, self.embedded_pgdata)}, schema {self.db_schema}"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in `environ` (default: this process's environment); a value that breaks
        its rule raises ValueError naming the variable and what it accepts."""
        env = os.environ if environ is None else environ
        home = Path(env.get("GROUPS_HOME") or ".groups").resolve()
        user_cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        database_url = env.get(DATABASE_URL_ENV) or None
        db_schema = env.get("GROUPS_DB_SCHEMA") or SCHEMA
        return cls(
            home=home,
            source_root=Path(env.get("GROUPS_SOURCE_ROOT") or "sample_data").resolve(),
            database_url=database_url,
            db_schema=db_schema,
            spark_master=env.get("GROUPS_SPARK_MASTER") or AUTO_MASTER,
            dagster_home=Path(
                env.get("DAGSTER_HOME") or default_dagster_home(home, database_url, db_schema)
            ).resolve(),
            cache_dir=Path(env.get("GROUPS_CACHE_DIR") or user_cache / "groups-pipeline"),
            source_format=source_format(env.get("GROUPS_SOURCE_FORMAT") or SOURCE_FORMAT),
            max_reject_ratio=_number(env, "GROUPS_MAX_REJECT_RATIO", MAX_REJECT_RATIO, high=1.0),
            settle_seconds=_number(env, "GROUPS_SENSOR_SETTLE_SECONDS", SETTLE_SECONDS),
            alert_webhook_url=env.get(ALERT_WEBHOOK_ENV) or None,
            ui_base_url=env.get("GROUPS_UI_BASE_URL") or UI_BASE_URL,
            first_load=_choice(env, "GROUPS_FIRST_LOAD", ("auto", "off")) == "auto",
            alert_retry_hours=_number(env, "GROUPS_ALERT_RETRY_HOURS", ALERT_RETRY_HOURS),
            check_timeout_seconds=_number(
                env, "GROUPS_CHECK_TIMEOUT_SECONDS", CHECK_TIMEOUT_SECONDS, low=1.0
            ),
            secrets_from_environment=environ is None or environ is os.environ,
        )


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


def default_dagster_home(home: Path, database_url: str | None, db_schema: str) -> Path:
    """The Dagster home of a target: a UI shows the runs of one set of tables. The embedded
    database's `public` schema has `dagster_home`; every other target a home of its own. A
    `dagster_home` from before homes recorded their tables (no TARGET_FILE) stays the home of the
    first target that runs, so that an upgrade keeps its runs, partitions and sensors."""
    legacy = home / "dagster_home"
    if not database_url and db_schema == SCHEMA:
        return legacy
    if (legacy / "dagster.yaml").exists() and not (legacy / TARGET_FILE).exists():
        return legacy
    name = database_name(database_url, home / "pgdata") + "/" + db_schema
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name.removeprefix("database ").removeprefix("the "))[:48].strip("-")
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return home / f"dagster_home-{slug}-{digest}"


def source_format(name: str) -> str:
    """`name` when it is a source format (formats/), or ValueError listing them."""
    from groups_assets.formats import FORMATS

    if name not in FORMATS:
        raise ValueError(f"GROUPS_SOURCE_FORMAT={name!r} must be one of {', '.join(FORMATS)}.")
    return name


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """The value of `name`, one of `allowed` (the first when unset)."""
    value = (env.get(name) or allowed[0]).strip().lower()
    if value not in allowed:
        raise ValueError(f"{name}={value!r} must be one of {', '.join(allowed)} (default {allowed[0]}).")
    return value


def _number(
    env: Mapping[str, str], name: str, default: float, low: float = 0.0, high: float = float("inf")
) -> float:
    """The number in variable `name` (default when unset), refused outside [low, high]."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # also refuses nan
        bounds = f"between {low:g} and {high:g}" if high != float("inf") else f">= {low:g}"
        raise ValueError(f"{name}={text!r} must be a number {bounds} (default {default:g}).")
    return value
