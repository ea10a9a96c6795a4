"""The peer: dlt `merge` of one sync day's files into PostgreSQL, run as its own process.

    python benchmarks/peer_dlt.py --database-url URL --day-folder DIR --dataset NAME --work DIR

What a team would write with dlt for the same export: each group record upserted on group_id
(agent_ids become dlt's child table `groups__agent_ids`), each agent on agent_id. dlt fails a
whole load on one record whose primary key is null or not an integer, or whose timestamp it
cannot parse, so such records are dropped here first (that filtering counts as dlt's time);
dlt has no rejects table, no updated_at guard against older records and no inactive flag.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

MAX_ID = 2**63 - 1
TIMESTAMPS = ("created_at", "updated_at")


def _loadable(item: object, id_field: str) -> bool:
    """What dlt can take without failing the load: an object with an integer id in range and
    timestamps Python can parse (dlt raises on an offset of 24 hours or more, for one)."""
    if not isinstance(item, dict):
        return False
    ident = item.get(id_field)
    if type(ident) is not int or not 1 <= ident <= MAX_ID:
        return False
    for name in TIMESTAMPS:
        value = item.get(name)
        if value is None:
            continue
        try:
            datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return False
    return True


def records(folder: Path, id_field: str) -> Iterator[dict]:
    """The records of a folder's *.json files (JSON Lines or one array) that have a usable id."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
        if data.lstrip()[:1] == b"[":
            try:
                items = json.loads(data)
            except ValueError:
                continue
        else:
            items = []
            for line in data.splitlines():
                try:
                    items.append(json.loads(line))
                except ValueError:
                    continue
        yield from (item for item in items if _loadable(item, id_field))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--day-folder", required=True, type=Path)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--work", required=True, type=Path)
    args = parser.parse_args()
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    import dlt

    groups = dlt.resource(
        records(args.day_folder / "admin_groups", "group_id"),
        name="groups",
        primary_key="group_id",
        write_disposition="merge",
    )
    agents = dlt.resource(
        records(args.day_folder / "agents", "agent_id"),
        name="agents",
        primary_key="agent_id",
        write_disposition="merge",
    )
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(args.database_url)
    host = info.get("host") or "localhost"
    credentials = {
        # A unix socket (the embedded server): libpq takes the folder from the URL's query.
        "host": "localhost" if host.startswith("/") else host,
        "query": {"host": host} if host.startswith("/") else {},
        "port": int(info.get("port") or 5432),
        "database": info.get("dbname") or "postgres",
        "username": info.get("user") or "postgres",
        "password": info.get("password") or "",
    }
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{args.dataset}",
        pipelines_dir=str(args.work),
        destination=dlt.destinations.postgres(credentials=credentials),
        dataset_name=args.dataset,
    )
    info = pipeline.run([groups, agents])
    if info.has_failed_jobs:
        sys.exit(f"dlt: failed jobs: {info}")
    print(json.dumps({"loaded": str(info.loads_ids)}))


if __name__ == "__main__":
    main()
