"""A warm Spark server runs the day's code once before its first run.

A JVM's first day pays for class loading, Spark's planning and code generation and the JIT
compilers, which a second day finds done. A server warmed with synthetic days of the source
format (a few hundred records, read, validated and turned into staging rows, nothing written
anywhere), through a client as the runs are, makes the first *Materialize* after `groups-pipeline
dev` as fast as the next. The code a day runs does not grow with its size, so a small day warms
it, with the session set as a small day sets it (sized_for: the UI's and the sensors' days are
mostly small; a large day's compiled expressions are compiled on its first run, a small part of
it). Every registered format has one: the day comes from the format's own synthetic writer
(synthetic/days.py).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from groups_assets.contract.format import GROUPS, Format

# The warm-up day's shape: a malformed record of every kind and every path of the day's code.
SHAPE = dict(days=1, groups=300, agents=40, avg_members=5, max_depth=8, seed=7, malformed_ratio=0.05)


def warm(spark, fmt: Format) -> str:
    """Read, validate and stage a synthetic day of `fmt` on `spark`, set as a small day; what it
    did, in words."""
    from groups_assets.runtime.spark_session import sized_for
    from groups_assets.synthetic.days import write_days

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="groups-warm-up-") as folder:
        write_days(Path(folder), fmt, **SHAPE)
        records = _one_pass(sized_for(spark, 0), fmt, Path(folder) / "sync-day1")
    return (
        f"warmed with a synthetic {fmt.name} day of {records} records in {time.monotonic() - started:.1f} s"
    )


def _one_pass(spark, fmt: Format, day: Path) -> int:
    from groups_assets.contract.reader import read_records
    from groups_assets.contract.validation import validate
    from groups_assets.warehouse.staging import stage_rows

    persisted: list = []
    groups = None
    records = 0
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
    return records
