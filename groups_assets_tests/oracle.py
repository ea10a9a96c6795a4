"""The one oracle of the record rules: CONTRACT.md sections 1 and 2 in plain Python, from the
bytes of the files, independent of the Spark code under test. Every test that needs to know what
a record must become asks here.

Where the contract leaves a choice, the oracle follows README "Decisions" and says so.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

MAX_ID = 9223372036854775807
BOM = b"\xef\xbb\xbf"
VALID = "valid"


class _Invalid:
    def __repr__(self) -> str:
        return "<invalid JSON>"


INVALID = _Invalid()

# "Not empty after trimming": the contract does not define the trimmed characters. We follow the
# code (a Java regex (?U)\s), i.e. the Unicode White_Space property. Python's str.strip would
# also strip U+001C..U+001F, which are not White_Space: names of those are valid here.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
TS_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)
EPOCH = datetime(1970, 1, 1)
ONE_MICRO = timedelta(microseconds=1)
# README "Decisions": timestamps must fall between year 1 and 9999 once converted to UTC.
MIN_MICROS = (datetime(1, 1, 1) - EPOCH) // ONE_MICRO
MAX_MICROS = (datetime(9999, 12, 31, 23, 59, 59, 999999) - EPOCH) // ONE_MICRO


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        # README "Decisions" (Strict JSON): duplicate keys in one object are invalid_json.
        raise ValueError("duplicate key")
    return dict(pairs)


def _constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes) -> object:
    """The one JSON value of `data` (strict UTF-8, strict RFC 8259 JSON), or INVALID.

    Python's json already rejects trailing text, raw control characters in strings and
    leading zeros (README "Strict JSON"); NaN/Infinity, duplicate keys and lone surrogate
    escapes (`"\\ud800"`, which no UTF-8 text can hold) are rejected here."""
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_pairs, parse_constant=_constant)
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # UnicodeEncodeError: a lone surrogate
    except (UnicodeDecodeError, ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return INVALID
    return value


@dataclass
class Rec:
    source_file: str
    record_no: int
    raw: bytes  # the bytes of the line, element or file: only to show mismatches
    doc: object  # parsed JSON, or INVALID

    @property
    def key(self) -> tuple[str, int]:
        return self.source_file, self.record_no


def records_of(source: str, name: str, data: bytes) -> list[Rec]:
    """The records of one file, numbered as reader.py documents it (and README "Decisions")."""
    file = f"{source}/{name}"
    body = data[len(BOM) :] if data.startswith(BOM) else data  # a BOM at the start is ignored
    if body.lstrip(b" \t\r\n")[:1] == b"[":  # first non-blank character '[': an array file
        doc = parse_json(body)
        if doc is INVALID:
            return [Rec(file, 0, data, INVALID)]  # a file that does not parse: one record, no 0
        return [Rec(file, no, json.dumps(e).encode(), e) for no, e in enumerate(doc, start=1)]
    records = []
    # Lines end at \n, \r\n or a lone \r: the contract names \n and \r\n; a lone \r is a line end
    # for Spark's text reader (and Python's universal newlines) and we follow the code there.
    for no, line in enumerate(body.splitlines(), start=1):
        # Blank = JSON whitespace only (the code's intent, reader.py's regex [ \t\r\n]). A line
        # of U+2028, U+0085, form feed, ... is not blank: it is not JSON, so invalid_json.
        if line.strip(b" \t") == b"":
            continue
        records.append(Rec(file, no, line, parse_json(line)))
    return records


def missing(doc: dict, name: str) -> bool:
    return doc.get(name) is None


def id_of(value: object) -> int | None:
    """The id rule: a JSON integer (not 1.0, 1e3, true) or a string of ASCII decimal digits
    (leading zeros allowed, nothing else: no sign, no space, no newline), 1 <= id <= 2^63-1."""
    if type(value) is int:
        number = value
    elif type(value) is str and re.fullmatch(r"[0-9]+", value):
        digits = value.lstrip("0")
        if len(digits) > 19:
            return None
        number = int(digits or "0")
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def instant(value: object) -> int | None:
    """Microseconds since 1970 UTC of a contract timestamp; None when it breaks the rule."""
    if type(value) is not str:
        return None
    m = TS_RE.fullmatch(value)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        local = datetime(year, month, day, hour, minute, second, int((m[7] or "").ljust(6, "0")))
    except ValueError:  # Feb 30, 24:00, :60, year 0, ...
        return None
    offset = 0
    if m[8] and m[8] != "Z":
        off_h, off_m = int(m[8][1:3]), int(m[8][4:6])
        if off_h > 23 or off_m > 59:  # README "Decisions": offsets are +-HH:MM with HH <= 23
            return None
        offset = (off_h * 60 + off_m) * 60_000_000 * (-1 if m[8][0] == "-" else 1)
    micros = (local - EPOCH) // ONE_MICRO - offset
    return micros if MIN_MICROS <= micros <= MAX_MICROS else None


def group_reason(doc: object) -> str:
    """The first group reason that applies (duplicates aside), or VALID."""
    if doc is INVALID:
        return "invalid_json"
    if type(doc) is not dict:
        return "not_an_object"
    if missing(doc, "group_id"):
        return "missing_group_id"
    gid = id_of(doc["group_id"])
    if gid is None:
        return "invalid_group_id"
    name = doc.get("name")
    if name is None or (type(name) is str and name.strip(WHITE_SPACE) == ""):
        return "missing_name"
    if type(name) is not str or "\x00" in name:
        return "invalid_name"
    if instant(doc.get("created_at")) is None or instant(doc.get("updated_at")) is None:
        return "invalid_timestamp"
    if not missing(doc, "parent_group_id"):
        parent = id_of(doc["parent_group_id"])
        if parent is None:
            return "invalid_parent_group_id"
        if parent == gid:
            return "self_parent"
    agents = doc.get("agent_ids")
    if agents is not None and (type(agents) is not list or any(id_of(a) is None for a in agents)):
        return "invalid_agent_ids"
    if not missing(doc, "deleted") and type(doc["deleted"]) is not bool:
        return "invalid_deleted"
    return VALID


def agent_reason(doc: object) -> str:
    """The first agent reason that applies (duplicates aside), or VALID."""
    if doc is INVALID:
        return "invalid_json"
    if type(doc) is not dict:
        return "not_an_object"
    if missing(doc, "agent_id"):
        return "missing_agent_id"
    if id_of(doc["agent_id"]) is None:
        return "invalid_agent_id"
    if type(doc.get("active")) is not bool:  # README "Decisions": a missing active is invalid_active
        return "invalid_active"
    if not missing(doc, "updated_at") and instant(doc["updated_at"]) is None:
        return "invalid_timestamp"
    return VALID


def expected_reasons(source: str, files: dict[str, bytes]) -> tuple[dict, dict]:
    """({(source_file, record_no): reason or VALID}, {same key: Rec}) for one folder."""
    group = source == "admin_groups"
    id_field = "group_id" if group else "agent_id"
    records = [
        r for name in sorted(files) if name.endswith(".json") for r in records_of(source, name, files[name])
    ]
    reasons = {r.key: (group_reason if group else agent_reason)(r.doc) for r in records}
    assert len(reasons) == len(records), "oracle: two records at one position"
    # Duplicates: the greatest updated_at instant wins; a tie goes to the last in file-name
    # order, then file order. For agents, no updated_at ranks below any (README "Decisions").
    winners: dict[int, tuple] = {}
    for r in records:
        if reasons[r.key] == VALID:
            stamp = instant(r.doc.get("updated_at"))
            rank = (stamp is not None, stamp or 0, r.source_file, r.record_no)
            ident = id_of(r.doc[id_field])
            winners[ident] = max(winners.get(ident, rank), rank)
    for r in records:
        if reasons[r.key] == VALID:
            stamp = instant(r.doc.get("updated_at"))
            rank = (stamp is not None, stamp or 0, r.source_file, r.record_no)
            if winners[id_of(r.doc[id_field])] != rank:
                reasons[r.key] = f"duplicate_{id_field}"
    return reasons, {r.key: r for r in records}


def folder_files(folder: Path) -> dict[str, bytes]:
    """The bytes of every file directly in `folder` (the oracle picks the *.json ones itself)."""
    if not folder.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def loadable(folder: Path, source: str) -> tuple[dict[int, dict], Counter]:
    """What a day's folder loads: {id: the winning record} and the count of rejects per reason."""
    reasons, recs = expected_reasons(source, folder_files(folder))
    id_field = "group_id" if source == "admin_groups" else "agent_id"
    best = {id_of(recs[k].doc[id_field]): recs[k].doc for k, reason in reasons.items() if reason == VALID}
    return best, Counter(reason for reason in reasons.values() if reason != VALID)
