"""Synthetic days as a help desk exports them: the days `generate` writes in the contract's layout,
written again in ServiceNow's or Zendesk's own tables and file shapes (README: Source formats).

`export(contract_root, out, fmt, malformed_ratio, seed)` reads the contract days (written without
malformed records) and writes, for each, the same groups, memberships and agents:

- servicenow: `sys_user_group/` as Table API pages of 10,000 records with reference links
  (`{"result": [...]}`), `sys_user_grmember/` as JSON Lines of plain sys_ids, `sys_user/` as a
  JSONv2 export (`{"records": [...]}`). sys_ids are derived from the contract ids, so every day
  names the same group by the same key; times are `YYYY-MM-DD HH:MM:SS` in UTC, booleans strings.
- zendesk: `groups/` as API pages of 1,000 (`{"groups": [...], "next_page": ...}`, flat: the
  parent links are dropped), `group_memberships/` as JSON Lines as dlt writes them, `users/` as
  incremental export pages, with one end-user per ten agents (not agents: skipped).

On top, `malformed_ratio` of each folder's records are the format's own garbage, one known
reject reason each, as the figures say. Records are streamed: memory holds one page at a time.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

SN_API = "https://dev84721.service-now.com/api/now/table"
ZD_API = "https://acme.zendesk.com/api/v2"
SN_PAGE = 10_000
ZD_PAGE = 1_000


def _contract_records(folder: Path):
    """Every record of a contract folder as written by `generate` (JSON Lines and arrays; no
    malformed records), its ids as integers (the contract also writes them as digit strings)."""
    for path in sorted(folder.glob("*.json")):
        text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode()
        if text.lstrip().startswith("["):
            records = json.loads(text)
        else:
            records = (json.loads(line) for line in text.splitlines() if line.strip())
        for record in records:
            for name in ("group_id", "parent_group_id", "agent_id"):
                if record.get(name) is not None:
                    record[name] = int(record[name])
            if record.get("agent_ids"):
                record["agent_ids"] = sorted({int(a) for a in record["agent_ids"]})
            yield record


def _utc(text: str | None) -> str:
    """An ISO-8601 time of the contract as ServiceNow writes times: UTC, to the second."""
    if not text:
        return ""
    moment = datetime.fromisoformat(text.replace(" ", "T"))
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _iso(text: str | None) -> str | None:
    """An ISO-8601 time of the contract as Zendesk writes times (UTC, `Z`)."""
    return _utc(text).replace(" ", "T") + "Z" if text else None


def sys_id(kind: str, n: int) -> str:
    """The sys_id the export gives contract id `n` of a kind (g, u, m): 32 lower-case hex."""
    return hashlib.md5(f"{kind}{n}".encode()).hexdigest()  # noqa: S324 - a key, not a secret


class _Pages:
    """Records written as whole-file pages of `size`, a page's text built by `wrap`."""

    def __init__(self, folder: Path, prefix: str, size: int, wrap) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.prefix, self.size, self.wrap = folder, prefix, size, wrap
        self.page: list[dict] = []
        self.number = 0

    def add(self, record: dict) -> None:
        self.page.append(record)
        if len(self.page) >= self.size:
            self._write(last=False)

    def _write(self, last: bool) -> None:
        self.number += 1
        body = self.wrap(self.page, self.number, last)
        (self.folder / f"{self.prefix}_{self.number:04d}.json").write_text(json.dumps(body))
        self.page = []

    def close(self) -> None:
        self._write(last=True)  # the last page, empty when the one before was full


