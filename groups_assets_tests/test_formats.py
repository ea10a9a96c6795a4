"""ServiceNow and Zendesk days as the systems write them (CONTRACT.md 7), on the real parts.

The fixtures (fixtures/servicenow, fixtures/zendesk) are written from the systems' documented
shapes, one shape per file: ServiceNow's Table API response with reference links, its JSONv2
export, JSON Lines with display values (`sysparm_display_value=all`); Zendesk's API pages, its
incremental export page, JSON Lines as dlt writes them and Airbyte's wrapped records.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from groups_assets_tests.support import Pipeline, as_version

# Days of whole formats through the step, several per test: the quick loop leaves them out.
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"
SN = "servicenow"
ZD = "zendesk"


def _sn(kind: str, n: int) -> str:
    """The fixtures' sys_ids: groups d625...0dNN, users 6282...5dNN."""
    return (
        f"d625dccec0a8016700a222a0f7900d{n:02x}" if kind == "g" else f"62826bf03710200044e0bfc8bcbe5d{n:02x}"
    )


def groups_by_key(pipeline: Pipeline) -> dict[str, dict]:
    rows = pipeline.query(
        "SELECT g.group_key, g.group_id, g.name, p.group_key, g.inactive, g.deleted, g.sync_day "
        "FROM groups g LEFT JOIN groups p ON p.group_id = g.parent_group_id ORDER BY 1"
    )
    keys = ("group_id", "name", "parent", "inactive", "deleted", "sync_day")
    return {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows}


def agents_by_key(pipeline: Pipeline) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in pipeline.query("SELECT agent_key, agent_id, name, active FROM agents")}


def members_by_key(pipeline: Pipeline) -> set[tuple[str, str]]:
    """(group key, agent key); an agent with no agents row keeps its key in agent_keys."""
    return set(
        pipeline.query(
            "SELECT g.group_key, coalesce(a.agent_key, k.agent_key, m.agent_id::text) "
            "FROM group_membership m JOIN groups g USING (group_id) "
            "LEFT JOIN agents a USING (agent_id) LEFT JOIN agent_keys k USING (agent_id)"
        )
    )


def accounted(result) -> dict:
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "records_accounted"]
    assert check.passed, check.metadata
    return {k: v.value for k, v in check.metadata.items() if k != "day"}


def test_servicenow_days_load_replay_and_rerun(pipeline):
    shutil.copytree(FIXTURES / SN, pipeline.root, dirs_exist_ok=True)
    day1 = pipeline.run("day1", source_format=SN)
    assert accounted(day1) == {
        "sys_user_group_read": 5,
        "sys_user_group_loaded": 5,
        "sys_user_group_rejected": 0,
        "sys_user_grmember_read": 4,
        "sys_user_grmember_loaded": 4,
        "sys_user_grmember_rejected": 0,
        "sys_user_read": 5,
        "sys_user_loaded": 5,
        "sys_user_rejected": 0,
        # ... and the tables hold every record loaded.
        "sys_user_group_not_in_tables": 0,
        "sys_user_grmember_not_in_tables": 0,
        "sys_user_not_in_tables": 0,
        "memberships_left_over": 0,
    }
    root, emea, l2, apac, old = (_sn("g", n) for n in range(1, 6))
    alice, bob, carol, dave, erin = (_sn("u", n) for n in range(1, 6))
    groups = groups_by_key(pipeline)
    assert {k: (g["name"], g["parent"], g["inactive"], g["deleted"]) for k, g in groups.items()} == {
        root: ("Service Desk", None, False, False),
        emea: ("Support EMEA", root, False, False),  # active through L2 below it
        l2: ("Support EMEA L2", emea, False, False),
        apac: ("Support APAC", root, False, False),
        old: ("Legacy Desk", None, True, True),  # active "false": it leaves the hierarchy
    }
    assert members_by_key(pipeline) == {(l2, alice), (emea, carol), (apac, bob), (old, dave)}
    agents = agents_by_key(pipeline)
    assert {k: a[1:] for k, a in agents.items()} == {
        alice: ("Alice Okafor", True),  # from display values ({"display_value", "value"})
        bob: ("Bob Lindqvist", True),
        carol: ("Carol Weber", False),
        dave: ("Dave Rahman", True),
        erin: ("Erin Murphy", True),
    }
    ids = {k: g["group_id"] for k, g in groups.items()} | {k: a[0] for k, a in agents.items()}
    assert len({g["group_id"] for g in groups.values()}) == 5 and len({a[0] for a in agents.values()}) == 5
    assert pipeline.query("SELECT format FROM source_format") == [(SN,)]

    pipeline.run("day2", source_format=SN)
    after_day2 = pipeline.dump()
    groups = groups_by_key(pipeline)
    assert members_by_key(pipeline) == {(emea, carol), (apac, bob), (apac, erin), (old, dave)}
    assert {k for k, g in groups.items() if g["inactive"]} == {emea, l2, old}  # alice left L2
    assert groups[apac]["name"] == "Support APAC & Japan" and groups[apac]["sync_day"] == "day2"
    now = {k: g["group_id"] for k, g in groups.items()} | {
        k: a[0] for k, a in agents_by_key(pipeline).items()
    }
    assert now == ids, "ids are stable across days"
    members_day = dict(pipeline.query("SELECT group_key, members_day FROM groups"))
    assert members_day[l2] == members_day[apac] == "day2" and members_day[emea] == "day1"

    pipeline.run("day2", source_format=SN)
    assert pipeline.dump() == after_day2, "re-running a day changed rows"
    # Day 1 again: alice back in L2, APAC's old name. The membership row removed on day 2 left
    # no timestamp; the order of days keeps day 1 from bringing it back.
    pipeline.run("day1", source_format=SN)
    assert pipeline.dump() == after_day2, "replaying day 1 after day 2 changed rows"
    assert members_by_key(pipeline) == {(emea, carol), (apac, bob), (apac, erin), (old, dave)}


