"""A synthetic ServiceNow day: a generated day written as ServiceNow exports it.

`sys_user_group/` as Table API pages of 10,000 records with reference links (`{"result": [...]}`),
`sys_user_grmember/` as JSON Lines of plain sys_ids, `sys_user/` as a JSONv2 export
(`{"records": [...]}`). sys_ids are derived from the generator's ids, so every day names the same
group by the same key; times are `YYYY-MM-DD HH:MM:SS` in UTC, booleans strings. On top, the
format's own garbage, one known reject reason each.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from groups_assets.synthetic.export import Garbage, Lines, Pages, contract_records, sys_id, utc

SN_API = "https://dev84721.service-now.com/api/now/table"
SN_PAGE = 10_000


def _ref(table: str, key: str) -> dict:
    return {"link": f"{SN_API}/{table}/{key}", "value": key}


def _group(record: dict) -> dict:
    parent = record.get("parent_group_id")
    return {
        "parent": _ref("sys_user_group", sys_id("g", parent)) if parent else "",
        "manager": "",
        "roles": "itil",
        "description": "",
        "sys_updated_on": utc(record["updated_at"]),
        "type": "",
        "sys_id": sys_id("g", record["group_id"]),
        "sys_updated_by": "admin",
        "sys_created_on": utc(record["created_at"]),
        "name": record["name"],
        "email": "",
        "active": "false" if record.get("deleted") else "true",
        "sys_mod_count": "1",
        "sys_created_by": "admin",
    }


def _user(record: dict) -> dict:
    aid = record["agent_id"]
    return {
        "sys_id": sys_id("u", aid),
        "user_name": f"agent{aid}",
        "name": record.get("name") or "",
        "email": record.get("email") or "",
        "active": "true" if record["active"] else "false",
        "sys_updated_on": utc(record.get("updated_at")),
        "sys_created_on": "2025-01-01 00:00:00",
    }


def _garbage(kind: str, ratio: float, rnd: random.Random) -> Garbage:
    def hex32() -> str:
        return f"{rnd.getrandbits(128):032x}"

    def group(**extra):
        base = {"sys_id": hex32(), "name": "Garbage", "parent": "", "active": "true"}
        return (
            base | {"sys_created_on": "2025-01-01 00:00:00", "sys_updated_on": "2025-01-01 00:00:00"} | extra
        )

    makers = {
        "groups": [
            ("invalid_parent_group_id", lambda r: group(parent={"link": f"{SN_API}/sys_user_group/x"})),
            ("invalid_parent_group_id", lambda r: group(parent="Service Desk")),  # a display value
            ("invalid_deleted", lambda r: group(active="true ")),
            ("invalid_group_id", lambda r: group(sys_id=hex32().upper())),
            ("invalid_timestamp", lambda r: group(sys_updated_on="01/11/2026 08:00")),
        ],
        "members": [
            ("missing_user", lambda r: {"sys_id": hex32(), "group": sys_id("g", 1000), "user": ""}),
            ("invalid_group", lambda r: {"sys_id": hex32(), "group": "Service Desk", "user": "Alice Okafor"}),
            (
                "invalid_user",
                lambda r: {"group": sys_id("g", 1000), "user": {"link": f"{SN_API}/sys_user/x"}},
            ),
            ("unknown_group", lambda r: {"sys_id": hex32(), "group": hex32(), "user": sys_id("u", 1)}),
        ],
        "users": [
            ("invalid_active", lambda r: {"sys_id": hex32(), "name": "Garbage", "active": "true "}),
            ("invalid_agent_id", lambda r: {"sys_id": "abc", "name": "Garbage", "active": "true"}),
        ],
    }
    return Garbage(makers[kind], ratio, rnd)


def write_day(source: Path, day: Path, ratio: float, rnd: random.Random) -> dict:
    groups = Pages(day / "sys_user_group", "table_api_page", SN_PAGE, lambda page, n, last: {"result": page})
    members = [Lines(day / "sys_user_grmember" / f"sys_user_grmember_{k}.json") for k in (1, 2)]
    bad = {kind: _garbage(kind, ratio, rnd) for kind in ("groups", "members", "users")}
    counts = Counter()
    for record in contract_records(source / "admin_groups"):
        groups.add(_group(record))
        counts["groups"] += 1
        bad["groups"].after(groups)
        gkey = sys_id("g", record["group_id"])
        for aid in record.get("agent_ids") or ():
            sink = members[aid % 2]
            created = utc(record["created_at"])
            sink.add(
                {
                    "sys_id": sys_id("m", record["group_id"] * 10**10 + aid),
                    "group": gkey,
                    "user": sys_id("u", aid),
                    "sys_created_on": created,
                }
            )
            counts["members"] += 1
            bad["members"].after(sink)
    groups.close()
    for sink in members:
        sink.close()
    if (source / "agents").is_dir():
        users = Pages(day / "sys_user", "jsonv2_export", 10**9, lambda page, n, last: {"records": page})
        for record in contract_records(source / "agents"):
            users.add(_user(record))
            counts["users"] += 1
            bad["users"].after(users)
        users.close()
    return {"records": dict(counts), "malformed": {k: dict(g.reasons) for k, g in bad.items()}}
