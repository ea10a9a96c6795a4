"""Synthetic sync days for tests, benchmarks and the warm-up, in the contract's layout.

`generate(out, days, groups, agents, ...)` writes `out/sync-day1 .. out/sync-dayN` in the layout of
CONTRACT.md section 1, each with `admin_groups/*.json`, `agents/*.json` and an empty `_SUCCESS`.

What the data looks like
- Groups have ids 1000 .. 1000+G-1 in a scrambled order (a parent is not always written before
  its children) and names like "Team 1234", some with a suffix ("Team 1234 EMEA", a few with
  quotes or non-ASCII letters). The hierarchy is a forest: about 3% roots, random trees whose
  depth never exceeds --max-depth, one chain of exactly min(max-depth, G) groups and, space
  permitting, two more chains of half and a quarter of that. About 3% of the roots name a parent
  that does not exist (an orphan parent). Day 1 has no cycle.
- `agent_ids` lists have a geometric size around --avg-members (many small groups, a long tail),
  no repeats in the member set (a few lists repeat an id, which collapses), and about 1% of the
  groups name one agent that does not exist (an orphan membership). Agents have ids from
  1000000000; about 85% are active.
- Timestamps are ISO-8601: mostly "2026-11-01T08:00:00Z", some with a 1-6 digit fraction, a
  +HH:MM/-HH:MM offset, no zone at all, or a space for the "T". The written text always denotes the
  instant the generator meant.
- Day 1 is a full export of groups and agents. Day d > 1 is a full export of groups in which about
  --change-ratio of the groups differ from day d-1: renamed, re-parented (to a group at the same or
  a shallower level that comes earlier in generation order, so the day-1 depth bound and acyclicity
  hold, except for about 1% "wild" moves and two deliberate 2-cycles per day), new members,
  deleted (about 1% of the changed; a deleted group stays in later exports with `deleted: true`),
  or stale (about 3% of the changed: different content with an updated_at OLDER than the day
  before, which the pipeline must ignore). Changed records get an updated_at within the 20 hours
  before that day's export at 08:00Z; unchanged groups repeat their record byte for byte. The
  chains are never re-parented or deleted. The agents folder of day d > 1 holds only the agents
  that changed that day (--change-ratio of them): deactivations, activations and profile updates.
- A share --malformed-ratio of all records (of each folder) is malformed, spread evenly over the
  contract's reject reasons; each malformed record breaks exactly its one rule, so the reason is
  known. They come on top of the valid records (a `duplicate_*` is an older copy of a valid record
  of that day), so every group has exactly one loadable record per day.
- Each folder has --files-per-day files: JSON Lines, except the second, which is one JSON array
  holding a smaller share of the records (half a file's share), and, with 3 or more files, the
  last, which starts with a UTF-8 byte-order mark and uses \\r\\n line ends. A few blank lines and
  one invalid-UTF-8 variant of `invalid_json` are mixed in.

Streaming and determinism
- Records are produced one at a time and written through large buffered writes. Memory holds only
  a few compact arrays per group (parent, day-1 depth, last rename/membership/update day, deleted)
  and one active flag per agent: about 20 bytes per group.
- Every group's day-1 record is derived from `random.Random(<seed, group, 0>)`, and what changes on
  day d from `random.Random(<seed, group, d>)`; the file a record goes to and the malformed records
  come from one `random.Random(<seed, day>)` stream per folder and day. The same arguments and seed
  give byte-identical files (for a given Python version).

The returned figures (also printed by `command`) say per day how many records were written and
rejected (per reason), and how many memberships the `group_membership` table should hold after
the days up to that one are applied in order.
"""

from __future__ import annotations

import json
import math
import random
from array import array
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from groups_assets.contract.reasons import AGENT_REASONS, GROUP_REASONS

GROUP_BASE = 1000
AGENT_BASE = 1_000_000_000

_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_DAY = 86400
_DAY1 = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
_EXPORT = 8 * 3600  # each day's export is taken at 08:00Z
_WINDOW = 20 * 3600  # changes of a day happen in the 20 hours before its export
_CREATED_MIN = int(datetime(2019, 1, 1, tzinfo=UTC).timestamp())
_CREATED_MAX = _DAY1 - 30 * _DAY
_EPOCH = date(1970, 1, 1)

_ROOT_SHARE = 0.03
_ORPHAN_PARENT_SHARE = 0.03  # of the roots
_ORPHAN_MEMBER_SHARE = 0.01  # of the groups
_STALE_SHARE = 0.03  # of the changed groups
_DELETE_SHARE = 0.01  # of the changed groups
_WILD_SHARE = 0.01  # of the re-parents
_ACTIVE_SHARE = 0.85
_CYCLES_PER_DAY = 2
_PARENT_TRIES = 8

