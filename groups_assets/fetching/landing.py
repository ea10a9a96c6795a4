"""Where a fetched day lands, whole or not at all.

One fetch of a day at a time: a fetch holds an exclusive lock on `<root>/.fetch-<day>.lock` from
its start to its end (a second one waits for it, then finds the day there). Pages are written
as they arrive into a folder beside the day, `<root>/.fetch-<day>-<random>/`, a name that neither
the new-day sensor nor a run takes for a day (only `sync-<day>/` is one). `commit` writes
`_SUCCESS` into it last, then renames it to `<root>/sync-<day>/`: the rename is the one moment
the day appears, complete. A fetch that fails removes its folder; one that is killed leaves it,
and the next fetch of the day, holding the lock, removes it. An existing `sync-<day>/` is kept
unless the fetch is told to replace it (`force`): then the old day is renamed away, the new one
in (the old one back if that fails), and the old one deleted after.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from groups_assets.days import DAY_FOLDER_PREFIX, SUCCESS_MARKER
from groups_assets.fetching.spec import DayExists, FetchFailed

TEMP_PREFIX = ".fetch-"


class Landing:
    """The day being fetched: `write` a page, then `commit` once every page is in."""

    def __init__(self, root: Path, day: str, force: bool) -> None:
        self.day, self.force = day, force
        self.folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{day}-", dir=root))
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
        """Mark the fetched day complete and rename it into place; the day's folder."""
        marker = self.folder / SUCCESS_MARKER
        with marker.open("w") as f:
            os.fsync(f.fileno())
        _sync_folder(self.folder)
        if self.final.exists():
            refuse_existing(self.final, self.force)
            old = self.folder.with_name(f"{self.folder.name}-old")
            os.rename(self.final, old)
            try:
                os.rename(self.folder, self.final)
            except OSError as err:
                os.rename(old, self.final)
                raise FetchFailed(
                    f"{self.final} could not be replaced: {err}; the day before is kept"
                ) from err
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.rename(self.folder, self.final)
            except OSError as err:
                raise FetchFailed(f"{self.final} could not be written: {err}") from err
        _sync_folder(self.final.parent)
        return self.final


@contextmanager
def landing(root: Path, day: str, force: bool = False) -> Iterator[Landing]:
    """A Landing for `day` under `root`, holding the day's fetch lock; whatever was not committed
    is removed on the way out. Refuses at once an existing day that is not to be replaced."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{TEMP_PREFIX}{day}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process ends
        remove_leftovers(root, day)
        refuse_existing(root / f"{DAY_FOLDER_PREFIX}{day}", force)
        land = Landing(root, day, force)
        try:
            yield land
        finally:
            shutil.rmtree(land.folder, ignore_errors=True)  # gone already after a commit


def refuse_existing(final: Path, force: bool) -> None:
    if final.exists() and not force:
        state = "complete" if (final / SUCCESS_MARKER).exists() else f"without {SUCCESS_MARKER}"
        raise DayExists(f"{final} exists ({state}) and is kept: pass --force to replace it")


def remove_leftovers(root: Path, day: str) -> None:
    """Remove the folders that fetches of `day` left behind when they were killed: with the day's
    lock held, no other fetch of it is writing."""
    for path in root.glob(f"{TEMP_PREFIX}{day}-*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    """The renames and files in `folder` on disk (a power cut cannot undo them)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
