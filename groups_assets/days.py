"""The rules for day keys and day folders (CONTRACT.md section 1), without Dagster: the CLI checks
a key before anything heavy is loaded."""

from __future__ import annotations

import re
from pathlib import Path

DAY_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DAY_FOLDER_PREFIX = "sync-"
SOURCES = ("admin_groups", "agents")  # the folders of a day, each of *.json files


class BadDayKey(ValueError):
    """A day key that breaks the key rule, escapes the source root or names no folder."""


def natural_key(day: str) -> list[tuple[int, int | str]]:
    """Natural sort: day2 < day10; ISO dates sort as text."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", day) if part]


def day_folder(source_root: Path, day: str) -> Path:
    """The folder of `day` under `source_root`, or BadDayKey saying what is wrong and what to do."""
    if not DAY_KEY_RE.fullmatch(day or ""):
        raise BadDayKey(
            f"day key {day!r} is not allowed: a key is 1-64 characters of letters, digits, "
            "'_', '.' and '-', starting with a letter or digit (for example day1 or 2026-11-01)."
        )
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


def day_bytes(source_root: Path, day: str) -> int:
    """The size of the files the day's run reads (json_files of each source folder)."""
    folder = source_root / f"{DAY_FOLDER_PREFIX}{day}"
    return sum(p.stat().st_size for s in SOURCES if (folder / s).is_dir() for p in json_files(folder / s))
