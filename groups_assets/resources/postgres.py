"""The PostgreSQL target: a URL (GROUPS_DATABASE_URL) or the embedded server, and one schema."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from dagster import ConfigurableResource
from pydantic import Field

from groups_assets.redact import redact
from groups_assets.variables import DEFAULT_HOME
from groups_assets.warehouse.database import Database, check_schema


class PostgresResource(ConfigurableResource):
    """The target database and schema. `start()` makes it reachable (starting the embedded server
    when `url` is unset) and returns what the day and the checks connect with."""

    url: str | None = Field(
        default=None,
        description="GROUPS_DATABASE_URL (a secret: shown by its variable's name). Unset: the "
        "embedded PostgreSQL whose data is in GROUPS_HOME/pgdata.",
    )
    schema_name: str = Field(default="public", description="GROUPS_DB_SCHEMA: the schema of the tables.")
    home: str = Field(
        default=DEFAULT_HOME,
        description="GROUPS_HOME: the project's folder; the embedded PostgreSQL keeps its data in "
        "pgdata/ there.",
    )
    first_load: Literal["auto", "off"] = Field(
        default="auto",
        description="GROUPS_FIRST_LOAD: auto: a day applied to empty tables is inserted with the "
        "indexes built afterwards; off: always the upsert path.",
    )

    @property
    def embedded_pgdata(self) -> Path:
        return Path(self.home) / "pgdata"

    @property
    def schema(self) -> str:
        return check_schema(self.schema_name)

    def shown(self) -> str:
        """The target as words, the password masked."""
        return redact(self.url) if self.url else f"the embedded PostgreSQL in {self.embedded_pgdata}"

    def start(self) -> Database:
        """The database to connect to: the URL's, or the embedded server's, started (or joined) here
        when the URL is unset. The one place a server is started."""
        if self.url:
            conninfo = self.url
        else:
            from groups_assets.runtime.embedded import embedded_url

            conninfo = embedded_url(self.embedded_pgdata)
        return Database(conninfo, self.schema, self.shown(), first_load=self.first_load == "auto")
