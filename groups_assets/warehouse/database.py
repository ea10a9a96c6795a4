"""The target database as the day and the checks use it: how to connect (with the schema as the
search path), and a first connection that fails with words a user can act on."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

log = logging.getLogger(__name__)
SCHEMA_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL could not be reached; the message names the (masked) target and what to check."""


def check_schema(name: str) -> str:
    """`name` when it is a plain identifier, or ValueError saying what a schema name may be."""
    if not SCHEMA_RE.fullmatch(name):
        raise ValueError(
            f"GROUPS_DB_SCHEMA={name!r} is not a plain identifier: use letters, digits and '_' "
            "(at most 63, not starting with a digit)."
        )
    return name


def _notice(diagnostic: psycopg.errors.Diagnostic) -> None:
    """PostgreSQL's notices and warnings, into the run's log."""
    log.info("PostgreSQL %s: %s", diagnostic.severity, diagnostic.message_primary)


@dataclass(frozen=True)
class Database:
    """A reachable target: its connection string (a secret), its schema, how it is shown (the
    password masked), and whether a day applied to its empty tables takes the first-load path."""

    conninfo: str
    schema: str
    shown: str
    first_load: bool = True

    def connect_kwargs(self, statement_timeout: float | None = None) -> dict:
        """What a Spark executor needs to open its own connection (plain, picklable)."""
        timeout = f" -c statement_timeout={int(statement_timeout * 1000)}" if statement_timeout else ""
        return {
            "conninfo": self.conninfo,
            "options": f"-c search_path={self.schema}{timeout}",
            "application_name": "groups-pipeline",
            "connect_timeout": 10,
        }

    @contextmanager
    def connect(self, statement_timeout: float | None = None):
        """A connection (autocommit), each statement cancelled after `statement_timeout` s if set."""
        try:
            # Autocommit: every change happens inside an explicit conn.transaction() block, so a
            # read before it cannot turn that block into a savepoint of an implicit transaction.
            conn = psycopg.connect(**self.connect_kwargs(statement_timeout), autocommit=True)
        except psycopg.OperationalError as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
            raise DatabaseUnavailable(
                f"cannot connect to PostgreSQL at {self.shown}: {first}. Check that the server is "
                "running and reachable, and that GROUPS_DATABASE_URL (user, password, host, port, "
                "database) is right."
            ) from None
        conn.add_notice_handler(_notice)
        try:
            yield conn
        finally:
            conn.close()

    def ping(self) -> None:
        """Fail now, with DatabaseUnavailable, when the database cannot be reached."""
        with self.connect() as conn:
            conn.execute("SELECT 1")
