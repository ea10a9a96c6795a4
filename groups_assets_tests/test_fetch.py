"""Fetching a day from stand-ins of ServiceNow's and Zendesk's APIs (standin_api.py): a fetched day
holds every record the API has, once, in page files the format reads; each fault is retried or
refused as it should be, leaves no day behind and says what happened; the command line's exit
codes. No Spark: loading a fetched day is test_formats.py's part."""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest
from dagster import EnvVar

from groups_assets import formats, names
from groups_assets.contract.reader import is_page_file
from groups_assets.days import json_files, list_days
from groups_assets.fetching import Bounds, FetchFailed
from groups_assets.formats.servicenow import fetch as servicenow
from groups_assets.formats.zendesk import fetch as zendesk
from groups_assets_tests.standin_api import (
    ServiceNow,
    Zendesk,
    basic,
    bearer,
    servicenow_tables,
    zendesk_tables,
)

PASSWORD = "pw-not-a-real-secret-7f3a"
TOKEN = "tok-not-a-real-secret-91c2"
DAY = "2026-12-01"
# Small bounds, so that a fault takes a second rather than minutes.
FAST = Bounds(
    deadline_seconds=30,
    connect_seconds=2,
    read_seconds=2,
    attempts=3,
    backoff_seconds=0.05,
    max_wait_seconds=2,
)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def snow():
    with ServiceNow(servicenow_tables(), {basic("integration", PASSWORD), bearer(TOKEN)}) as server:
        yield server


@pytest.fixture
def zd():
    with Zendesk(zendesk_tables(), {basic("ops@example.com/token", TOKEN), bearer(TOKEN)}) as server:
        yield server


def snow_settings(server: ServiceNow, **changes) -> dict:
    return {
        "servicenow_url": server.url,
        "servicenow_user": "integration",
        "servicenow_password": PASSWORD,
    } | changes


def zd_settings(server: Zendesk, **changes) -> dict:
    return {"zendesk_url": server.url, "zendesk_email": "ops@example.com", "zendesk_token": TOKEN} | changes


def read_day(root, system: str) -> dict[str, list]:
    """Every record of the day, by folder, from page files as the format tells them, in file
    order; the format's own completeness check passes on each folder."""
    records = {}
    for table in formats.get(system).tables:
        files = json_files(root / f"sync-{DAY}" / table.folder)
        assert files and all(is_page_file(p, table.pages) for p in files), table.folder
        if table.complete:
            assert table.complete(files) is None, table.folder
        pages = [json.loads(p.read_text()) for p in files]
        records[table.folder] = [r for page in pages for key in table.pages if key in page for r in page[key]]
    return records


def canonical(records: list) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in records)


def only(records: list[dict], fields: tuple[str, ...]) -> list[dict]:
    return [{f: r[f] for f in fields if f in r} for r in records]


def nothing_left(root) -> bool:
    """No day, and no folder of a fetch, under `root`."""
    return list_days(root) == [] and not [p for p in root.glob(".fetch-*") if p.is_dir()]


def failure(fetch, *args, **kwargs) -> str:
    with pytest.raises(FetchFailed) as failed:
        fetch(*args, **kwargs)
    return str(failed.value)


