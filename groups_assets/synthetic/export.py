"""Writing a synthetic day in a source system's own shape: what the systems' writers share
(formats/<system>/synthetic.py), and `export`, which writes generated days in a format.

`export(contract_root, out, fmt, malformed_ratio, seed)` reads days the generator wrote in the
contract's layout without malformed records (generator.py) and writes, for each, the same
groups, memberships and agents as the format's `write_day` lays them out, with `malformed_ratio`
of each folder's records the format's own garbage, one known reject reason each, as the figures
say. Records are streamed: memory holds one page at a time.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from groups_assets.contract.format import Format


def contract_records(folder: Path):
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


def utc(text: str | None) -> str:
    """An ISO-8601 time of the contract as ServiceNow writes times: UTC, to the second."""
    if not text:
        return ""
    moment = datetime.fromisoformat(text.replace(" ", "T"))
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def iso(text: str | None) -> str | None:
    """An ISO-8601 time of the contract as Zendesk writes times (UTC, `Z`)."""
    return utc(text).replace(" ", "T") + "Z" if text else None


class Pages:
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


class Lines:
    """Records written as JSON Lines."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = path.open("w", encoding="utf-8")

    def add(self, record: dict | str) -> None:
        self.file.write((record if isinstance(record, str) else json.dumps(record)) + "\n")

    def close(self) -> None:
        self.file.close()


class Garbage:
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


def sys_id(kind: str, n: int) -> str:
    """A stable 32-hex key for id `n` of a kind (g, u, m): the same id gets the same key every day."""
    return hashlib.md5(f"{kind}{n}".encode()).hexdigest()  # noqa: S324 - a key, not a secret


def export(contract_root: Path, out: Path, fmt: Format, malformed_ratio: float, seed: int) -> list[dict]:
    """Write every sync-<day>/ of `contract_root` into `out` in format `fmt`; per day, the records
    written per table and the malformed ones per reason."""
    if fmt.write_day is None:
        raise ValueError(f"the {fmt.name} format is the generator's own layout: nothing to export")
    figures = []
    for source in sorted(contract_root.glob("sync-*"), key=lambda p: int(p.name.removeprefix("sync-day"))):
        rnd = random.Random(f"{seed}:{fmt.name}:{source.name}")  # noqa: S311 - test data
        day = out / source.name
        figures.append(
            {"day": source.name.removeprefix("sync-")} | fmt.write_day(source, day, malformed_ratio, rnd)
        )
        (day / "_SUCCESS").touch()
    return figures
