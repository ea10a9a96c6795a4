"""Where a fetched day lands, whole or not at all.

Pages are written as they arrive into a folder beside the day, `<root>/.fetch-<day>-<pid>/`, a
name that neither the new-day sensor nor a run takes for a day (only `sync-<day>/` is one).
`commit` renames it to `<root>/sync-<day>/` and writes `_SUCCESS` last. A fetch that fails
removes its folder; one that is killed leaves it, and the next fetch of the day removes the
folders of processes that are gone. An existing `sync-<day>/` is kept unless the fetch is told to
replace it (`force`): then the new day is renamed in as the old one is renamed away, and the old
one is deleted after.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from groups_assets.days import DAY_FOLDER_PREFIX, SUCCESS_MARKER
from groups_assets.fetching.spec import FetchFailed

TEMP_PREFIX = ".fetch-"


class Landing:
    """The day being fetched: `write` a page, then `commit` once every page is in."""

    def __init__(self, root: Path, day: str, force: bool) -> None:
        self.day, self.force = day, force
        self.folder = root / f"{TEMP_PREFIX}{day}-{os.getpid()}"
        self.final = root / f"{DAY_FOLDER_PREFIX}{day}"

    def write(self, folder: str, name: str, number: int, text: str) -> None:
        """Page `number` of the API table `name`, into the day's `folder`, on disk before it returns."""
        target = self.folder / folder
        target.mkdir(exist_ok=True)
        with (target / f"{name}-{number:06d}.json").open("w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    def commit(self) -> Path:
        """Rename the fetched day into place and mark it complete; the day's folder."""
        if self.final.exists():
            refuse_existing(self.final, self.force)
            old = self.folder.with_name(f"{self.folder.name}-old")
            os.rename(self.final, old)
            os.rename(self.folder, self.final)
            shutil.rmtree(old)
        else:
            try:
                os.rename(self.folder, self.final)
            except OSError as err:  # another fetch of the day finished first
                raise FetchFailed(f"{self.final} could not be written: {err}") from err
        marker = self.final / SUCCESS_MARKER
        with marker.open("w") as f:
            os.fsync(f.fileno())
        _sync_folder(self.final.parent)
        return self.final


@contextmanager
def landing(root: Path, day: str, force: bool = False) -> Iterator[Landing]:
    """A Landing for `day` under `root`; whatever was not committed is removed on the way out.
    Refuses at once an existing day that is not to be replaced."""
    root.mkdir(parents=True, exist_ok=True)
    remove_leftovers(root, day)
    land = Landing(root, day, force)
    refuse_existing(land.final, force)
    land.folder.mkdir()
    try:
        yield land
    finally:
        shutil.rmtree(land.folder, ignore_errors=True)  # gone already after a commit


def refuse_existing(final: Path, force: bool) -> None:
    if final.exists() and not force:
        state = "complete" if (final / SUCCESS_MARKER).exists() else f"without {SUCCESS_MARKER}"
        raise FetchFailed(f"{final} exists ({state}) and is kept: pass --force to replace it")


def remove_leftovers(root: Path, day: str) -> list[Path]:
    """Remove the folders that fetches of `day` left behind when they were killed (their process
    is gone, or is this one); the folders removed."""
    pattern = re.compile(rf"{re.escape(TEMP_PREFIX + day)}-(\d+)(-old)?")
    removed = []
    for path in root.glob(f"{TEMP_PREFIX}{day}-*"):
        match = pattern.fullmatch(path.name)
        if match and not _running(int(match[1])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process fetches one day at a time: a folder of its own is a leftover
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _sync_folder(folder: Path) -> None:
    """The renames and the marker in `folder` on disk (a power cut cannot undo them)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
