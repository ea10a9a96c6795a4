"""The PostgreSQL target: a URL (GROUPS_DATABASE_URL) or the embedded server, and one schema."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from pathlib import Path

import psycopg
from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from groups_assets.redact import redact
from groups_assets.runtime.embedded import embedded_url
from groups_assets.settings import SCHEMA

SCHEMA_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
log = logging.getLogger(__name__)


def _notice(diagnostic: psycopg.errors.Diagnostic) -> None:
    """PostgreSQL's notices and warnings, into the run's log."""
    log.info("PostgreSQL %s: %s", diagnostic.severity, diagnostic.message_primary)


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL could not be reached; the message names the (masked) target and what to check."""


def check_schema(name: str) -> str:
    if not SCHEMA_RE.fullmatch(name):
        raise ValueError(
            f"GROUPS_DB_SCHEMA={name!r} is not a plain identifier: use letters, digits and '_' "
            "(at most 63, not starting with a digit)."
        )
    return name


class PostgresResource(ConfigurableResource):
    """Connections to the target database, with `search_path` set to the configured schema.

    `url` empty means: start the embedded PostgreSQL whose data lives in `embedded_pgdata`.
    """

    url: str | None = Field(
        default=None,
        description="GROUPS_DATABASE_URL (a secret: shown by its variable's name). Unset: the "
        "embedded PostgreSQL whose data is in embedded_pgdata.",
    )
    schema_name: str = Field(default=SCHEMA, description="GROUPS_DB_SCHEMA: the schema of the tables.")
    embedded_pgdata: str = Field(default=".groups/pgdata", description="GROUPS_HOME/pgdata.")
    first_load: bool = Field(
        default=True,
        description="GROUPS_FIRST_LOAD (auto = true): a day applied to empty tables is inserted "
        "with the indexes built afterwards; false: always the upsert path.",
    )

    _resolved: str | None = PrivateAttr(default=None)

    def conninfo(self) -> str:
        """The URL to connect to (starts the embedded server on first use)."""
        if self._resolved is None:
            self._resolved = self.url or embedded_url(Path(self.embedded_pgdata))
        return self._resolved

    @property
    def schema(self) -> str:
        return check_schema(self.schema_name)

    def display_url(self) -> str:
        return redact(self.url) if self.url else f"embedded PostgreSQL in {self.embedded_pgdata}"

    def connect_kwargs(self, statement_timeout: float | None = None) -> dict:
        """What a Spark executor needs to open its own connection (plain, picklable)."""
        timeout = f" -c statement_timeout={int(statement_timeout * 1000)}" if statement_timeout else ""
        return {
            "conninfo": self.conninfo(),
            "options": f"-c search_path={self.schema}{timeout}",
            "application_name": "groups-pipeline",
            "connect_timeout": 10,
        }

    def ping(self) -> None:
        """Fail now, with DatabaseUnavailable, when the database cannot be reached."""
        with self.connect() as conn:
            conn.execute("SELECT 1")

    @contextmanager
    def connect(self, statement_timeout: float | None = None):
        """A connection (autocommit), each statement cancelled after `statement_timeout` s if set."""
        try:
            # Autocommit: every change happens inside an explicit conn.transaction() block, so a
            # read before it cannot turn that block into a savepoint of an implicit transaction.
            conn = psycopg.connect(**self.connect_kwargs(statement_timeout), autocommit=True)
        except psycopg.OperationalError as err:
            raise DatabaseUnavailable(
                f"cannot connect to PostgreSQL at {self.display_url()}: "
                f"{str(err).strip().splitlines()[0] if str(err).strip() else err!r}. "
                "Check that the server is running and reachable, and that GROUPS_DATABASE_URL "
                "(user, password, host, port, database) is right."
            ) from None
        conn.add_notice_handler(_notice)
        try:
            yield conn
        finally:
            conn.close()