def test_zendesk_days_load_skip_end_users_and_replay(pipeline):
    shutil.copytree(FIXTURES / ZD, pipeline.root, dirs_exist_ok=True)
    day1 = pipeline.run("day1", source_format=ZD)
    counts = accounted(day1)
    assert counts["users_read"] == 5 and counts["users_loaded"] == 4 and counts["users_skipped"] == 1
    assert counts["groups_read"] == 4 and counts["group_memberships_loaded"] == 4
    emea, apac, billing, old = "360000000101", "360000000102", "360000000103", "360000000104"
    alice, bob, carol, dave, erin = (str(5000000000000 + n) for n in range(1, 6))
    groups = groups_by_key(pipeline)
    assert groups[emea]["group_id"] == 360000000101, "Zendesk's ids (beyond 32 bits) are the ids"
    assert {k: (g["inactive"], g["deleted"]) for k, g in groups.items()} == {
        emea: (False, False),
        apac: (False, False),
        billing: (True, False),  # carol is suspended
        old: (True, True),
    }
    agents = agents_by_key(pipeline)
    assert erin not in agents, "an end-user is not stored"
    assert {k: a[2] for k, a in agents.items()} == {alice: True, bob: True, carol: False, dave: False}
    assert agents[dave][1] == "Dave Rahman", "Airbyte's records are read inside _airbyte_data"

    pipeline.run("day2", source_format=ZD)
    after_day2 = pipeline.dump()
    groups = groups_by_key(pipeline)
    assert members_by_key(pipeline) == {(billing, alice), (apac, bob), (billing, carol), (old, dave)}
    # bob became an end-user: stored already, he stays, as inactive; APAC has no one else.
    assert agents_by_key(pipeline)[bob][2] is False
    assert {k for k, g in groups.items() if g["inactive"]} == {emea, apac, old}
    pipeline.run("day1", source_format=ZD)
    assert pipeline.dump() == after_day2, "replaying day 1 after day 2 changed rows"


def test_a_schema_of_one_format_refuses_a_day_of_another(pipeline):
    shutil.copytree(FIXTURES / SN, pipeline.root, dirs_exist_ok=True)
    pipeline.run("day1", source_format=SN)
    before = pipeline.dump()
    result = pipeline.run("day2", expect_success=False, source_format="contract")
    (failure,) = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]
    assert "holds days of the servicenow format" in failure and "reads contract days" in failure
    assert "GROUPS_DB_SCHEMA" in failure
    assert not result.get_asset_materialization_events(), "refused before any work"
    assert pipeline.dump() == before