_OFFSETS = (
    (60, "+01:00"),
    (120, "+02:00"),
    (-300, "-05:00"),
    (330, "+05:30"),
    (-210, "-03:30"),
    (540, "+09:00"),
)
_SUFFIXES = tuple(
    json.dumps(s, ensure_ascii=False)[1:-1]
    for s in (
        "EMEA",
        "APAC",
        "Americas",
        "Network",
        "Tier 2",
        "Night Shift",
        "On-call",
        "VIP Desk",
        "Facilities & Workplace",
        'Ops "Blue"',
        "Sécurité",
        "Zürich Desk",
        "東京 Support",
        "Field Services",
        "Identity/Access",
    )
)
_EXTRAS = (', "business_hours": "24x7"', ', "description": null', ', "tags": ["imported", "itsm"]')
_FIRST = (
    "Margaret", "Tom", "Sophie", "Jonas", "Aisha", "Liam", "Mei", "Carlos", "Ingrid", "Yusuf", "Paula",
    "Ray", "Zoë", "Björn", "Priya", "Kwame", "Elena", "Hiro", "Fatima", "Noah", "Olga", "Mateo",
    "Siobhan", "Chen", "Amara", "Lars", "Nadia", "Pedro", "Ana", "Dmitri",
)  # fmt: skip
_LAST = (
    "Okafor", "Lindqvist", "Laurent", "Weber", "Rahman", "Murphy", "Wang", "García", "Larsen", "Demir",
    "Moreno", "Fontaine", "Müller", "Ørsted", "O'Brien", "Nakamura", "Kowalski", "Silva", "Haddad",
    "Novak", "Rossi", "Jensen", "Dubois", "Kim", "Mensah", "Petrov", "Costa", "Schmidt", "Ivanova", "Berg",
)  # fmt: skip
_ASCII = str.maketrans({"ö": "o", "ü": "u", "ë": "e", "Ø": "O", "í": "i", "'": "", "é": "e"})

_BAD_GROUP_ID = (
    "0", "-7", "3.5", '"12a"', '""', "9223372036854775808", '"9223372036854775808"', "true",
    '{"id": 5}', "1e3", '" 12"', '"-5"',
)  # fmt: skip
_BAD_NAME = ("42", '["Team"]', '"Team\\u0000Night"', "true", '{"en": "Team"}')
_BAD_TS = (
    '"2026-02-30T10:00:00Z"', '"yesterday"', '"2026-11-01T24:00:00Z"', '"2026-11-01T08:00:00.1234567Z"',
    '"2026-11-01"', "1761984000", '"2026-13-01T00:00:00Z"', '"2026-11-01T08:00:00+24:00"',
    '"01/11/2026 08:00"', '""',
)  # fmt: skip
_BAD_PARENT = ('"abc"', "0", "-1", "2.5", '{"id": 1}', "[1]", "true", '""')
_BAD_AGENT_IDS = ('"1,2"', '[1, "x"]', "[0]", "[1.5]", '{"a": 1}', "7", "[null]", "true", '["12a"]')
_BAD_DELETED = ('"yes"', "1", '"true"', "0", "[]", '"false"')
_BAD_AGENT_ID = ("0", "-3", '"x1"', "1.5", '""', "false", "18446744073709551616")
_BAD_ACTIVE = ('"true"', "1", '"yes"', "0", '"false"', "[]")

_date_cache: dict[int, str] = {}  # day number -> '"YYYY-MM-DD'
_HOUR_MINUTE = [f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)]
_SECOND = [f":{s:02d}" for s in range(60)]


class BadArguments(ValueError):
    """Arguments generate cannot honour; the message says which and why."""


