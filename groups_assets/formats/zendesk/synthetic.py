"""A synthetic Zendesk day: a generated day written as the Support API and its connectors write it.

`groups/` as API pages of 1,000 (`{"groups": [...], "next_page": ...}`, flat: the parent links
are dropped), `group_memberships/` as JSON Lines as dlt writes them, `users/` as incremental
export pages, with one end-user per ten agents (not agents: skipped). On top, the format's own
garbage, one known reject reason each.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from groups_assets.synthetic.export import Garbage, Lines, Pages, contract_records, iso

ZD_API = "https://acme.zendesk.com/api/v2"
ZD_PAGE = 1_000


def _page(key: str, endpoint: str):
    def wrap(page: list, number: int, last: bool) -> dict:
        following = None if last else f"{ZD_API}/{endpoint}.json?page={number + 1}"
        return {key: page, "next_page": following, "previous_page": None, "count": len(page)}

    return wrap


def _export(page: list, number: int, last: bool) -> dict:
    return {
        "users": page,
        "next_page": f"{ZD_API}/incremental/users.json?start_time={1764979200 + number}",
        "count": len(page),
        "end_of_stream": last,
        "end_time": 1764979200 + number,
    }


def _garbage(kind: str, ratio: float, rnd: random.Random) -> Garbage:
    stamp = "2025-01-01T00:00:00Z"
    makers = {
        "groups": [
            (
                "invalid_group_id",
                lambda r: {
                    "id": "9223372036854775808",
                    "name": "Big",
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            ),
            (
                "invalid_deleted",
                lambda r: {
                    "id": 10**15 + r.randrange(10**9),
                    "name": "D",
                    "deleted": "false",
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            ),
            (
                "missing_name",
                lambda r: {"id": 10**15 + r.randrange(10**9), "created_at": stamp, "updated_at": stamp},
            ),
        ],
        "members": [
            ("missing_group", lambda r: {"id": r.randrange(10**12), "group_id": "", "user_id": 1}),
            ("invalid_user", lambda r: '{"group_id": 1000, "user_id": 18446744073709551616}'),
        ],
        "users": [
            ("invalid_role", lambda r: {"id": 10**15 + r.randrange(10**9), "role": "owner", "active": True}),
            (
                "invalid_active",
                lambda r: {"id": 10**15 + r.randrange(10**9), "role": "agent", "active": "yes"},
            ),
        ],
    }
    return Garbage(makers[kind], ratio, rnd)


def write_day(source: Path, day: Path, ratio: float, rnd: random.Random) -> dict:
    groups = Pages(day / "groups", "groups_page", ZD_PAGE, _page("groups", "groups"))
    members = Lines(day / "group_memberships" / "group_memberships.jsonl.json")
    bad = {kind: _garbage(kind, ratio, rnd) for kind in ("groups", "members", "users")}
    counts = Counter()
    for record in contract_records(source / "admin_groups"):
        gid = record["group_id"]
        groups.add(
            {
                "url": f"{ZD_API}/groups/{gid}.json",
                "id": gid,
                "name": record["name"],
                "description": "",
                "default": False,
                "deleted": bool(record.get("deleted")),
                "is_public": True,
                "created_at": iso(record["created_at"]),
                "updated_at": iso(record["updated_at"]),
            }
        )
        counts["groups"] += 1
        bad["groups"].after(groups)
        for aid in record.get("agent_ids") or ():
            members.add(
                {
                    "id": gid * 10**10 + aid,
                    "group_id": gid,
                    "user_id": aid,
                    "default": False,
                    "_dlt_load_id": "1764979200.0",
                    "_dlt_id": f"{gid:x}{aid:x}",
                }
            )
            counts["members"] += 1
            bad["members"].after(members)
    groups.close()
    members.close()
    if (source / "agents").is_dir():
        users = Pages(day / "users", "incremental_users", ZD_PAGE, _export)
        for n, record in enumerate(contract_records(source / "agents")):
            aid = record["agent_id"]
            users.add(
                {
                    "id": aid,
                    "name": record.get("name"),
                    "email": record.get("email"),
                    "role": "agent",
                    "active": record["active"],
                    "suspended": False,
                    "updated_at": iso(record.get("updated_at")),
                }
            )
            counts["users"] += 1
            bad["users"].after(users)
            if n % 10 == 0:  # a requester: not an agent, skipped
                users.add({"id": 10**14 + aid, "name": "Requester", "role": "end-user", "active": True})
                counts["skipped"] += 1
        users.close()
    return {"records": dict(counts), "malformed": {k: dict(g.reasons) for k, g in bad.items()}}
