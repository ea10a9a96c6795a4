"""A warm Spark server runs the day's code once before its first run.

A JVM's first day pays for class loading, Spark's code generation and the JIT compilers, which a
second day finds done. A server warmed with a synthetic day (a few thousand records of the
source format, read, validated and turned into staging rows, nothing written anywhere) makes the
first *Materialize* after `groups-pipeline dev` the fast one.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from groups_assets.formats import get

GROUPS, AGENTS, MEMBERS_PER_GROUP = 3000, 300, 5


def warm(spark, format_name: str) -> str:
    """Read, validate and stage a synthetic day of `format_name` on `spark`; what it did, in
    words."""
    from groups_assets.cli.generate import generate
    from groups_assets.cli.generate_formats import export
    from groups_assets.contract.reader import read_records
    from groups_assets.contract.validation import validate
    from groups_assets.warehouse.staging import stage_rows

    started = time.monotonic()
    fmt = get(format_name)
    records = 0
    with tempfile.TemporaryDirectory(prefix="groups-warm-up-") as folder:
        root = Path(folder)
        days = dict(days=1, groups=GROUPS, agents=AGENTS, avg_members=MEMBERS_PER_GROUP, max_depth=8, seed=7)
        if fmt.name == "contract":
            generate(root / "day", malformed_ratio=0.01, **days)
        else:
            generate(root / "contract", malformed_ratio=0.0, **days)
            export(root / "contract", root / "day", fmt.name, malformed_ratio=0.01, seed=7)
        day = root / "day" / "sync-day1"
        persisted: list = []
        groups = None
        for table in fmt.tables:
            files = sorted((day / table.folder).glob("*.json"))
            validated = validate(
                table, fmt, read_records(spark, files, table.folder, table.pages), persisted, groups
            )
            if table.kind == "groups":
                groups = validated
            records += stage_rows(table, validated).toArrow().num_rows
        for frame in persisted:
            frame.unpersist()
    return (
        f"warmed with a synthetic {fmt.name} day of {records} records in {time.monotonic() - started:.1f} s"
    )
