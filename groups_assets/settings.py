"""Where things live: every environment variable the pipeline reads, resolved in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Secrets are read by name only: resources take them as dagster.EnvVar, so the Dagster UI shows
# the variable's name, never its value.
DATABASE_URL_ENV = "GROUPS_DATABASE_URL"
ALERT_WEBHOOK_ENV = "GROUPS_ALERT_WEBHOOK_URL"


@dataclass(frozen=True)
class Settings:
    home: Path
    source_root: Path
    database_url: str | None
    db_schema: str
    spark_master: str
    dagster_home: Path
    cache_dir: Path
    max_reject_ratio: float = 0.2
    settle_seconds: float = 300.0
    alert_webhook_url: str | None = None
    ui_base_url: str = "http://127.0.0.1:3000"
    first_load: bool = True
    alert_retry_hours: float = 24.0
    check_timeout_seconds: float = 300.0

    @property
    def embedded_pgdata(self) -> Path:
        return self.home / "pgdata"


def load_settings() -> Settings:
    """Read the environment (the CLI sets GROUPS_SOURCE_ROOT from --source-root first)."""
    home = Path(os.environ.get("GROUPS_HOME") or ".groups").resolve()
    root = os.environ.get("GROUPS_SOURCE_ROOT") or "sample_data"
    return Settings(
        home=home,
        source_root=Path(root).resolve(),
        database_url=os.environ.get(DATABASE_URL_ENV) or None,
        db_schema=os.environ.get("GROUPS_DB_SCHEMA") or "public",
        spark_master=os.environ.get("GROUPS_SPARK_MASTER") or "local[*]",
        dagster_home=Path(os.environ.get("DAGSTER_HOME") or home / "dagster_home").resolve(),
        cache_dir=Path(os.environ.get("GROUPS_CACHE_DIR") or _user_cache() / "groups-pipeline"),
        max_reject_ratio=number_from_env("GROUPS_MAX_REJECT_RATIO", 0.2, high=1.0),
        settle_seconds=number_from_env("GROUPS_SENSOR_SETTLE_SECONDS", 300.0),
        alert_webhook_url=os.environ.get(ALERT_WEBHOOK_ENV) or None,
        ui_base_url=os.environ.get("GROUPS_UI_BASE_URL") or "http://127.0.0.1:3000",
        first_load=_choice("GROUPS_FIRST_LOAD", ("auto", "off")) == "auto",
        alert_retry_hours=number_from_env("GROUPS_ALERT_RETRY_HOURS", 24.0),
        check_timeout_seconds=number_from_env("GROUPS_CHECK_TIMEOUT_SECONDS", 300.0, low=1.0),
    )


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    """The value of `name`, one of `allowed` (the first when unset)."""
    value = (os.environ.get(name) or allowed[0]).strip().lower()
    if value not in allowed:
        raise ValueError(f"{name}={value!r} must be one of {', '.join(allowed)} (default {allowed[0]}).")
    return value


def _user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def number_from_env(name: str, default: float, low: float = 0.0, high: float = float("inf")) -> float:
    """The number in environment variable `name` (default when unset), refused outside [low, high]."""
    text = os.environ.get(name, "").strip()
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