def _mix(x: int) -> int:
    """splitmix64's finalizer: a well-spread 64-bit hash of x."""
    x = (x + _GOLDEN) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _ts(sec: int, micro: int, fmt: tuple) -> str:
    """The instant sec.micro (UTC) as a quoted ISO-8601 string in the group's style."""
    style = fmt[0]
    if style == 2:
        sec += fmt[2] * 60
    days, rest = divmod(sec, _DAY)
    text = _date_cache.get(days)
    if text is None:
        text = _date_cache[days] = '"' + (_EPOCH + timedelta(days=days)).isoformat()
    clock = _HOUR_MINUTE[rest // 60] + _SECOND[rest % 60]
    if style == 0:
        return text + "T" + clock + 'Z"'
    if style == 1:
        return f'{text}T{clock}.{f"{micro:06d}"[: fmt[1]]}Z"'
    if style == 2:
        return f'{text}T{clock}{fmt[3]}"'
    if style == 3:
        return f'{text}T{clock}"'
    return f'{text} {clock}Z"'


def _fmt(u: float, digits: float, offset: float) -> tuple:
    """A timestamp style: mostly plain Z, some fractions, offsets, no zone, or a space for T."""
    style = 0 if u < 0.85 else 1 if u < 0.93 else 2 if u < 0.98 else 3 if u < 0.99 else 4
    return (style, 1 + int(digits * 6), *_OFFSETS[int(offset * len(_OFFSETS))])


def _obj(pairs: dict[str, str]) -> str:
    """A JSON object from raw JSON values, in insertion order."""
    return "{" + ", ".join([f'"{k}": {v}' for k, v in pairs.items()]) + "}"


class _Sink:
    """One output file, written in large chunks; JSON Lines or one JSON array."""

    __slots__ = ("fh", "buf", "array", "eol", "first")

    def __init__(self, path: Path, array_file: bool = False, windows: bool = False) -> None:
        self.fh = open(path, "wb")  # closed by close()
        self.buf: list[str] = []
        self.array = array_file
        self.eol = "\r\n" if windows else "\n"
        self.first = True
        if windows:
            self.fh.write(b"\xef\xbb\xbf")
        if array_file:
            self.buf.append("[\n")

    def add(self, line: str) -> None:
        if self.array:
            self.buf.append(("  " if self.first else ",\n  ") + line)
            self.first = False
        else:
            self.buf.append(line + self.eol)
        if len(self.buf) >= 8192:
            self.flush()

    def flush(self) -> None:
        # surrogateescape: the one deliberately invalid-UTF-8 line variant carries raw bytes.
        self.fh.write("".join(self.buf).encode("utf-8", "surrogateescape"))
        self.buf.clear()

    def close(self) -> None:
        if self.array:
            self.buf.append("\n]\n")
        self.flush()
        self.fh.close()


class _Files:
    """The files of one folder of one day, and the choice of file for each record."""

    def __init__(self, folder: Path, prefix: str, day: int, count: int) -> None:
        folder.mkdir(parents=True)
        stamp = (date(2026, 11, 1) + timedelta(days=day - 1)).isoformat()
        self.sinks = [
            _Sink(
                folder / f"{prefix}-{stamp}-{k + 1:03d}.json",
                array_file=count > 1 and k == 1,
                windows=count >= 3 and k == count - 1,
            )
            for k in range(count)
        ]
        self.count = count
        self.array_share = 0.5 / count

    def pick(self, u: float) -> _Sink:
        if self.count == 1:
            return self.sinks[0]
        if u < self.array_share:
            return self.sinks[1]
        k = int((u - self.array_share) / (1 - self.array_share) * (self.count - 1))
        k = min(k, self.count - 2)
        return self.sinks[0 if k == 0 else k + 1]

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()


def check_arguments(
    out: Path,
    days: int,
    groups: int,
    agents: int,
    avg_members: float,
    max_depth: int,
    malformed_ratio: float,
    change_ratio: float,
    files_per_day: int,
) -> None:
    """Raise BadArguments with a clear message for arguments generate cannot honour."""
    problems = []
    if not 1 <= days <= 9999:
        problems.append(f"--days must be between 1 and 9999, not {days}")
    if groups < 1:
        problems.append(f"--groups must be at least 1, not {groups}")
    if agents < 1:
        problems.append(f"--agents must be at least 1, not {agents}")
    if not (avg_members >= 0 and math.isfinite(avg_members)):
        problems.append(f"--avg-members must be a number >= 0, not {avg_members}")
    if max_depth < 1:
        problems.append(f"--max-depth must be at least 1, not {max_depth}")
    if not 0 <= malformed_ratio < 1:
        problems.append(f"--malformed-ratio must be in [0, 1), not {malformed_ratio}")
    if not 0 <= change_ratio <= 1:
        problems.append(f"--change-ratio must be in [0, 1], not {change_ratio}")
    if not 1 <= files_per_day <= 1000:
        problems.append(f"--files-per-day must be between 1 and 1000, not {files_per_day}")
    if out.exists() and not out.is_dir():
        problems.append(f"--out {out} exists and is not a folder")
    elif out.is_dir():
        taken = sorted(p.name for p in out.glob("sync-*"))
        if taken:
            problems.append(
                f"--out {out} already holds {', '.join(taken[:3])}{' ...' if len(taken) > 3 else ''}; "
                "choose an empty or new folder"
            )
    if problems:
        raise BadArguments("; ".join(problems))


class _Generator:
    def __init__(
        self,
        days: int,
        groups: int,
        agents: int,
        avg_members: float,
        max_depth: int,
        malformed_ratio: float,
        change_ratio: float,
        seed: int,
        files_per_day: int,
    ) -> None:
        self.days, self.n_groups, self.n_agents = days, groups, agents
        self.avg_members, self.max_depth = avg_members, max_depth
        self.change_ratio, self.files_per_day = change_ratio, files_per_day
        self.seed = seed & _M64
        # Extra malformed records per valid one, so that they are malformed_ratio of all records.
        self.bad_per_record = malformed_ratio / (1 - malformed_ratio)
        self.log_q = math.log(avg_members / (1 + avg_members)) if avg_members > 0 else 0.0
        self.member_cap = min(agents, max(50, int(avg_members * 50)))
        self.rng = random.Random()  # noqa: S311 - test data, reseeded per group and day
        # Group ids: a permutation of the generation order, so parents are not always written first.
        step = 2654435761
        while math.gcd(step, groups) != 1:
            step += 2
        self.id_step, self.id_offset = step, _mix(self.seed ^ 0x5A5A) % groups
        self.export = [0] + [_DAY1 + (d - 1) * _DAY + _EXPORT for d in range(1, days + 1)]

    # -- seeds ------------------------------------------------------------------------------------

    def _key(self, salt: int, item: int, day: int) -> int:
        return (self.seed << 128) | (salt << 120) | (day << 64) | item

    def _stream(self, salt: int, day: int) -> int:
        """A per-(salt, day) start for _unit: a cheap uniform number per item without a Random."""
        return _mix(self.seed ^ _mix((salt << 32) | day))

    @staticmethod
    def _unit(stream: int, item: int) -> float:
        return (_mix((stream + item * _GOLDEN) & _M64) >> 11) * (1.0 / (1 << 53))

    def gid(self, i: int) -> int:
        return GROUP_BASE + (i * self.id_step + self.id_offset) % self.n_groups

    # -- the forest ---------------------------------------------------------------------------------

    def build(self) -> None:
        """Parent links and day-1 depths of all groups: chains first, then random trees."""
        count, depth_max = self.n_groups, self.max_depth
        self.parent = array("q", [-1]) * count  # index of the parent; -1 root, -2 orphan parent
        self.depth = array("i", [1]) * count
        rng = random.Random(self._key(0, 0, 0))  # noqa: S311
        lengths = [min(depth_max, count)]
        budget = max(0, count // 5 - lengths[0])
        for extra in (depth_max // 2, depth_max // 4):
            if 2 <= min(extra, budget):
                lengths.append(min(extra, budget))
                budget -= lengths[-1]
        i = 0
        for length in lengths:
            for k in range(min(length, count - i)):
                if k:
                    self.parent[i], self.depth[i] = i - 1, k + 1
                i += 1
        self.chain_end, self.chain_lengths = i, lengths
        # Pairs (a, b) with b a child of a: on day d, a moves under b, closing a 2-cycle.
        needed, used = _CYCLES_PER_DAY * (self.days - 1) if self.change_ratio else 0, set()
        self.cycle_pairs: list[tuple[int, int]] = []
        first = self.chain_end
        pair_share = min(0.5, 20 * needed / count) if needed else 0
        for i in range(first, count):
            if depth_max == 1 or i == first or rng.random() < _ROOT_SHARE:
                if rng.random() < _ORPHAN_PARENT_SHARE:
                    self.parent[i] = -2
                continue
            j = first + int(rng.random() * (i - first))
            if self.depth[j] >= depth_max:
                j = self.parent[j]
            self.parent[i], self.depth[i] = j, self.depth[j] + 1
            if (
                len(self.cycle_pairs) < needed
                and j not in used
                and i not in used
                and rng.random() < pair_share
            ):
                self.cycle_pairs.append((j, i))
                used.update((j, i))
        self.roots = sum(1 for p in self.parent if p < 0)
        self.name_day = array("H", [1]) * count
        self.members_day = array("H", [1]) * count
        self.update_day = array("H", [1]) * count
        self.deleted = bytearray(count)
        self.active = bytearray(self.n_agents)

    # -- one group ----------------------------------------------------------------------------------

    def base(self, i: int) -> tuple:
        """The day-1 state of group i, derived from (seed, i) alone."""
        rng = self.rng
        rng.seed(self._key(1, i, 0))
        r = rng.random
        created = _CREATED_MIN + int(r() * (_CREATED_MAX - _CREATED_MIN))
        updated = created + int(r() * (self.export[1] - created))
        c_micro, u_micro = int(r() * 1e6), int(r() * 1e6)
        fmt = _fmt(r(), r(), r())
        id_text, parent_text, root_null = r() < 0.01, r() < 0.01, r() < 0.3
        empty_style, deleted_false, extra = int(r() * 3), r() < 0.05, r()
        name_u, spaced = r(), r() < 0.001
        orphan_u, orphan_v, text_member, repeat = r(), r(), r() < 0.01, r() < 0.005
        count = 0
        if self.log_q:
            count = min(int(math.log(1.0 - r()) / self.log_q), self.member_cap)
        n_agents = self.n_agents
        if count * 3 <= n_agents:
            members = [AGENT_BASE + int(r() * n_agents) for _ in range(count)]
            if len(set(members)) < count:  # a repeat: draw again until `count` different agents
                seen: set[int] = set()
                members = [a for a in members if not (a in seen or seen.add(a))]
                while len(members) < count:
                    a = AGENT_BASE + int(r() * n_agents)
                    if a not in seen:
                        seen.add(a)
                        members.append(a)
        else:
            members = [AGENT_BASE + a for a in rng.sample(range(n_agents), count)]
        if members and orphan_u < _ORPHAN_MEMBER_SHARE:
            members[int(orphan_v * len(members))] = AGENT_BASE + n_agents + 1 + int(orphan_v * 1000)
        gid = self.gid(i)
        if spaced:
            name = f'" Team {gid} "'
        elif name_u < 0.3:
            name = f'"Team {gid} {_SUFFIXES[int(name_u / 0.3 * len(_SUFFIXES))]}"'
        else:
            name = f'"Team {gid}"'
        return (
            gid,
            f'"{gid}"' if id_text else str(gid),
            name,
            _ts(created, c_micro, fmt),
            updated,
            u_micro,
            fmt,
            parent_text,
            root_null,
            empty_style,
            deleted_false,
            _EXTRAS[int(extra / 0.02 * len(_EXTRAS))] if extra < 0.02 else "",
            members,
            text_member,
            repeat,
        )

    def plan(self, i: int, day: int, base_members: list[int]) -> tuple:
        """What happens to group i on day (> 1) if it changes then, derived from (seed, i, day).
        The same every time it is asked, so a later day can recompute an earlier change."""
        rng = self.rng
        rng.seed(self._key(2, i, day))
        r = rng.random
        updated = self.export[day] - _WINDOW + int(r() * _WINDOW)
        micro = int(r() * 1e6)
        kind = r()
        rename, reparent, new_members, name_u = r() < 0.4, r() < 0.3, r() < 0.5, r()
        stale_by = 3600 + int(r() * (10 * _DAY - 3600))
        wild = r() < _WILD_SHARE
        tries = [r() for _ in range(_PARENT_TRIES)]
        members = list(base_members)
        removals, additions = int(r() * 3), int(r() * 3)
        if removals == additions == 0:
            additions = 1
        for _ in range(min(removals, len(members))):
            del members[int(r() * len(members))]
        seen = set(members)
        for _ in range(additions):
            for _ in range(20):
                a = AGENT_BASE + int(r() * self.n_agents)
                if a not in seen:
                    seen.add(a)
                    members.append(a)
                    break
        name = f"{_SUFFIXES[int(name_u * len(_SUFFIXES))]} {day}"
        return updated, micro, kind, rename, reparent, new_members, name, stale_by, wild, tries, members

    def new_parent(self, i: int, wild: bool, tries: list[float]) -> int:
        """A new parent for i: an earlier group no deeper than its current parent on day 1 (so depths
        never grow and no cycle forms), a root if none is found; `wild`: any group."""
        if wild:
            j = int(tries[0] * self.n_groups)
            return -1 if j == i else j
        limit = self.depth[i] - 1
        for u in tries:
            j = int(u * i)
            if self.depth[j] <= limit and j != self.parent[i]:
                return j
        return -1

    # -- one day ------------------------------------------------------------------------------------

    def groups_day(self, day: int, folder: Path) -> dict:
        files = _Files(folder, "admin_groups", day, self.files_per_day)
        stream = random.Random(self._key(3, 0, day))  # noqa: S311
        r = stream.random
        changes = self._stream(1, day)
        forced = {}
        if day > 1:
            start = _CYCLES_PER_DAY * (day - 2)
            forced = dict(self.cycle_pairs[start : start + _CYCLES_PER_DAY])
        figures = {"records": 0, "changed": 0, "stale": 0, "memberships": 0, "orphan_memberships": 0}
        figures |= {"orphan_parents": 0, "deleted": 0}
        reasons = dict.fromkeys(GROUP_REASONS, 0)
        extra_agent = AGENT_BASE + self.n_agents
        bad_whole, bad_part = int(self.bad_per_record), self.bad_per_record % 1
        parent, deleted = self.parent, self.deleted
        for i in range(self.n_groups):
            (gid, gid_text, base_name, created, updated, micro, fmt, parent_text, root_null, empty_style,
             deleted_false, extra, base_members, text_member, repeat) = self.base(i)  # fmt: skip
            plans: dict[int, tuple] = {}
            stale = None
            if day > 1 and not deleted[i] and (i in forced or self._unit(changes, i) < self.change_ratio):
                plan = plans[day] = self.plan(i, day, base_members)
                figures["changed"] += 1
                kind = plan[2]
                in_chain = i < self.chain_end
                if i in forced:
                    parent[i] = forced[i]
                    self.update_day[i] = day
                elif kind < _STALE_SHARE and not in_chain:
                    stale = plan
                elif kind < _STALE_SHARE + _DELETE_SHARE and not in_chain:
                    deleted[i] = 1
                    self.update_day[i] = day
                else:
                    rename, new_members = plan[3], plan[5]
                    reparent = plan[4] and not in_chain and (plan[8] or self.depth[i] > 1)
                    if not (rename or reparent or new_members):
                        new_members = True
                    if rename:
                        self.name_day[i] = day
                    if new_members:
                        self.members_day[i] = day
                    if reparent:
                        parent[i] = self.new_parent(i, plan[8], plan[9])
                    self.update_day[i] = day
            # The group's current state: day-1 values, or those of the day it last changed.
            name, members = base_name, base_members
            if (e := self.name_day[i]) > 1:
                plan = plans.get(e) or plans.setdefault(e, self.plan(i, e, base_members))
                name = f'"Team {gid} {plan[6]}"'
            if (e := self.members_day[i]) > 1:
                members = (plans.get(e) or plans.setdefault(e, self.plan(i, e, base_members)))[10]
            if (e := self.update_day[i]) > 1:
                plan = plans.get(e) or plans.setdefault(e, self.plan(i, e, base_members))
                updated, micro = plan[0], plan[1]
            figures["memberships"] += len(members)
            figures["orphan_memberships"] += sum(1 for a in members if a >= extra_agent)
            figures["deleted"] += deleted[i]
            if stale is not None:  # older content, older updated_at: the pipeline must ignore it
                figures["stale"] += 1
                name = f'"Team {gid} {stale[6].rsplit(" ", 1)[0]}"'
                members = stale[10]
                updated -= stale[7]
            record = {"group_id": gid_text, "name": name}
            p = parent[i]
            if p >= 0:
                pid = self.gid(p)
                record["parent_group_id"] = f'"{pid}"' if parent_text else str(pid)
            elif p == -2:
                figures["orphan_parents"] += 1
                record["parent_group_id"] = str(GROUP_BASE + self.n_groups + 1 + i)
            elif root_null:
                record["parent_group_id"] = "null"
            if members:
                texts = [str(a) for a in members]
                if text_member:
                    texts[0] = f'"{texts[0]}"'
                if repeat:
                    texts.append(texts[-1])
                record["agent_ids"] = "[" + ", ".join(texts) + "]"
            elif empty_style:
                record["agent_ids"] = "[]" if empty_style == 1 else "null"
            record["created_at"] = created
            record["updated_at"] = _ts(updated, micro, fmt)
            if deleted[i]:
                record["deleted"] = "true"
            elif deleted_false:
                record["deleted"] = "false"
            line = _obj(record)[:-1] + extra + "}" if extra else _obj(record)
            sink = files.pick(r())
            sink.add(line)
            figures["records"] += 1
            for _ in range(bad_whole + (r() < bad_part)):
                reason, bad = self.bad_group(stream, record, sink.array, updated, micro, fmt)
                reasons[reason] += 1
                sink.add(bad)
            if r() < 0.0002 and not sink.array:
                sink.add("")
        files.close()
        figures["malformed"] = sum(reasons.values())
        figures["reasons"] = {k: v for k, v in reasons.items() if v}
        return figures

    @staticmethod
    def bad_group(
        stream: random.Random, record: dict, in_array: bool, updated: int, micro: int, fmt: tuple
    ) -> tuple[str, str]:
        """A record that breaks exactly one rule (the reason), made from a valid one."""
        r = stream.random
        reason = GROUP_REASONS[int(r() * len(GROUP_REASONS))]
        if reason == "invalid_json" and in_array:  # an array file must stay one valid document
            reason = "not_an_object"
        v = r()
        bad = dict(record)
        gid = record["group_id"]
        if reason == "invalid_json":
            line = _obj(record)
            k = int(v * 5)
            if k == 0:
                return reason, line[: max(1, len(line) // 2)]
            if k == 1:
                return reason, line[:-1] + ", }"
            if k == 2:
                return reason, "{'group_id': " + gid + ", 'name': 'Team'}"
            if k == 3:
                return reason, f"group_id={gid} name=Team"
            bad["name"] = '"Team \udcc3("'  # bytes C3 28: not UTF-8
        elif reason == "not_an_object":
            return reason, (f"[{gid}, {record['name']}]", record["name"], "null", "true", "42")[int(v * 5)]
        elif reason == "missing_group_id":
            if v < 0.5:
                del bad["group_id"]
            else:
                bad["group_id"] = "null"
        elif reason == "invalid_group_id":
            bad["group_id"] = _BAD_GROUP_ID[int(v * len(_BAD_GROUP_ID))]
        elif reason == "missing_name":
            if v < 0.25:
                del bad["name"]
            else:
                bad["name"] = ("null", '""', '"   "')[int((v - 0.25) / 0.75 * 3)]
        elif reason == "invalid_name":
            bad["name"] = _BAD_NAME[int(v * len(_BAD_NAME))]
        elif reason == "invalid_timestamp":
            k = int(v * (2 * len(_BAD_TS) + 1))
            if k == 2 * len(_BAD_TS):
                del bad["created_at"]
            else:
                bad["created_at" if k % 2 else "updated_at"] = _BAD_TS[k // 2]
        elif reason == "invalid_parent_group_id":
            bad["parent_group_id"] = _BAD_PARENT[int(v * len(_BAD_PARENT))]
        elif reason == "self_parent":
            bad["parent_group_id"] = gid if v < 0.8 else (gid.strip('"') if gid[0] == '"' else f'"{gid}"')
        elif reason == "invalid_agent_ids":
            bad["agent_ids"] = _BAD_AGENT_IDS[int(v * len(_BAD_AGENT_IDS))]
        elif reason == "invalid_deleted":
            bad["deleted"] = _BAD_DELETED[int(v * len(_BAD_DELETED))]
        else:  # duplicate_group_id: an older copy, older than any stale record of the day too
            bad["updated_at"] = _ts(updated - 11 * _DAY - int(v * 29 * _DAY), micro, fmt)
        return reason, _obj(bad)

    # -- agents -------------------------------------------------------------------------------------

    def agents_day(self, day: int, folder: Path) -> dict:
        files = _Files(folder, "agents", day, self.files_per_day)
        stream = random.Random(self._key(6, 0, day))  # noqa: S311
        r = stream.random
        changes = self._stream(2, day)
        reasons = dict.fromkeys(AGENT_REASONS, 0)
        figures = {"records": 0}
        bad_whole, bad_part = int(self.bad_per_record), self.bad_per_record % 1
        rng = self.rng
        for j in range(self.n_agents):
            if day > 1 and self._unit(changes, j) >= self.change_ratio:
                continue
            rng.seed(self._key(4, j, 0))
            a = rng.random
            first, last = _FIRST[int(a() * len(_FIRST))], _LAST[int(a() * len(_LAST))]
            active = a() < _ACTIVE_SHARE
            updated, micro = self.export[1] - int(a() * 400 * _DAY), int(a() * 1e6)
            fmt = _fmt(a(), a(), a())
            has_name, has_email, has_updated, id_text = a() >= 0.02, a() >= 0.03, a() >= 0.005, a() < 0.01
            domain = "example.com"
            if day == 1:
                self.active[j] = active
            else:
                rng.seed(self._key(5, j, day))
                c = rng.random
                updated, micro, has_updated = (
                    self.export[day] - _WINDOW + int(c() * _WINDOW),
                    int(c() * 1e6),
                    True,
                )
                # Active agents mostly get a profile update, inactive ones come back: about 85% stay active.
                if not self.active[j] or c() < 0.18:
                    self.active[j] ^= 1
                else:
                    domain = "help.example.com"
            aid = AGENT_BASE + j
            record = {"agent_id": f'"{aid}"' if id_text else str(aid)}
            if has_name:
                record["name"] = json.dumps(f"{first} {last}", ensure_ascii=False)
            if has_email:
                record["email"] = (
                    f'"{first.translate(_ASCII).lower()}.{last.translate(_ASCII).lower()}.{j}@{domain}"'
                )
            record["active"] = "true" if self.active[j] else "false"
            if has_updated:
                record["updated_at"] = _ts(updated, micro, fmt)
            sink = files.pick(r())
            sink.add(_obj(record))
            figures["records"] += 1
            for _ in range(bad_whole + (r() < bad_part)):
                reason, bad = self.bad_agent(stream, record, sink.array, updated, micro, fmt)
                reasons[reason] += 1
                sink.add(bad)
        files.close()
        figures["active"] = sum(self.active)
        figures["malformed"] = sum(reasons.values())
        figures["reasons"] = {k: v for k, v in reasons.items() if v}
        return figures

    @staticmethod
    def bad_agent(
        stream: random.Random, record: dict, in_array: bool, updated: int, micro: int, fmt: tuple
    ) -> tuple[str, str]:
        r = stream.random
        reason = AGENT_REASONS[int(r() * len(AGENT_REASONS))]
        if reason == "invalid_json" and in_array:
            reason = "not_an_object"
        if reason == "duplicate_agent_id" and "updated_at" not in record:
            reason = "invalid_active"  # a record without updated_at loses to any dated one
        v = r()
        bad = dict(record)
        if reason == "invalid_json":
            line = _obj(record)
            return reason, (line[: max(1, len(line) // 2)], line[:-1] + ",}", "agent " + record["agent_id"])[
                int(v * 3)
            ]
        if reason == "not_an_object":
            return reason, (f"[{record['agent_id']}, {record['active']}]", '"agent"', "null", "17")[
                int(v * 4)
            ]
        if reason == "missing_agent_id":
            if v < 0.5:
                del bad["agent_id"]
            else:
                bad["agent_id"] = "null"
        elif reason == "invalid_agent_id":
            bad["agent_id"] = _BAD_AGENT_ID[int(v * len(_BAD_AGENT_ID))]
        elif reason == "invalid_active":
            bad["active"] = _BAD_ACTIVE[int(v * len(_BAD_ACTIVE))]
        elif reason == "invalid_timestamp":
            bad["updated_at"] = _BAD_TS[int(v * len(_BAD_TS))]
        else:
            bad["updated_at"] = _ts(updated - 11 * _DAY - int(v * 29 * _DAY), micro, fmt)
        return reason, _obj(bad)


def generate(
    out: Path,
    days: int,
    groups: int,
    agents: int,
    avg_members: float,
    max_depth: int,
    malformed_ratio: float = 0.01,
    change_ratio: float = 0.1,
    seed: int = 0,
    files_per_day: int = 4,
) -> dict:
    """Write out/sync-day1 .. out/sync-day<days> and return figures about them.

    The figures: `groups`, `agents`, `roots`, `max_depth` (of day 1), `chain_lengths`,
    `cycle_pairs`, and `days`, one dict per day with `day`, `group_records` (loadable group
    records: one per group), `group_malformed`, `group_reasons` ({reason: count}),
    `agent_records`, `agent_malformed`, `agent_reasons`, `changed_groups` (0 on day 1),
    `stale_records`, `deleted_groups` (all so far), `memberships` and `orphan_memberships` (what
    group_membership holds once the days up to this one are applied in order), `orphan_parents`,
    `active_agents`. Raises BadArguments (a ValueError) for bad arguments; nothing is written then.
    """
    out = Path(out)
    check_arguments(
        out, days, groups, agents, avg_members, max_depth, malformed_ratio, change_ratio, files_per_day
    )
    gen = _Generator(
        days, groups, agents, avg_members, max_depth, malformed_ratio, change_ratio, seed, files_per_day
    )
    gen.build()
    per_day = []
    for day in range(1, days + 1):
        folder = out / f"sync-day{day}"
        g = gen.groups_day(day, folder / "admin_groups")
        a = gen.agents_day(day, folder / "agents")
        (folder / "_SUCCESS").touch()
        per_day.append(
            {
                "day": f"day{day}",
                "group_records": g["records"],
                "group_malformed": g["malformed"],
                "group_reasons": g["reasons"],
                "agent_records": a["records"],
                "agent_malformed": a["malformed"],
                "agent_reasons": a["reasons"],
                "changed_groups": g["changed"],
                "stale_records": g["stale"],
                "deleted_groups": g["deleted"],
                "memberships": g["memberships"],
                "orphan_memberships": g["orphan_memberships"],
                "orphan_parents": g["orphan_parents"],
                "active_agents": a["active"],
            }
        )
    return {
        "out": str(out),
        "groups": groups,
        "agents": agents,
        "roots": gen.roots,
        "max_depth": max(gen.depth),
        "chain_lengths": gen.chain_lengths,
        "cycle_pairs": len(gen.cycle_pairs),
        "days": per_day,
    }


def deep_tree(size: int, window: int, seed: int) -> tuple[dict[int, int | None], list[int]]:
    """A random tree of `size` groups (ids 1..size, root 1), each under one of the `window`
    groups before it (a small window: deep chains), and the path from its deepest group up to
    the root. For one mistaken edit: the root put under that deepest group."""
    rnd = random.Random(seed)  # noqa: S311 - reproducible test data
    parent: dict[int, int | None] = {1: None}
    depth = {1: 0}
    for gid in range(2, size + 1):
        up = rnd.randint(max(1, gid - window), gid - 1)
        parent[gid], depth[gid] = up, depth[up] + 1
    node: int | None = max(depth, key=depth.get)
    path = []
    while node is not None:
        path.append(node)
        node = parent[node]
    return parent, path