def test_the_same_day_in_three_formats_gives_the_same_tables(pipeline, tmp_path):
    """A flat organisation (Zendesk's groups have no parent), with a deleted group, a member that
    is not an agent, an inactive agent and an orphan membership, written in each format."""
    groups = {11: ("Tier 1", False), 12: ("Tier 2", False), 13: ("Old desk", True), 14: ("Empty", False)}
    agents = {101: ("Ana", True), 102: ("Ben", False), 103: ("Cy", True)}
    members = [(11, 101), (11, 102), (12, 102), (13, 103), (14, 999)]  # 999: no such agent
    stamp = "2026-11-01 08:00:00"

    def sys_id(kind: str, n: int) -> str:
        return f"{kind}{n:031x}"

    writers = {
        "contract": {
            "admin_groups/g.json": [
                {
                    "group_id": g,
                    "name": name,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "deleted": deleted,
                    "agent_ids": [a for gg, a in members if gg == g],
                }
                for g, (name, deleted) in groups.items()
            ],
            "agents/a.json": [{"agent_id": a, "name": n, "active": act} for a, (n, act) in agents.items()],
        },
        SN: {
            "sys_user_group/g.json": {
                "result": [
                    {
                        "sys_id": sys_id("a", g),
                        "name": name,
                        "parent": "",
                        "active": "false" if deleted else "true",
                        "sys_created_on": stamp,
                        "sys_updated_on": stamp,
                    }
                    for g, (name, deleted) in groups.items()
                ]
            },
            "sys_user_grmember/m.json": {
                "result": [{"group": sys_id("a", g), "user": sys_id("b", a)} for g, a in members]
            },
            "sys_user/u.json": {
                "result": [
                    {"sys_id": sys_id("b", a), "name": n, "active": str(act).lower()}
                    for a, (n, act) in agents.items()
                ]
            },
        },
        ZD: {
            "groups/g.json": {
                "groups": [
                    {"id": g, "name": name, "deleted": d, "created_at": stamp, "updated_at": stamp}
                    for g, (name, d) in groups.items()
                ],
                "next_page": None,
            },
            "group_memberships/m.json": [{"group_id": g, "user_id": a} for g, a in members],
            "users/u.json": [
                {"id": a, "name": n, "role": "agent", "active": act} for a, (n, act) in agents.items()
            ],
        },
    }
    shapes = {}
    for fmt, files in writers.items():
        shapes[fmt] = Pipeline(
            root=tmp_path / fmt,
            url=pipeline.url,
            schema=f"{pipeline.schema}_{fmt}",
            instance=pipeline.instance,
            staging=pipeline.staging,
        )
        for rel, content in files.items():
            text = (
                "".join(json.dumps(r) + "\n" for r in content)
                if isinstance(content, list)
                else json.dumps(content)
            )
            shapes[fmt].write("day1", {rel: text})
        shapes[fmt].run("day1", source_format=fmt)

    def tables(p: Pipeline) -> dict:
        return {
            "groups": p.query("SELECT name, parent_group_id, inactive, deleted FROM groups ORDER BY name"),
            "members": p.query(
                "SELECT g.name, a.name FROM group_membership m JOIN groups g USING (group_id) "
                "LEFT JOIN agents a USING (agent_id) ORDER BY 1, 2"
            ),
            "agents": p.query("SELECT name, active FROM agents ORDER BY name"),
        }

    expected = tables(shapes["contract"])
    assert ("Empty", None) in expected["members"], "the orphan membership is kept"
    assert tables(shapes[SN]) == expected
    assert tables(shapes[ZD]) == expected
    keys = {fmt: sorted(k for (k,) in p.query("SELECT group_key FROM groups")) for fmt, p in shapes.items()}
    assert keys["contract"] == keys[ZD] == ["11", "12", "13", "14"]
    assert keys[SN] == sorted(sys_id("a", g) for g in groups)


