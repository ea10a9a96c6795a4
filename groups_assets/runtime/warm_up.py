"""A warm Spark server runs the day's code once before its first run.

A JVM's first day pays for class loading, Spark's code generation and the JIT compilers, which a
second day finds done. A server warmed with a synthetic day of the source format (a few thousand
records, read, validated and turned into staging rows, nothing written anywhere) makes the first
*Materialize* after `groups-pipeline dev` the fast one. Every registered format has one: the day
comes from the format's own synthetic writer (synthetic/days.py).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from groups_assets.contract.format import GROUPS, Format

# The warm-up day's shape: enough records for Spark to compile every path of the day's code.
SHAPE = dict(days=1, groups=3000, agents=300, avg_members=5, max_depth=8, seed=7, malformed_ratio=0.01)


def warm(spark, fmt: Format) -> str:
    """Read, validate and stage a synthetic day of `fmt` on `spark`; what it did, in words."""
    from groups_assets.contract.reader import read_records
    from groups_assets.contract.validation import validate
    from groups_assets.synthetic.days import write_days
    from groups_assets.warehouse.staging import stage_rows

    started = time.monotonic()
    records = 0
    with tempfile.TemporaryDirectory(prefix="groups-warm-up-") as folder:
        write_days(Path(folder), fmt, **SHAPE)
        day = Path(folder) / "sync-day1"
        persisted: list = []
        groups = None
        for table in fmt.tables:
            files = sorted((day / table.folder).glob("*.json"))
            validated = validate(
                table, fmt, read_records(spark, files, table.folder, table.pages), persisted, groups
            )
            if table.kind == GROUPS:
                groups = validated
            records += stage_rows(table, validated).toArrow().num_rows
        for frame in persisted:
            frame.unpersist()
    return (
        f"warmed with a synthetic {fmt.name} day of {records} records in {time.monotonic() - started:.1f} s"
    )