class _Lines:
    """Records written as JSON Lines."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = path.open("w", encoding="utf-8")

    def add(self, record: dict | str) -> None:
        self.file.write((record if isinstance(record, str) else json.dumps(record)) + "\n")

    def close(self) -> None:
        self.file.close()


class _Garbage:
    """The format's own malformed records of one folder: `ratio` of its records, cycling through
    `makers` (each a (reason, make(rnd) -> record)), counted by reason."""

    def __init__(self, makers: list, ratio: float, rnd: random.Random) -> None:
        self.makers, self.rnd = makers, rnd
        self.per_record = ratio / (1 - ratio) if ratio else 0.0
        self.owed, self.next = 0.0, 0
        self.reasons: Counter = Counter()

    def after(self, sink) -> None:
        """Called once per valid record: add the malformed records owed so far."""
        self.owed += self.per_record
        while self.owed >= 1:
            self.owed -= 1
            reason, make = self.makers[self.next % len(self.makers)]
            self.next += 1
            self.reasons[reason] += 1
            sink.add(make(self.rnd))


# --- ServiceNow ---------------------------------------------------------------------------------


def _sn_ref(table: str, key: str) -> dict:
    return {"link": f"{SN_API}/{table}/{key}", "value": key}


def _sn_group(record: dict) -> dict:
    parent = record.get("parent_group_id")
    return {
        "parent": _sn_ref("sys_user_group", sys_id("g", parent)) if parent else "",
        "manager": "",
        "roles": "itil",
        "description": "",
        "sys_updated_on": _utc(record["updated_at"]),
        "type": "",
        "sys_id": sys_id("g", record["group_id"]),
        "sys_updated_by": "admin",
        "sys_created_on": _utc(record["created_at"]),
        "name": record["name"],
        "email": "",
        "active": "false" if record.get("deleted") else "true",
        "sys_mod_count": "1",
        "sys_created_by": "admin",
    }


def _sn_user(record: dict) -> dict:
    aid = record["agent_id"]
    return {
        "sys_id": sys_id("u", aid),
        "user_name": f"agent{aid}",
        "name": record.get("name") or "",
        "email": record.get("email") or "",
        "active": "true" if record["active"] else "false",
        "sys_updated_on": _utc(record.get("updated_at")),
        "sys_created_on": "2025-01-01 00:00:00",
    }


def _sn_garbage(kind: str, ratio: float, rnd: random.Random) -> _Garbage:
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
    return _Garbage(makers[kind], ratio, rnd)


def _servicenow_day(source: Path, day: Path, ratio: float, rnd: random.Random) -> dict:
    groups = _Pages(day / "sys_user_group", "table_api_page", SN_PAGE, lambda page, n, last: {"result": page})
    members = [_Lines(day / "sys_user_grmember" / f"sys_user_grmember_{k}.json") for k in (1, 2)]
    bad = {kind: _sn_garbage(kind, ratio, rnd) for kind in ("groups", "members", "users")}
    counts = Counter()
    for record in _contract_records(source / "admin_groups"):
        groups.add(_sn_group(record))
        counts["groups"] += 1
        bad["groups"].after(groups)
        gkey = sys_id("g", record["group_id"])
        for aid in record.get("agent_ids") or ():
            sink = members[aid % 2]
            created = _utc(record["created_at"])
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
        users = _Pages(day / "sys_user", "jsonv2_export", 10**9, lambda page, n, last: {"records": page})
        for record in _contract_records(source / "agents"):
            users.add(_sn_user(record))
            counts["users"] += 1
            bad["users"].after(users)
        users.close()
    return {"records": dict(counts), "malformed": {k: dict(g.reasons) for k, g in bad.items()}}


# --- Zendesk ------------------------------------------------------------------------------------


def _zd_page(key: str, endpoint: str):
    def wrap(page: list, number: int, last: bool) -> dict:
        following = None if last else f"{ZD_API}/{endpoint}.json?page={number + 1}"
        return {key: page, "next_page": following, "previous_page": None, "count": len(page)}

    return wrap


def _zd_export(page: list, number: int, last: bool) -> dict:
    return {
        "users": page,
        "next_page": f"{ZD_API}/incremental/users.json?start_time={1764979200 + number}",
        "count": len(page),
        "end_of_stream": last,
        "end_time": 1764979200 + number,
    }


def _zd_garbage(kind: str, ratio: float, rnd: random.Random) -> _Garbage:
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
    return _Garbage(makers[kind], ratio, rnd)


def _zendesk_day(source: Path, day: Path, ratio: float, rnd: random.Random) -> dict:
    groups = _Pages(day / "groups", "groups_page", ZD_PAGE, _zd_page("groups", "groups"))
    members = _Lines(day / "group_memberships" / "group_memberships.jsonl.json")
    bad = {kind: _zd_garbage(kind, ratio, rnd) for kind in ("groups", "members", "users")}
    counts = Counter()
    for record in _contract_records(source / "admin_groups"):
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
                "created_at": _iso(record["created_at"]),
                "updated_at": _iso(record["updated_at"]),
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
        users = _Pages(day / "users", "incremental_users", ZD_PAGE, _zd_export)
        for n, record in enumerate(_contract_records(source / "agents")):
            aid = record["agent_id"]
            users.add(
                {
                    "id": aid,
                    "name": record.get("name"),
                    "email": record.get("email"),
                    "role": "agent",
                    "active": record["active"],
                    "suspended": False,
                    "updated_at": _iso(record.get("updated_at")),
                }
            )
            counts["users"] += 1
            bad["users"].after(users)
            if n % 10 == 0:  # a requester: not an agent, skipped
                users.add({"id": 10**14 + aid, "name": "Requester", "role": "end-user", "active": True})
                counts["skipped"] += 1
        users.close()
    return {"records": dict(counts), "malformed": {k: dict(g.reasons) for k, g in bad.items()}}


WRITERS = {"servicenow": _servicenow_day, "zendesk": _zendesk_day}


def export(contract_root: Path, out: Path, fmt: str, malformed_ratio: float, seed: int) -> list[dict]:
    """Write every sync-<day>/ of `contract_root` into `out` in format `fmt`; per day, the records
    written per table and the malformed ones per reason."""
    figures = []
    for source in sorted(contract_root.glob("sync-*"), key=lambda p: int(p.name.removeprefix("sync-day"))):
        rnd = random.Random(f"{seed}:{fmt}:{source.name}")  # noqa: S311 - test data
        day = out / source.name
        figures.append(
            {"day": source.name.removeprefix("sync-")} | WRITERS[fmt](source, day, malformed_ratio, rnd)
        )
        (day / "_SUCCESS").touch()
    return figures
