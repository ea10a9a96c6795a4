"""The source root holding sync-<day>/ folders (--source-root or GROUPS_SOURCE_ROOT)."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from groups_assets.partitions import day_folder, list_days


class SourceResource(ConfigurableResource):
    root: str

    def day_folder(self, day: str) -> Path:
        return day_folder(Path(self.root), day)

    def days(self) -> list[str]:
        return list_days(Path(self.root))
