"""The source root holding sync-<day>/ folders (--source-root or GROUPS_SOURCE_ROOT)."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from groups_assets.days import BadDayKey, day_folder, json_files, list_days


class SourceResource(ConfigurableResource):
    root: str

    def day_folder(self, day: str) -> Path:
        return day_folder(Path(self.root), day)

    def days(self) -> list[str]:
        return list_days(Path(self.root))

    def day_files(self, day: str, source: str) -> list[Path]:
        """The `*.json` files of sync-<day>/<source>/; refuses any that resolves outside the root
        (a symlink pointing elsewhere)."""
        folder = self.day_folder(day) / source
        if not folder.is_dir():
            return []
        root = Path(self.root).resolve()
        files = json_files(folder)
        for path in files:
            if not path.resolve().is_relative_to(root):
                raise BadDayKey(
                    f"day {day}: {path} resolves to {path.resolve()}, outside the source root {root}; "
                    "refused. Copy the file into the day folder instead of linking it."
                )
        return files
