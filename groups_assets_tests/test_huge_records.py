"""Records too large to parse: a 1 GB line and an oversized array file are rejected as
invalid_json with their raw text shortened, the rest of the file still loads, and memory
stays bounded (the file is streamed, never held whole)."""

from __future__ import annotations

import json
import re
import tracemalloc

import pytest
from pyspark.sql import functions as F

from groups_assets.contract.reader import (
    MAX_RECORD_BYTES,
    has_long_line,
    read_records,
    stream_lines,
)
from groups_assets.days import json_files
from groups_assets.runtime.spark_session import sized_for
from groups_assets_tests.support import group, lines, validate_groups


def test_stream_lines_splits_like_spark_and_shortens_long_lines(tmp_path):
    path = tmp_path / "f.json"
    path.write_bytes(b"ab\r\ncd\ref\n\nthis line is long\r")
    got = list(stream_lines(path, limit=10))
    assert [(n, long) for n, _, long in got] == [(1, False), (2, False), (3, False), (4, False), (5, True)]
    assert [b for _, b, _ in got[:4]] == [b"ab", b"cd", b"ef", b""]
    assert got[4][1].startswith(b"this line is long") and b"17 bytes in all" in got[4][1]
    assert has_long_line(path, limit=10) and not has_long_line(path, limit=20)


@pytest.mark.slow
def test_a_1_gb_line_is_rejected_and_memory_stays_bounded(spark, tmp_path):
    folder = tmp_path / "admin_groups"
    folder.mkdir()
    path = folder / "big.json"
    head = json.dumps(group(1))[:-1] + ', "padding": "'
    with path.open("wb") as f:
        f.write(lines(group(7)).encode())
        f.write(head.encode())
        block = b"x" * (1 << 24)
        for _ in range(64):  # 1 GiB
            f.write(block)
        f.write(b'"}\n')
        f.write(lines(group(8)).encode())
    assert path.stat().st_size > 1 << 30 > MAX_RECORD_BYTES

    sized_for(spark, path.stat().st_size)  # as a day of 1 GB sets it
    tracemalloc.start()
    rows = (
        validate_groups(read_records(spark, json_files(folder), "admin_groups"))
        .select(
            "record_no", "reason", "group_id", F.length("raw").alias("raw_length"), F.substring("raw", 1, 40)
        )
        .orderBy("record_no")
        .collect()
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    path.unlink()

    assert [(r.record_no, r.reason, r.group_id) for r in rows] == [
        (1, None, 7),
        (2, "invalid_json", None),
        (3, None, 8),
    ]
    assert rows[1].raw_length < 2 << 20  # shortened, not 1 GB
    assert peak < 256 << 20, f"the driver held {peak >> 20} MiB"
    assert re.match(r'\{"group_id": 1', rows[1][4])