def _lines(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def _rejects(pipeline: Pipeline, day: str) -> dict[str, set[tuple[int, str]]]:
    found: dict[str, set] = {}
    for source, record_no, reason in pipeline.query(
        "SELECT source, record_no, reason FROM rejects WHERE sync_day = %s", (day,)
    ):
        found.setdefault(source, set()).add((record_no, reason))
    return found


def _sn_group(key: str, name: str = "G", parent: object = "", **extra) -> dict:
    record = {
        "sys_id": key,
        "name": name,
        "parent": parent,
        "active": "true",
        "sys_created_on": "2025-01-10 09:00:00",
        "sys_updated_on": "2026-10-01 12:00:00",
    }
    return record | extra


def test_servicenow_garbage_gets_its_reasons_and_nothing_is_lost(pipeline):
    from groups_assets.cli.summary import summarize

    g1, g2, g3, g9 = (_sn("g", n) for n in (1, 2, 3, 9))
    u1, u2 = _sn("u", 1), _sn("u", 2)
    link = "https://dev84721.service-now.com/api/now/table/sys_user_group/"
    pipeline.write(
        "day1",
        {
            "sys_user_group/g.json": _lines(
                _sn_group(g1, "Service Desk"),
                _sn_group(g2, parent={"link": link + g1}),  # 2: a reference object without value
                _sn_group(g3, parent="Service Desk"),  # 3: a display value instead of the sys_id
                _sn_group(_sn("g", 4), active="true "),  # 4
                _sn_group(g1.upper()),  # 5: not a sys_id (upper case)
                _sn_group(""),  # 6
                _sn_group(_sn("g", 7), sys_updated_on="01/11/2026 08:00"),  # 7
                _sn_group(g1, "Service Desk (old)", sys_updated_on="2025-06-01 00:00:00"),  # 8
                "not json",  # 9
                "[1, 2]",  # 10
            ),
            "sys_user_grmember/m.json": json.dumps(
                {
                    "records": [
                        {"group": g1, "user": u1, "__status": "success"},
                        {"group": {"value": g1}, "user": {"link": "https://x/sys_user/1"}},  # 2
                        {"group": "Service Desk", "user": "Alice Okafor"},  # 3: display names
                        {"group": "", "user": u1},  # 4
                        {"group": g1, "user": None},  # 5
                        {"group": g9, "user": u1},  # 6: neither in the day nor stored
                    ]
                }
            ),
            "sys_user/u.json": _lines(
                {"sys_id": u1, "name": "Alice", "active": "true"},
                {"sys_id": u2, "name": "Bob", "active": "true "},  # 2
                {"sys_id": _sn("u", 3), "name": "Cy"},  # 3: no active
                {"sys_id": "abc", "active": "true"},  # 4
                {"sys_id": _sn("u", 5), "active": "false", "sys_updated_on": "yesterday"},  # 5
            ),
        },
    )
    result = pipeline.run("day1", source_format=SN, max_reject_ratio=1.0)
    assert _rejects(pipeline, "day1") == {
        "sys_user_group": {
            (2, "invalid_parent_group_id"),
            (3, "invalid_parent_group_id"),
            (4, "invalid_deleted"),
            (5, "invalid_group_id"),
            (6, "missing_group_id"),
            (7, "invalid_timestamp"),
            (8, "duplicate_group_id"),
            (9, "invalid_json"),
            (10, "not_an_object"),
        },
        "sys_user_grmember": {
            (2, "invalid_user"),
            (3, "invalid_group"),
            (4, "missing_group"),
            (5, "missing_user"),
            (6, "unknown_group"),
        },
        "sys_user": {
            (2, "invalid_active"),
            (3, "invalid_active"),
            (4, "invalid_agent_id"),
            (5, "invalid_timestamp"),
        },
    }
    # A rejected element of a page keeps its record as its text, whether Spark rejected it or the
    # day's transaction did (unknown_group).
    export = {"group": g1, "user": None}, {"group": g9, "user": u1}
    texts = dict(
        pipeline.query(
            "SELECT record_no, raw_record FROM rejects "
            "WHERE source = 'sys_user_grmember' AND record_no IN (5, 6)"
        )
    )
    assert {n: json.loads(t) for n, t in texts.items()} == dict(zip((5, 6), export, strict=True))
    assert accounted(result)["sys_user_grmember_loaded"] == 1
    text = summarize("day1", result, 1.0)
    assert (
        "sys_user_grmember: read 6, loaded 1, rejected 5 "
        "(missing_group 1, missing_user 1, invalid_group 1, invalid_user 1, unknown_group 1)" in text
    ), text
    assert members_by_key(pipeline) == {(g1, u1)}
    assert groups_by_key(pipeline)[g1]["name"] == "Service Desk", "the newer duplicate wins"

    # A membership row names a stored group that has no record in this day: it is loaded.
    pipeline.write(
        "day2",
        {
            "sys_user_group/g.json": _lines(_sn_group(g9, "Nine", parent=g1)),
            "sys_user_grmember/m.json": _lines({"group": g1, "user": u2}, {"group": g9, "user": u1}),
        },
    )
    pipeline.run("day2", source_format=SN)
    assert members_by_key(pipeline) == {(g1, u2), (g9, u1)}
    assert _rejects(pipeline, "day2") == {}


def test_servicenow_ids_are_given_once_per_key_and_a_parent_named_early_keeps_its_id(pipeline):
    child, parent = _sn("g", 21), _sn("g", 20)
    pipeline.write("day1", {"sys_user_group/g.json": _lines(_sn_group(child, "Child", parent=parent))})
    pipeline.run("day1", source_format=SN)
    (named,) = pipeline.query("SELECT parent_group_id FROM groups")
    pipeline.write(
        "day2",
        {
            "sys_user_group/g.json": _lines(
                _sn_group(parent, "Parent"), _sn_group(child, "Child", parent=parent)
            )
        },
    )
    pipeline.run("day2", source_format=SN)
    groups = groups_by_key(pipeline)
    assert groups[parent]["group_id"] == named[0], "the parent takes the id its child's link uses"
    assert groups[child]["parent"] == parent
    assert pipeline.query("SELECT count(*) FROM group_keys") == [(2,)]


def test_zendesk_garbage_gets_its_reasons(pipeline):
    stamp = "2026-11-01T08:00:00Z"
    pipeline.write(
        "day1",
        {
            "groups/g.json": json.dumps(
                {
                    "groups": [
                        {"id": 360000000001, "name": "Ok", "created_at": stamp, "updated_at": stamp},
                        {
                            "id": "9223372036854775808",
                            "name": "Big",
                            "created_at": stamp,
                            "updated_at": stamp,
                        },
                        {"id": 1.5, "name": "Float", "created_at": stamp, "updated_at": stamp},
                        {
                            "id": 7,
                            "name": "Del",
                            "deleted": "false",
                            "created_at": stamp,
                            "updated_at": stamp,
                        },
                    ],
                    "next_page": None,
                    "count": 4,
                }
            ),
            "group_memberships/m.json": '{"group_id": 360000000001, "user_id": 9223372036854775808}\n'
            + _lines({"group_id": "", "user_id": 5}, {"group_id": 360000000001, "user_id": 5000000000001}),
            "users/u.json": _lines(
                {"id": 5000000000001, "role": "agent", "active": True},
                {"id": 2, "role": "owner", "active": True},
                {"id": 3, "active": True},
                {"id": 4, "role": "agent", "active": "yes"},
                {"id": 5, "role": "agent", "active": True, "suspended": "false"},
                {"id": 6, "role": "admin", "updated_at": "x"},
                {"id": 8, "role": "end-user", "active": True},
            ),
        },
    )
    result = pipeline.run("day1", source_format=ZD, max_reject_ratio=1.0)
    assert _rejects(pipeline, "day1") == {
        "groups": {(2, "invalid_group_id"), (3, "invalid_group_id"), (4, "invalid_deleted")},
        "group_memberships": {(1, "invalid_user"), (2, "missing_group")},
        "users": {
            (2, "invalid_role"),
            (3, "invalid_role"),
            (4, "invalid_active"),
            (5, "invalid_active"),
            (6, "invalid_timestamp"),
        },
    }
    counts = accounted(result)
    assert (counts["users_read"], counts["users_loaded"], counts["users_skipped"]) == (7, 1, 1)


def test_an_incomplete_page_set_and_a_wrong_export_fail_the_day_before_any_write(pipeline):
    stamp = "2026-11-01T08:00:00Z"
    page = {"groups": [{"id": 1, "name": "A", "created_at": stamp, "updated_at": stamp}]}
    pipeline.write(
        "day1", {"groups/p1.json": json.dumps(page | {"next_page": "https://x/api/v2/groups.json?page=2"})}
    )
    result = pipeline.run("day1", expect_success=False, source_format=ZD)
    (failure,) = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]
    assert "the export is incomplete" in failure and "groups/" in failure
    tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s"
    assert pipeline.query(tables, (pipeline.schema,)) == [(0,)], "nothing written, not even the schema"

    # ServiceNow's user export put in the group folder.
    users = [
        {
            "sys_id": _sn("u", n),
            "user_name": f"u{n}",
            "name": f"U {n}",
            "active": "true",
            "sys_created_on": "2025-01-10 09:00:00",
            "sys_updated_on": "2025-01-10 09:00:00",
        }
        for n in range(3)
    ]
    pipeline.write("day2", {"sys_user_group/users.json": json.dumps({"result": users})})
    result = pipeline.run("day2", expect_success=False, source_format=SN, db_schema=pipeline.schema + "_sn")
    (failure,) = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]
    assert "3 of the 3 record(s) in sys_user_group/ look like another table's" in failure
    assert "user_name" in failure