def test_a_servicenow_day_holds_every_record_once_in_pages_the_format_reads(snow, tmp_path):
    fetched = servicenow.fetch(snow_settings(snow), tmp_path, DAY, bounds=FAST)

    day = tmp_path / f"sync-{DAY}"
    assert (day / "_SUCCESS").exists() and list_days(tmp_path) == [DAY]
    assert not [p for p in tmp_path.glob(".fetch-*") if p.is_dir()]
    records = read_day(tmp_path, "servicenow")
    for table, rows in snow.tables.items():
        assert canonical(records[table]) == canonical(only(rows, servicenow.FIELDS[table])), table
    # In sys_id order, over several pages of each table.
    keys = [r["sys_id"] for r in records["sys_user_group"]]
    assert keys == sorted(keys)
    pages = {t: (len(rows), -(-len(rows) // snow.page_size)) for t, rows in snow.tables.items()}
    assert {f.name: (f.records, f.pages) for f in fetched} == pages
    assert all(n > 1 for _, n in pages.values())
    # Deactivated groups and inactive users come with the rest.
    assert {r["active"] for r in records["sys_user_group"]} == {"true", "false"}
    assert {r["active"] for r in records["sys_user"]} == {"true", "false"}
    # Every request asked for the fields the format reads, as plain keys, in a stable order.
    for request in snow.requests:
        query = request["query"]
        assert query["sysparm_fields"] == ",".join(servicenow.FIELDS[request["table"]])
        assert query["sysparm_exclude_reference_link"] == "true"
        assert query["sysparm_display_value"] == "false"
        assert query["sysparm_query"] == "ORDERBYsys_id"
    assert PASSWORD not in "".join(p.read_text() for p in day.rglob("*.json"))


def test_a_zendesk_day_holds_deleted_groups_and_every_user(zd, tmp_path):
    fetched = zendesk.fetch(zd_settings(zd), tmp_path, DAY, bounds=FAST)

    day = tmp_path / f"sync-{DAY}"
    assert (day / "_SUCCESS").exists() and list_days(tmp_path) == [DAY]
    records = read_day(tmp_path, "zendesk")
    tables = zd.tables
    assert canonical(records["groups"]) == canonical(only(tables["groups"], zendesk.FIELDS["groups"]))
    assert any(group["deleted"] for group in records["groups"])
    assert canonical(records["group_memberships"]) == canonical(
        only(tables["group_memberships"], zendesk.FIELDS["group_memberships"])
    )
    users = tables["users"] + tables["deleted_users"]
    assert canonical(records["users"]) == canonical(only(users, zendesk.FIELDS["users"]))
    assert {user["role"] for user in records["users"]} == {"admin", "agent", "end-user"}
    assert any(user.get("suspended") for user in records["users"])
    pages = {t: (len(rows), -(-len(rows) // zd.page_size)) for t, rows in tables.items()}
    assert {f.name: (f.records, f.pages) for f in fetched} == pages
    assert [f.folder for f in fetched] == ["groups", "group_memberships", "users", "users"]
    assert all(r["query"]["exclude_deleted"] == "false" for r in zd.requests if r["table"] == "groups")
    assert all(r["query"]["page[size]"] == "100" for r in zd.requests)
    assert TOKEN not in "".join(p.read_text() for p in day.rglob("*.json"))


def test_refused_credentials_fail_at_once_naming_the_variables_never_the_values(snow, zd, tmp_path):
    message = failure(
        servicenow.fetch, snow_settings(snow, servicenow_password=f"x{PASSWORD}"), tmp_path, DAY, bounds=FAST
    )
    assert "ServiceNow sys_user_group, page 1" in message and "HTTP 401" in message
    assert "GROUPS_SERVICENOW_USER and GROUPS_SERVICENOW_PASSWORD" in message
    assert PASSWORD not in message and len(snow.requests) == 1

    message = failure(
        zendesk.fetch, zd_settings(zd, zendesk_oauth_token=f"x{TOKEN}"), tmp_path, DAY, bounds=FAST
    )
    assert "HTTP 401" in message and "GROUPS_ZENDESK_OAUTH_TOKEN" in message
    assert TOKEN not in message and len(zd.requests) == 1

    snow.fail(status=403, table="sys_user")  # a user without the right to read sys_user
    message = failure(servicenow.fetch, snow_settings(snow), tmp_path, DAY, bounds=FAST)
    assert "ServiceNow sys_user, page 1" in message and "HTTP 403" in message
    assert "GROUPS_SERVICENOW_PASSWORD" in message and snow.requested("sys_user") == 1
    assert nothing_left(tmp_path)


def test_a_429_is_waited_for_within_the_bound_and_fails_at_once_beyond_it(snow, tmp_path):
    snow.fail(status=429, headers={"Retry-After": "1"}, table="sys_user_grmember", page=2)
    started = time.monotonic()
    servicenow.fetch(snow_settings(snow), tmp_path / "waited", DAY, bounds=FAST)
    assert time.monotonic() - started >= 1
    assert snow.requested("sys_user_grmember", 2) == 2

    before = snow.requested("sys_user", 1)
    snow.fail(status=429, headers={"Retry-After": "30"}, table="sys_user", page=1)
    started = time.monotonic()
    message = failure(servicenow.fetch, snow_settings(snow), tmp_path / "refused", DAY, bounds=FAST)
    assert time.monotonic() - started < 1.5
    assert "ServiceNow sys_user, page 1" in message and "Retry-After of 30 s" in message
    assert snow.requested("sys_user", 1) == before + 1
    assert nothing_left(tmp_path / "refused")


def test_a_5xx_is_retried_then_fails_naming_the_table_and_the_page(snow, tmp_path):
    snow.fail(status=500, times=2, table="sys_user_grmember", page=3)
    servicenow.fetch(snow_settings(snow), tmp_path / "retried", DAY, bounds=FAST)
    assert snow.requested("sys_user_grmember", 3) == 3
    assert len(read_day(tmp_path / "retried", "servicenow")["sys_user_grmember"]) == len(
        snow.tables["sys_user_grmember"]
    )

    snow.fail(status=503, times=None, table="sys_user_grmember", page=3)
    message = failure(servicenow.fetch, snow_settings(snow), tmp_path / "failed", DAY, bounds=FAST)
    assert "ServiceNow sys_user_grmember, page 3 (http://127.0.0.1:" in message
    assert "sysparm_offset=80" in message and "HTTP 503" in message and "after 3 attempt(s)" in message
    assert snow.requested("sys_user_grmember", 3) == 3 + 3
    assert nothing_left(tmp_path / "failed")


def test_a_body_cut_short_and_a_dropped_connection_are_retried(zd, tmp_path):
    zd.fail(kind="truncate", table="groups", page=2)  # no Content-Length: only the JSON tells
    zd.fail(kind="cut", table="group_memberships", page=3)  # shorter than its Content-Length
    zd.fail(kind="drop", table="users", page=1)
    zendesk.fetch(zd_settings(zd), tmp_path / "retried", DAY, bounds=FAST)
    assert [zd.requested("groups", 2), zd.requested("group_memberships", 3), zd.requested("users", 1)] == [
        2,
        2,
        2,
    ]
    records = read_day(tmp_path / "retried", "zendesk")
    assert canonical(records["groups"]) == canonical(only(zd.tables["groups"], zendesk.FIELDS["groups"]))
    assert len(records["group_memberships"]) == len(zd.tables["group_memberships"])

    zd.fail(kind="truncate", times=None, table="users", page=2)
    message = failure(zendesk.fetch, zd_settings(zd), tmp_path / "failed", DAY, bounds=FAST)
    assert "Zendesk users, page 2" in message and "page%5Bafter%5D=" in message
    assert "cut short" in message and "after 3 attempt(s)" in message
    assert nothing_left(tmp_path / "failed")


def test_records_not_matching_the_api_count_fail_the_day_naming_the_table(snow, tmp_path):
    snow.extra_total["sys_user"] = 1
    message = failure(servicenow.fetch, snow_settings(snow), tmp_path, DAY, bounds=FAST)
    users = len(snow.tables["sys_user"])
    assert f"ServiceNow sys_user: {users} record(s) received, but the API says it has {users + 1}" in message
    assert nothing_left(tmp_path)


def folders(root) -> list[str]:
    """The folders under `root` (the day's lock file is not one)."""
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def test_a_table_that_changes_during_the_fetch_fails_the_day(tmp_path):
    """A row added to sys_user_grmember between two pages: the offsets shift, so a page may skip or
    repeat a row; the count the pages say changes, and the day fails naming the table."""

    class Growing(ServiceNow):
        def answer(self, table, query, base):
            answered = super().answer(table, query, base)
            if table == "sys_user_grmember" and int(query.get("sysparm_offset", 0)) == 0:
                self.tables[table].append({"sys_id": "0" * 32, "group": "g", "user": "u"})
            return answered

    with Growing(servicenow_tables(), {basic("integration", PASSWORD)}) as server:
        message = failure(servicenow.fetch, snow_settings(server), tmp_path, DAY, bounds=FAST)
    members = len(server.tables["sys_user_grmember"])
    assert "ServiceNow sys_user_grmember, page 2" in message
    assert f"says it has {members} record(s), {members - 1} on the first page" in message
    assert nothing_left(tmp_path)


def test_a_failed_fetch_leaves_no_day_and_the_next_one_starts_clean(snow, tmp_path):
    killed = tmp_path / f".fetch-{DAY}-k1ll3d"  # what a killed fetch leaves
    (killed / "sys_user_group").mkdir(parents=True)
    (killed / "sys_user_group" / "sys_user_group-000001.json").write_text('{"result": []}')

    snow.fail(status=500, times=None, table="sys_user", page=2)
    failure(servicenow.fetch, snow_settings(snow), tmp_path, DAY, bounds=FAST)
    assert list_days(tmp_path) == [] and folders(tmp_path) == []

    snow.faults.clear()
    servicenow.fetch(snow_settings(snow), tmp_path, DAY, bounds=FAST)
    assert folders(tmp_path) == [f"sync-{DAY}"]
    assert (tmp_path / f"sync-{DAY}" / "_SUCCESS").exists()


def test_two_fetches_of_a_day_at_once_fetch_it_once(snow, tmp_path):
    """The second waits for the first, then finds the day there and keeps it."""
    import threading

    snow.fail(kind="slow", seconds=0.2, times=None, table="sys_user_group")
    first = threading.Thread(target=servicenow.fetch, args=(snow_settings(snow), tmp_path, DAY), daemon=True)
    first.start()
    while not snow.requests:
        time.sleep(0.01)
    message = failure(servicenow.fetch, snow_settings(snow), tmp_path, DAY, bounds=FAST)
    first.join(30)
    assert f"sync-{DAY} exists (complete)" in message
    assert snow.requested("sys_user_group", 1) == 1 and folders(tmp_path) == [f"sync-{DAY}"]


def test_a_day_is_kept_unless_forced_and_then_replaced_whole(snow, tmp_path):
    servicenow.fetch(snow_settings(snow), tmp_path, DAY, bounds=FAST)
    day = tmp_path / f"sync-{DAY}"
    (day / "sys_user" / "by-hand.json").write_text('{"result": []}')
    asked = len(snow.requests)

    message = failure(servicenow.fetch, snow_settings(snow), tmp_path, DAY, bounds=FAST)
    assert f"{day} exists (complete)" in message and "--force" in message
    assert len(snow.requests) == asked and (day / "sys_user" / "by-hand.json").exists()

    snow.tables["sys_user_group"][0]["name"] = "Renamed"
    servicenow.fetch(snow_settings(snow), tmp_path, DAY, force=True, bounds=FAST)
    assert not (day / "sys_user" / "by-hand.json").exists() and (day / "_SUCCESS").exists()
    assert "Renamed" in {group["name"] for group in read_day(tmp_path, "servicenow")["sys_user_group"]}
    assert folders(tmp_path) == [f"sync-{DAY}"]


def test_the_deadline_stops_a_slow_api_and_a_timeout_one_that_stops_answering(snow, tmp_path):
    snow.fail(kind="slow", seconds=0.4, times=None)
    started = time.monotonic()
    message = failure(
        servicenow.fetch, snow_settings(snow), tmp_path, DAY, bounds=replace(FAST, deadline_seconds=1)
    )
    assert time.monotonic() - started < 2.5
    assert "ServiceNow sys_user_grmember, page 1" in message  # after 3 pages of groups, 1.2 s
    assert "deadline of 1 s (GROUPS_FETCH_DEADLINE_SECONDS) passed" in message
    assert nothing_left(tmp_path)

    snow.faults.clear()
    snow.fail(kind="hang", seconds=3, times=None, table="sys_user_group", page=2)
    started = time.monotonic()
    message = failure(
        servicenow.fetch,
        snow_settings(snow),
        tmp_path,
        DAY,
        bounds=replace(FAST, read_seconds=0.3, attempts=2),
    )
    assert time.monotonic() - started < 2.5
    assert (
        "ServiceNow sys_user_group, page 2" in message
        and "no answer within 0.3 s, after 2 attempt(s)" in message
    )
    assert nothing_left(tmp_path)


def test_the_api_resource_reads_secrets_from_their_variables(snow, tmp_path, monkeypatch):
    from groups_assets.settings import build_resources

    for name in [k for k in os.environ if k.startswith("GROUPS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GROUPS_SERVICENOW_URL", snow.url)
    monkeypatch.setenv("GROUPS_SERVICENOW_USER", "integration")
    monkeypatch.setenv("GROUPS_SERVICENOW_PASSWORD", PASSWORD)
    monkeypatch.setenv("GROUPS_FETCH_DEADLINE_SECONDS", "600")
    api = build_resources()["api"]
    # The UI shows a secret as its variable; the fetch reads the value.
    assert (
        isinstance(api.servicenow_password, EnvVar)
        and api.servicenow_password == "GROUPS_SERVICENOW_PASSWORD"
    )
    assert api.settings()["servicenow_password"] == PASSWORD and api.bounds().deadline_seconds == 600
    fetched = servicenow.fetch(api.settings(), tmp_path, DAY, bounds=replace(api.bounds(), attempts=1))
    assert [f.name for f in fetched] == ["sys_user_group", "sys_user_grmember", "sys_user"]


def fetch_command(args: list[str], env: dict[str, str], monkeypatch) -> int:
    """`groups-pipeline fetch ARGS` in this process, with `env` as the only GROUPS_ variables."""
    from groups_assets.cli.main import main

    for name in [k for k in os.environ if k.startswith("GROUPS_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        return main(["fetch", *args])
    finally:  # what main() sets for a process of its own
        signal.signal(signal.SIGTERM, sigterm)
        gc.unfreeze()


def test_a_run_and_the_code_location_never_import_dlt():
    """dlt is imported by a fetch only: loading the definitions and the CLI leave it out."""
    code = (
        "import sys, groups_assets.definitions as d, groups_assets.cli.main; d.defs(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dlt'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_command_line_exits_0_1_or_2(snow, zd, tmp_path, monkeypatch, capsys):
    env = {
        "GROUPS_SOURCE_ROOT": str(tmp_path),
        "GROUPS_SERVICENOW_URL": snow.url,
        "GROUPS_SERVICENOW_USER": "integration",
        "GROUPS_SERVICENOW_PASSWORD": PASSWORD,
        "GROUPS_ZENDESK_URL": zd.url,
        "GROUPS_ZENDESK_OAUTH_TOKEN": TOKEN,
    }
    assert fetch_command(["--day", DAY, "--format", "servicenow"], env, monkeypatch) == 0
    out = capsys.readouterr().out
    assert f"day {DAY}: fetched from servicenow into {tmp_path / f'sync-{DAY}'}" in out
    assert re.search(r"\n  sys_user_group +100 record\(s\) in 3 page\(s\)\n", out), out
    assert fetch_command(["--day", "z1", "--format", "zendesk"], env, monkeypatch) == 0
    assert re.search(
        r"\n  deleted_users +6 record\(s\) in 1 page\(s\) \(into users/\)\n", capsys.readouterr().out
    )

    # 1: the fetch failed.
    wrong = env | {"GROUPS_SERVICENOW_PASSWORD": f"x{PASSWORD}"}
    assert fetch_command(["--day", "d2", "--format", "servicenow"], wrong, monkeypatch) == 1
    said = capsys.readouterr()
    assert "HTTP 401" in said.err and "GROUPS_SERVICENOW_PASSWORD" in said.err
    assert PASSWORD not in said.err + said.out
    assert fetch_command(["--day", DAY, "--format", "servicenow"], env, monkeypatch) == 1
    assert "pass --force" in capsys.readouterr().err

    # 2: a bad argument or a missing setting, named.
    for args, changes, advice in (
        ([], {"GROUPS_SERVICENOW_URL": ""}, "GROUPS_SERVICENOW_URL is not set"),
        ([], {"GROUPS_SERVICENOW_PASSWORD": ""}, "GROUPS_SERVICENOW_USER and GROUPS_SERVICENOW_PASSWORD"),
        ([], {"GROUPS_FETCH_DEADLINE_SECONDS": "soon"}, "GROUPS_FETCH_DEADLINE_SECONDS='soon' is refused"),
        (["--format", "contract"], {}, "the contract format has no API to fetch from"),
        (["--format", "jira"], {}, "--format: source format 'jira' is not one of"),
        (["--day", "../d3"], {}, "day key '../d3' is not allowed"),
        (["--source-root", str(tmp_path / "nowhere")], {}, "is not a folder"),
    ):
        args = ["--day", "d3", "--format", "servicenow", *args]  # a later flag wins
        assert fetch_command(args, env | changes, monkeypatch) == 2, args
        assert advice in capsys.readouterr().err, args
    assert list_days(tmp_path) == [DAY, "z1"]


# The API tables of each system's stand-in, by the day's folder their records come from.
API_TABLES = {
    "servicenow": {
        "sys_user_group": "sys_user_group",
        "sys_user_grmember": "sys_user_grmember",
        "sys_user": "sys_user",
    },
    "zendesk": {"groups": "groups", "group_memberships": "group_memberships", "users": "users"},
}


def exported_records(folder) -> list[dict]:
    """The records of an export folder's files, whatever their shape: API pages (a list under a
    key), JSON arrays, or JSON Lines of records or of pages."""
    records = []
    for path in sorted(folder.glob("*.json")):
        text = path.read_text()
        try:
            values = [json.loads(text)]
        except ValueError:
            values = [json.loads(line) for line in text.splitlines() if line.strip()]
        for value in values:
            if isinstance(value, list):
                records += value
            elif pages := [v for v in value.values() if isinstance(v, list)]:
                records += pages[0]
            else:
                records.append(value)
    return records


@pytest.mark.slow  # two days through Spark, for each system
@pytest.mark.parametrize("system", ["servicenow", "zendesk"])
def test_a_day_fetched_then_loaded_gives_the_tables_of_its_export_loaded_directly(pipeline, tmp_path, system):
    """The same records, once as the system's export writes them (the generator's day in its
    shape) and once served by its API and fetched: the same tables after each."""
    from groups_assets.synthetic.days import write_days
    from groups_assets_tests.support import dump

    export = tmp_path / "export"
    shape = dict(groups=60, agents=20, avg_members=3, max_depth=4, malformed_ratio=0, seed=5)
    write_days(export, formats.get(system), days=1, **shape)
    tables = {
        api: exported_records(export / "sync-day1" / folder) for api, folder in API_TABLES[system].items()
    }
    if system == "servicenow":
        server = ServiceNow(tables, {basic("integration", PASSWORD)})
        settings = dict(
            servicenow_url=server.url, servicenow_user="integration", servicenow_password=PASSWORD
        )
    else:
        server = Zendesk(tables | {"deleted_users": []}, {basic("ops@example.com/token", TOKEN)})
        settings = {"zendesk_url": server.url, "zendesk_email": "ops@example.com", "zendesk_token": TOKEN}
    (export / "sync-day1").rename(export / f"sync-{today()}")  # the same day key on both sides
    with server:
        fetched = pipeline.run(today(), source_format=system, **settings)
    assert source_day_of(fetched)["fetched"] is True
    direct = pipeline.schema + "_direct"
    pipeline.run(today(), source_format=system, source_root=str(export), db_schema=direct)
    got, want = pipeline.dump(), dump(pipeline.url, direct)
    assert len(want["groups"]) == 60 and want["group_membership"]
    assert {t: rows for t, rows in got.items() if t != "rejects"} == {
        t: rows for t, rows in want.items() if t != "rejects"
    }


def today() -> str:
    from groups_assets.day.source import today

    return today()


def source_day_of(result) -> dict:
    (event,) = [
        e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == names.SOURCE_DAY
    ]
    return {k: v.value for k, v in event.event_specific_data.materialization.metadata.items()}


@pytest.mark.slow  # a day through Spark
def test_a_day_not_in_the_source_root_is_fetched_by_its_run_then_kept(pipeline, snow):
    """Materializing today's day of ServiceNow, which has no folder yet, fetches it (source_day)
    and loads it; materializing it again keeps the folder and asks the API nothing."""
    settings = dict(source_format="servicenow", servicenow_url=snow.url, servicenow_user="integration")
    result = pipeline.run(today(), servicenow_password=PASSWORD, **settings)
    fetched = source_day_of(result)
    assert fetched["fetched"] is True and fetched["folder"] == str(pipeline.root / f"sync-{today()}")
    assert fetched["sys_user_group_records"] == len(snow.tables["sys_user_group"])
    assert len(pipeline.groups()) == len(snow.tables["sys_user_group"])
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == names.RECORDS_ACCOUNTED]
    assert check.passed
    asked = len(snow.requests)
    again = pipeline.run(today(), servicenow_password=f"x{PASSWORD}", **settings)  # not asked
    assert source_day_of(again)["fetched"] is False and len(snow.requests) == asked


def test_a_fetch_that_fails_in_a_run_fails_it_in_plain_words_and_materializes_nothing(pipeline, snow):
    settings = dict(source_format="servicenow", servicenow_url=snow.url, servicenow_user="integration")
    result = pipeline.run(today(), expect_success=False, servicenow_password=f"x{PASSWORD}", **settings)
    (failure_event,) = [e for e in result.all_events if e.is_step_failure]
    error = failure_event.step_failure_data.error
    assert f"day {today()}: ServiceNow sys_user_group, page 1" in error.message
    assert "HTTP 401" in error.message and "GROUPS_SERVICENOW_PASSWORD" in error.message
    assert PASSWORD not in error.message and not error.stack
    assert result.get_asset_materialization_events() == [] and list_days(pipeline.root) == []


def test_a_past_day_missing_from_the_root_is_not_fetched_by_a_run(pipeline, snow):
    """The API answers with its state now: a run of an earlier day that is not there fails and
    says so, and asks the API nothing."""
    settings = dict(source_format="servicenow", servicenow_url=snow.url, servicenow_user="integration")
    result = pipeline.run(DAY, expect_success=False, servicenow_password=PASSWORD, **settings)
    (failure_event,) = [e for e in result.all_events if e.is_step_failure]
    message = failure_event.step_failure_data.error.message
    assert f"no sync-{DAY}/ under {pipeline.root}" in message and "only today's day" in message
    assert f"groups-pipeline fetch --day {DAY}" in message
    assert snow.requests == [] and list_days(pipeline.root) == []


def test_the_daily_schedule_adds_today_and_runs_it_and_is_off_until_turned_on(tmp_path):
    from datetime import UTC, datetime

    from dagster import DagsterInstance, DefaultScheduleStatus, RunRequest, SkipReason, build_schedule_context

    from groups_assets.defs.schedules.daily_fetch import daily_fetch
    from groups_assets.partitions import sync_days
    from groups_assets.resources.source import SourceResource
    from groups_assets_tests.support import load_defs

    assert load_defs().resolve_schedule_def(names.DAILY_FETCH).default_status == DefaultScheduleStatus.STOPPED
    (tmp_path / "home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "home")) as instance:
        at = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
        source = SourceResource(root=str(tmp_path), format="zendesk")
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=at, resources={"source": source}
        )
        request = daily_fetch(context)
        assert isinstance(request, RunRequest) and request.partition_key == "2026-12-07"
        assert request.run_key == "2026-12-07"
        assert instance.get_dynamic_partitions(sync_days.name) == ["2026-12-07"]
        source = SourceResource(root=str(tmp_path), format="contract")
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=at, resources={"source": source}
        )
        skipped = daily_fetch(context)
        assert isinstance(skipped, SkipReason) and "no API" in skipped.skip_message


@pytest.mark.slow  # a day through Spark
def test_the_daily_schedules_run_fetches_and_loads_today(pipeline, zd):
    """The schedule's request, run as the daemon runs it (sync_day_job, its partition and tags):
    today's day is fetched from Zendesk and loaded."""
    from datetime import UTC, datetime

    from dagster import DagsterInstance, build_schedule_context

    from groups_assets.defs.schedules.daily_fetch import daily_fetch
    from groups_assets.partitions import sync_days
    from groups_assets.resources.source import SourceResource
    from groups_assets_tests.support import load_defs

    source = SourceResource(root=str(pipeline.root), format="zendesk")
    (pipeline.root.parent / "scheduler").mkdir()
    with DagsterInstance.local_temp(str(pipeline.root.parent / "scheduler")) as scheduler:
        at = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
        context = build_schedule_context(
            instance=scheduler, scheduled_execution_time=at, resources={"source": source}
        )
        request = daily_fetch(context)
    pipeline.instance.add_dynamic_partitions(sync_days.name, [request.partition_key])
    settings = {"zendesk_url": zd.url, "zendesk_email": "ops@example.com", "zendesk_token": TOKEN}
    result = (
        load_defs()
        .resolve_job_def(names.SYNC_DAY_JOB)
        .execute_in_process(
            partition_key=request.partition_key,
            tags=request.tags,
            instance=pipeline.instance,
            resources=pipeline.resources(source_format="zendesk", **settings),
        )
    )
    assert result.success
    assert source_day_of(result)["fetched"] is True
    assert request.partition_key == today() and (pipeline.root / f"sync-{today()}" / "_SUCCESS").exists()
    assert len(pipeline.groups()) == len(zd.tables["groups"])
