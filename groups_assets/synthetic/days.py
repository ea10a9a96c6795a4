"""Generated days in any registered format's layout: the generator's own (the contract's), or the
generator's days without malformed records exported in the format's shape with its own garbage."""

from __future__ import annotations

import shutil
from pathlib import Path

from groups_assets.contract.format import Format
from groups_assets.synthetic.export import export
from groups_assets.synthetic.generator import check_arguments, generate


def write_days(
    out: Path,
    fmt: Format,
    *,
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
    """Write out/sync-day1 .. out/sync-day<days> in `fmt`'s layout; the generator's figures, and
    for an exported format `exported`: per day, the records written per table and the malformed
    ones per reason. Raises BadArguments (a ValueError) for arguments it cannot honour, before
    writing anything."""
    shape = dict(
        days=days,
        groups=groups,
        agents=agents,
        avg_members=avg_members,
        max_depth=max_depth,
        change_ratio=change_ratio,
        seed=seed,
        files_per_day=files_per_day,
    )
    if fmt.write_day is None:
        return generate(out, malformed_ratio=malformed_ratio, **shape)
    check_arguments(out, 1, 1, 1, 0, 1, malformed_ratio, 0, 1)
    clean = Path(out) / ".contract"
    try:
        figures = generate(clean, malformed_ratio=0.0, **shape)
        figures["exported"] = export(clean, Path(out), fmt, malformed_ratio, seed)
    finally:
        shutil.rmtree(clean, ignore_errors=True)
    figures["out"] = str(out)
    return figures