def test_a_database_loaded_before_keys_gains_them_on_its_next_run(pipeline):
    from groups_assets_tests.support import agent, group, lines

    pipeline.write(
        "d1",
        {"admin_groups/g.json": lines(group(1, agents=[10]), group(2)), "agents/a.json": lines(agent(10))},
    )
    pipeline.run("d1")
    # The schema as version 2 made it, before source formats: no keys, no members_day, formats
    # or days.
    as_version(pipeline.url, pipeline.schema, 2)
    pipeline.write("d2", {"admin_groups/g.json": lines(group(3, parent=1))})
    pipeline.run("d2")
    assert pipeline.query("SELECT group_id, group_key FROM groups ORDER BY 1") == [
        (1, "1"),
        (2, "2"),
        (3, "3"),
    ]
    assert pipeline.query("SELECT agent_key FROM agents") == [("10",)]
    assert pipeline.query("SELECT format FROM source_format") == [("contract",)]
    assert sorted(pipeline.query("SELECT sync_day FROM applied_days")) == [("d1",), ("d2",)]
    # ... and is a contract schema from then on.
    pipeline.write("d3", {"sys_user_group/g.json": _lines(_sn_group(_sn("g", 1)))})
    refused = pipeline.run("d3", expect_success=False, source_format=SN)
    assert any(
        "holds days of the contract format" in e.step_failure_data.error.message
        for e in refused.all_events
        if e.is_step_failure
    )


