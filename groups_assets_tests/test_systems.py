"""Every registered source system, the same way: it generates a synthetic day in its own shape,
warms a Spark session with it, and loads it, with every record accounted for as its figures
say; and a day loads to the same tables, all seven of them, by the first-load path and by the
upsert path."""

from __future__ import annotations

from collections import Counter

import pytest

from groups_assets.formats import FORMATS, get
from groups_assets.runtime.warm_up import warm
from groups_assets.synthetic.days import write_days

SHAPE = dict(groups=300, agents=40, avg_members=3, max_depth=5, seed=3)
# A system's figures, per kind of table: (records loaded, malformed per reason).
FIGURES = {
    "contract": lambda day: {
        "groups": (day["group_records"], day["group_reasons"]),
        "agents": (day["agent_records"], day["agent_reasons"]),
    },
    "exported": lambda day: {
        kind: (day["records"][key], day["malformed"][key])
        for kind, key in (("groups", "groups"), ("members", "members"), ("agents", "users"))
    },
}


def accounted(result) -> tuple[bool, dict]:
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "records_accounted"]
    return check.passed, {k: v.value for k, v in check.metadata.items()}


@pytest.mark.parametrize("system", sorted(FORMATS))
def test_every_registered_system_generates_warms_up_and_loads_a_day(system, pipeline, spark):
    fmt = get(system)
    figures = write_days(pipeline.root, fmt, days=1, malformed_ratio=0.05, **SHAPE)
    assert "records" in warm(spark, fmt)
    passed, counted = accounted(pipeline.run("day1", source_format=system, max_reject_ratio=1.0))
    assert passed
    if "exported" in figures:
        expected = FIGURES["exported"](figures["exported"][0])
    else:
        expected = FIGURES["contract"](figures["days"][0])
    folders = {table.kind: table.folder for table in fmt.tables}
    reasons: Counter = Counter()
    for kind, (loaded, malformed) in expected.items():
        assert counted[f"{folders[kind]}_loaded"] == loaded, folders[kind]
        assert counted[f"{folders[kind]}_rejected"] == sum(malformed.values()), folders[kind]
        reasons.update(malformed)
    assert dict(pipeline.query("SELECT reason, count(*) FROM rejects GROUP BY 1")) == dict(+reasons)
    skipped = figures["exported"][0]["records"].get("skipped", 0) if "exported" in figures else 0
    assert counted.get(f"{folders['agents']}_skipped", 0) == skipped


def path_taken(result) -> str:
    """Which path the day's transaction took, from the statements it timed."""
    (flags,) = [
        m
        for m in result.asset_materializations_for_node("sync_day")
        if m.asset_key.path[-1] == "inactive_flags"
    ]
    statements = flags.metadata["seconds"].value["statements"]
    return "first load" if any(name.startswith("apply/first_load/") for name in statements) else "upsert"


@pytest.mark.slow  # two days, two schemas, through Spark
@pytest.mark.parametrize("system", sorted(FORMATS))
def test_the_first_load_and_the_upsert_path_leave_the_same_tables(system, pipeline):
    write_days(pipeline.root, get(system), days=2, malformed_ratio=0.02, change_ratio=0.2, **SHAPE)
    other = pipeline.schema + "_upsert"
    first = pipeline.run("day1", source_format=system)
    upsert = pipeline.run("day1", source_format=system, db_schema=other, first_load="off")
    assert (path_taken(first), path_taken(upsert)) == ("first load", "upsert")
    assert pipeline.dump() == dump_of(pipeline, other)
    pipeline.run("day2", source_format=system)
    pipeline.run("day2", source_format=system, db_schema=other, first_load="off")
    assert pipeline.dump() == dump_of(pipeline, other)


def dump_of(pipeline, schema: str) -> dict:
    from groups_assets_tests.support import dump

    found = dump(pipeline.url, schema)
    assert all(
        found[table] for table in ("groups", "group_membership", "agents", "rejects", "group_history")
    ), "every table has rows to compare"
    return found
