"""The embedded PostgreSQL of a test session or a benchmark is thrown away when they end, even
after a test restarted it (a server left running holds memory and a folder in /tmp)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import psutil
import psycopg

from groups_assets.runtime.embedded import discard, embedded_url
from groups_assets_tests.support import restart_embedded


def _postmaster(folder: Path) -> int:
    return int((folder / "pgdata" / "postmaster.pid").read_text().split()[0])


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_discard_stops_a_restarted_server_and_removes_its_folder():
    folder = Path(tempfile.mkdtemp(prefix="groups-test-pg-"))
    try:
        url = embedded_url(folder / "pgdata")
        first = _postmaster(folder)
        restart_embedded(folder / "pgdata")
        restarted = _postmaster(folder)
        assert restarted != first and not _running(first)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        discard(folder)

    assert not _running(restarted)
    assert not folder.exists()
