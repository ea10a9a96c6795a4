"""Benchmark: the memory and time of `groups-pipeline fetch` of a large day, from a stand-in of each
system's API on this machine (groups_assets_tests/standin_api.py).

    python benchmarks/fetch_memory.py [--groups 100000] [--members 5] [--users 10000]
                                      [--formats servicenow,zendesk] [--json PATH]

The stand-in runs in a process of its own, serving pages as large as the real API allows (1,000
records for ServiceNow, 100 for Zendesk); the fetch is a whole CLI process, and its peak resident
memory is the kernel's (wait4's ru_maxrss), so nothing the stand-in holds is counted. The fetched
day is checked: every record once.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from groups_assets_tests.standin_api import (  # noqa: E402
    ServiceNow,
    Zendesk,
    basic,
    servicenow_tables,
    zendesk_tables,
)

PASSWORD = "bench-password"  # noqa: S105 - the stand-in's own, not a secret
DAY = "2026-12-01"


def serve(system: str, groups: int, members: int, users: int, send) -> None:
    """The stand-in of `system`, until the benchmark kills it; its URL goes to `send`."""
    if system == "servicenow":
        server = ServiceNow(
            servicenow_tables(groups, users, members), {basic("bench", PASSWORD)}, page_size=1000
        )
    else:
        server = Zendesk(
            zendesk_tables(groups, users, users // 20, members),
            {basic("bench@example.com/token", PASSWORD)},
            page_size=100,
        )
    with server:
        send.send((server.url, {table: len(rows) for table, rows in server.tables.items()}))
        while True:
            time.sleep(3600)


def fetch(system: str, url: str, root: Path) -> tuple[float, float, str]:
    """(seconds, peak MiB, output) of one CLI fetch."""
    env = dict(os.environ, NO_PROXY="127.0.0.1")
    if system == "servicenow":
        env |= {
            "GROUPS_SERVICENOW_URL": url,
            "GROUPS_SERVICENOW_USER": "bench",
            "GROUPS_SERVICENOW_PASSWORD": PASSWORD,
        }
    else:
        env |= {
            "GROUPS_ZENDESK_URL": url,
            "GROUPS_ZENDESK_EMAIL": "bench@example.com",
            "GROUPS_ZENDESK_TOKEN": PASSWORD,
        }
    command = [sys.executable, "-m", "groups_assets", "fetch", "--day", DAY, "--format", system]
    started = time.monotonic()
    process = subprocess.Popen(
        [*command, "--source-root", str(root)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"the fetch of {system} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output


def records_in(folder: Path) -> dict[str, int]:
    """Records in the fetched day's page files, by folder."""
    found = {}
    for table in sorted(p for p in folder.iterdir() if p.is_dir()):
        n = 0
        for page in table.glob("*.json"):
            body = json.loads(page.read_text())
            n += sum(len(v) for k, v in body.items() if isinstance(v, list))
        found[table.name] = n
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=5, help="memberships a group")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--formats", default="servicenow,zendesk")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    results = {}
    for system in [s.strip() for s in args.formats.split(",") if s.strip()]:
        receive, send = multiprocessing.Pipe(duplex=False)
        server = multiprocessing.Process(
            target=serve, args=(system, args.groups, args.members, args.users, send), daemon=True
        )
        server.start()
        url, sizes = receive.recv()
        try:
            with tempfile.TemporaryDirectory(prefix="groups-fetch-bench-") as tmp:
                seconds, peak, output = fetch(system, url, Path(tmp))
                folder = Path(tmp) / f"sync-{DAY}"
                got = records_in(folder)
                size = sum(p.stat().st_size for p in folder.rglob("*.json"))
        finally:
            server.kill()
        print(output.rstrip())
        print(
            f"{system}: API tables {sizes}; fetched {got} ({size / 2**20:.0f} MiB of pages) in "
            f"{seconds:.1f} s, peak memory of the fetch process {peak:.0f} MiB",
            flush=True,
        )
        results[system] = {
            "api": sizes,
            "fetched": got,
            "bytes": size,
            "seconds": round(seconds, 1),
            "peak_mib": round(peak),
        }
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
