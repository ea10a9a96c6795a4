"""records_accounted reconciles against what the tables hold after the day, not against what the
statements said they wrote: a day whose writes something swallows (a trigger, a faulty statement)
fails the check, which names each folder that does not reconcile, with a sample of the records."""

from __future__ import annotations

import shutil

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from groups_assets.formats import get
from groups_assets.synthetic.days import write_days
from groups_assets_tests.support import SAMPLE, dump

# Triggers that let a statement run and drop its rows: what a faulty rule, trigger or replication
# filter would do on its way into the tables.
SWALLOW = """
CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
"""


def swallow(url: str, schema: str, *targets: tuple[str, str]) -> None:
    """Make PostgreSQL drop every (operation, table) write of `targets` in `schema`, silently."""
    with psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}") as conn:
        conn.execute(SWALLOW)
        for operation, table in targets:
            conn.execute(
                SQL("CREATE TRIGGER {} BEFORE {} ON {} FOR EACH ROW EXECUTE FUNCTION swallow()").format(
                    Identifier(f"swallow_{operation}_{table}".lower()), SQL(operation), Identifier(table)
                )
            )


def accounted(result):
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "records_accounted"]
    return check, {k: v.value for k, v in check.metadata.items()}


@pytest.mark.slow  # several days, or thousands of records, through Spark
def test_a_day_whose_writes_are_swallowed_fails_and_names_what_is_missing(pipeline):
    """The user's scenario: day 1 loads; something swallows day 2's group updates, its new
    memberships, its agent updates and its rejects; day 2 runs. Every folder that does not
    reconcile is named, with the records the tables lack."""
    shutil.copytree(SAMPLE, pipeline.root, dirs_exist_ok=True)
    clean = pipeline.schema + "_clean"
    pipeline.run("day1", db_schema=clean)
    pipeline.run("day2", db_schema=clean)
    assert accounted(pipeline.run("day1"))[0].passed
    swallow(
        pipeline.url,
        pipeline.schema,
        ("UPDATE", "groups"),
        ("INSERT", "group_membership"),
        ("UPDATE", "agents"),
        ("INSERT", "rejects"),
    )
    check, found = accounted(pipeline.run("day2"))
    assert not check.passed
    # What day 2 should have left, and what it did: the groups that differ are the ones named.
    want, got = dump(pipeline.url, clean), pipeline.dump()
    record = (0, 1, 2, 3, 4, 6)  # group_id, name, parent_group_id, created_at, updated_at, deleted
    differs = {
        row[0]
        for row in {tuple(r[i] for i in record) for r in want["groups"]}
        ^ {tuple(r[i] for i in record) for r in got["groups"]}
    }
    missing_pairs = set(want["group_membership"]) - set(got["group_membership"])
    assert differs and missing_pairs
    unheld_groups = differs | {group for group, _ in missing_pairs}
    assert found["admin_groups_not_in_tables"] == len(unheld_groups)
    assert found["admin_groups_read"] == 44
    assert found["admin_groups_rejected"] == 0  # its rejects were swallowed too
    unheld_agents = {row[0] for row in set(want["agents"]) - set(got["agents"])}
    assert found["agents_not_in_tables"] == len(unheld_agents) > 0
    for folder in ("admin_groups", "agents"):
        assert f"{folder}: read" in check.description, check.description
    assert "not in the tables" in check.description
    sample = found["sample"]
    assert all(str(g) in sample for g in sorted(unheld_groups)[:5]), sample


def test_a_faulty_statement_that_removes_no_membership_fails_it(pipeline, monkeypatch):
    """A statement that reports success and removes nothing: day 2's removed membership stays,
    and the check says how many pairs group_membership keeps that the day removed."""
    shutil.copytree(SAMPLE, pipeline.root, dirs_exist_ok=True)
    pipeline.run("day1")
    from groups_assets.warehouse import transaction

    real = transaction.statement

    def faulty(name: str, **identifiers):
        if name == "apply/upsert/memberships_remove":
            return SQL("SELECT 0, 0 WHERE %(by_day)s OR true")
        return real(name, **identifiers)

    monkeypatch.setattr(transaction, "statement", faulty)
    check, found = accounted(pipeline.run("day2"))
    assert not check.passed
    assert found["memberships_left_over"] == 1
    assert "keeps 1 pair(s) the day removed" in check.description
    assert "group 1006, agent 50011" in found["sample"]


def test_membership_rows_lost_on_their_way_fail_it_in_a_format_of_a_membership_table(pipeline, tmp_path):
    """ServiceNow: the rows of sys_user_grmember that set memberships, swallowed on insert, are
    named under their own folder."""
    fmt = get("servicenow")
    shape = dict(groups=60, agents=20, avg_members=3, max_depth=4, change_ratio=0.5, seed=5)
    write_days(pipeline.root, fmt, days=2, **shape)
    pipeline.run("day1", source_format=fmt.name)
    swallow(pipeline.url, pipeline.schema, ("INSERT", "group_membership"))
    check, found = accounted(pipeline.run("day2", source_format=fmt.name))
    assert not check.passed
    assert found["sys_user_grmember_not_in_tables"] > 0
    assert found["sys_user_group_not_in_tables"] == 0
    assert "sys_user_grmember: read" in check.description
    assert "listed, not stored" in found["sample"]


def misfile(url: str, schema: str) -> None:
    """Make PostgreSQL store every membership inserted from now on under another agent: as many
    pairs as the day wrote, but not the day's."""
    with psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}") as conn:
        conn.execute(
            "CREATE FUNCTION misfile() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.agent_id := -NEW.agent_id; RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER misfile BEFORE INSERT ON group_membership FOR EACH ROW EXECUTE FUNCTION misfile()"
        )


@pytest.mark.slow  # four days through Spark; the ServiceNow case below keeps it in the quick tier
def test_memberships_stored_under_other_agents_fail_it_though_their_number_is_right(pipeline):
    """Day 2's new memberships stored with the wrong agent, one for one: every count of rows is
    right, and the check still names the pairs listed but not stored, and those stored but not
    listed."""
    shutil.copytree(SAMPLE, pipeline.root, dirs_exist_ok=True)
    clean = pipeline.schema + "_clean"
    pipeline.run("day1", db_schema=clean)
    pipeline.run("day2", db_schema=clean)
    pipeline.run("day1")
    misfile(pipeline.url, pipeline.schema)
    check, found = accounted(pipeline.run("day2"))
    want, got = set(dump(pipeline.url, clean)["group_membership"]), set(pipeline.dump()["group_membership"])
    assert len(want) == len(got) and want != got
    assert not check.passed
    assert found["memberships_left_over"] == len(got - want)
    assert found["admin_groups_not_in_tables"] == len({group for group, _ in want - got})
    group, agent = sorted(want - got)[0]
    assert f"group {group}, agent {agent}" in found["sample"]


def test_membership_rows_stored_under_other_agents_fail_it_in_a_format_of_a_membership_table(pipeline):
    """ServiceNow: the same, for the rows of sys_user_grmember."""
    fmt = get("servicenow")
    shape = dict(groups=60, agents=20, avg_members=3, max_depth=4, change_ratio=0.5, seed=5)
    write_days(pipeline.root, fmt, days=2, **shape)
    pipeline.run("day1", source_format=fmt.name)
    misfile(pipeline.url, pipeline.schema)
    check, found = accounted(pipeline.run("day2", source_format=fmt.name))
    assert not check.passed
    assert found["sys_user_grmember_not_in_tables"] > 0
    assert found["memberships_left_over"] == found["sys_user_grmember_not_in_tables"]
    assert "listed, not stored" in found["sample"]
