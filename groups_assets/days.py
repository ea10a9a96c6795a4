"""The rules for day keys and day folders (CONTRACT.md section 1), without Dagster: the CLI checks
a key before anything heavy is loaded."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

DAY_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DAY_FOLDER_PREFIX = "sync-"
SUCCESS_MARKER = "_SUCCESS"  # written last by an export: the day folder is complete


class BadDayKey(ValueError):
    """A day that cannot be read: its key breaks the key rule, escapes the source root or names no
    folder, or a folder or file it needs is missing or links outside the root."""


def natural_key(day: str) -> list[tuple[int, int | str]]:
    """Natural sort: day2 < day10; ISO dates sort as text."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", day) if part]


def check_key(day: str) -> None:
    """BadDayKey when `day` breaks the key rule, saying the rule."""
    if not DAY_KEY_RE.fullmatch(day or ""):
        raise BadDayKey(
            f"day key {day!r} is not allowed: a key is 1-64 characters of letters, digits, "
            "'_', '.' and '-', starting with a letter or digit (for example day1 or 2026-11-01)."
        )


def day_folder(source_root: Path, day: str) -> Path:
    """The folder of `day` under `source_root`, or BadDayKey saying what is wrong and what to do."""
    check_key(day)
    root = source_root.resolve()
    folder = source_root / f"{DAY_FOLDER_PREFIX}{day}"
    if not folder.is_dir():
        known = ", ".join(list_days(source_root)) or "none"
        raise BadDayKey(
            f"no folder {folder} for day {day!r}. Days found under {source_root}: {known}. "
            "Pass --source-root (or set GROUPS_SOURCE_ROOT) to the folder that holds sync-<day>/."
        )
    if not folder.resolve().is_relative_to(root):
        raise BadDayKey(f"day {day!r}: {folder} points outside the source root {root}; refused.")
    return folder


def list_days(source_root: Path) -> list[str]:
    """Day keys of the sync-<day> folders under `source_root`, in natural order."""
    if not source_root.is_dir():
        return []
    days = [
        p.name[len(DAY_FOLDER_PREFIX) :]
        for p in source_root.iterdir()
        if p.is_dir() and p.name.startswith(DAY_FOLDER_PREFIX)
    ]
    return sorted((d for d in days if DAY_KEY_RE.fullmatch(d)), key=natural_key)


def json_files(folder: Path) -> list[Path]:
    """The folder's `*.json` files in file-name order; other files (_SUCCESS, .txt) are ignored."""
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.name.endswith(".json")), key=lambda p: p.name
    )


@dataclass(frozen=True)
class DayFiles:
    """The files of one day that were checked, per source folder: exactly these are read.
    `present`: the folders the day has (a folder that is absent changes nothing that day)."""

    day: str
    files: dict[str, list[Path]]
    present: frozenset[str]

    def size(self, source: str | None = None) -> int:
        return sum(p.stat().st_size for s in ([source] if source else self.files) for p in self.files[s])


def day_files(source_root: Path, day: str, sources: tuple[str, ...]) -> DayFiles:
    """The `*.json` files of each source folder of the day (the first folder is required), or
    BadDayKey saying what is wrong and what to do. A file that resolves outside the source root
    (a symlink pointing elsewhere) is refused."""
    folder = day_folder(source_root, day)
    if not (folder / sources[0]).is_dir():
        raise BadDayKey(
            f"day {day}: {folder / sources[0]} is missing. Every sync day needs a {sources[0]}/ "
            "folder of *.json files; nothing was written for this day."
        )
    root = source_root.resolve()
    files = {s: json_files(folder / s) if (folder / s).is_dir() else [] for s in sources}
    for path in (p for found in files.values() for p in found):
        if not path.resolve().is_relative_to(root):
            raise BadDayKey(
                f"day {day}: {path} resolves to {path.resolve()}, outside the source root {root}; "
                "refused. Copy the file into the day folder instead of linking it."
            )
    return DayFiles(day, files, frozenset(s for s in sources if (folder / s).is_dir()))


def day_bytes(source_root: Path, day: str, sources: tuple[str, ...]) -> int:
    """The size of the files the day's run reads (json_files of each source folder)."""
    folder = source_root / f"{DAY_FOLDER_PREFIX}{day}"
    return sum(p.stat().st_size for s in sources if (folder / s).is_dir() for p in json_files(folder / s))


def newest_change(folder: Path) -> float:
    """The latest mtime of the folder, its sub-folders and files (a file vanishing = a change now)."""
    newest = 0.0
    try:
        for current, _dirs, files in os.walk(folder):
            newest = max(newest, os.stat(current, follow_symlinks=False).st_mtime)
            for name in files:
                newest = max(newest, os.stat(os.path.join(current, name), follow_symlinks=False).st_mtime)
    except FileNotFoundError:
        return time.time()
    return newest


def folder_readiness(folder: Path, settle: float, now: float) -> tuple[bool, str]:
    """(complete?, why): a _SUCCESS marker, or nothing in the folder changed for `settle` seconds."""
    if (folder / SUCCESS_MARKER).is_file():
        return True, f"has {SUCCESS_MARKER}"
    quiet = now - newest_change(folder)
    if quiet >= settle:
        return True, f"no {SUCCESS_MARKER}, unchanged for {quiet:.0f} s"
    return False, (
        f"still being written? last change {max(quiet, 0):.0f} s ago; waiting for {SUCCESS_MARKER} "
        f"or {settle:.0f} s without change"
    )


def complete_days(source_root: Path, settle: float, now: float) -> list[str]:
    """The days of the complete sync-<day> folders under `source_root` (folder_readiness), in
    natural order; a folder whose name breaks the key rule or that points outside the root is
    left out."""
    found = []
    for day in list_days(source_root):
        try:
            folder = day_folder(source_root, day)
        except BadDayKey:
            continue
        if folder_readiness(folder, settle, now)[0]:
            found.append(day)
    return found
