"""A bad export stops before it lands: the blocking reject_ratio check fails the day and the
tables stay exactly as they were."""

from __future__ import annotations

from groups_assets_tests.support import agent, group, lines


def _failure_text(result) -> str:
    checks = [e for e in result.get_asset_check_evaluations() if e.check_name == "reject_ratio"]
    return " ".join(e.description or "" for e in checks)


def test_mostly_garbage_day_is_blocked_and_tables_untouched(pipeline):
    pipeline.write(
        "d1",
        {
            "admin_groups/g.json": lines(group(1, agents=[10]), group(2, parent=1)),
            "agents/a.json": lines(agent(10)),
        },
    )
    pipeline.run("d1")
    before = pipeline.dump()

    garbage = ["not json"] * 6 + ['{"group_id": "x"}'] * 3
    pipeline.write(
        "d2", {"admin_groups/g.json": lines(group(1, "Changed", updated="2026-12-01T00:00:00Z"), *garbage)}
    )
    result = pipeline.run("d2", expect_success=False)

    assert pipeline.dump() == before
    text = _failure_text(result)
    assert "day d2" in text and "90.0%" in text and "invalid_json 6" in text
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert "groups_table" not in materialized and "inactive_flags" not in materialized


def test_day_with_no_valid_group_is_blocked(pipeline):
    pipeline.write("d1", {"admin_groups/g.json": "", "agents/a.json": lines(agent(10))})
    result = pipeline.run("d1", expect_success=False)
    assert "no valid group record" in _failure_text(result)
    assert all(rows == [] for rows in pipeline.dump().values())