def test_a_group_a_later_day_created_keeps_its_membership_when_an_older_day_is_replayed(pipeline):
    """Day 2 creates group 2 with no membership folder; day 1, replayed, names it in a
    membership row (rejected as unknown_group the first time): the membership stays as day 2
    left it."""
    stamp = "2026-11-01T08:00:00Z"

    def groups(*ids: int) -> str:
        page = {"groups": [{"id": g, "name": f"G{g}", "created_at": stamp, "updated_at": stamp} for g in ids]}
        return json.dumps(page | {"next_page": None})

    users = _lines({"id": 7, "role": "agent", "active": True}, {"id": 8, "role": "agent", "active": True})
    members = _lines({"group_id": 1, "user_id": 7}, {"group_id": 2, "user_id": 8})
    pipeline.write(
        "day1", {"groups/g.json": groups(1), "group_memberships/m.json": members, "users/u.json": users}
    )
    pipeline.write("day2", {"groups/g.json": groups(1, 2)})
    pipeline.run("day1", source_format=ZD)
    assert _rejects(pipeline, "day1") == {"group_memberships": {(2, "unknown_group")}}
    pipeline.run("day2", source_format=ZD)
    after = pipeline.dump()
    pipeline.run("day1", source_format=ZD)
    replayed = pipeline.dump()
    assert {t: r for t, r in replayed.items() if t != "rejects"} == {
        t: r for t, r in after.items() if t != "rejects"
    }
    assert members_by_key(pipeline) == {("1", "7")}
