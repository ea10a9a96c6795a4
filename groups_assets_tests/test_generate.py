"""The synthetic data generator: layout, determinism, and data that follows CONTRACT.md sections 1-2
(checked with the tests' one oracle of the rules; no Spark, no database)."""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from groups_assets.cli.generate import add_arguments, command
from groups_assets.synthetic.generator import generate
from groups_assets_tests.oracle import id_of as ident
from groups_assets_tests.oracle import instant, loadable


def load(folder: Path, kind: str) -> tuple[dict[int, dict], Counter]:
    return loadable(folder, "admin_groups" if kind == "group" else "agents")


SIZE = {"groups": 3000, "agents": 600, "avg_members": 5.0, "max_depth": 9}
RATIOS = {"malformed_ratio": 0.04, "change_ratio": 0.1}
DAYS = 3


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("gen") / "a"
    return out, generate(out, days=DAYS, seed=7, **SIZE, **RATIOS)


# -- tests ---------------------------------------------------------------------------------------------


def test_layout(data):
    out, figures = data
    assert sorted(p.name for p in out.iterdir()) == [f"sync-day{d}" for d in range(1, DAYS + 1)]
    for day in range(1, DAYS + 1):
        folder = out / f"sync-day{day}"
        assert (folder / "_SUCCESS").read_bytes() == b""
        for sub in ("admin_groups", "agents"):
            files = sorted((folder / sub).glob("*.json"))
            assert len(files) == 4
            starts = [f.read_bytes().removeprefix(b"\xef\xbb\xbf")[:1] for f in files]
            assert starts.count(b"[") == 1, starts  # one JSON array file, the rest JSON Lines
    sizes = [len(list((out / f"sync-day{d}" / "admin_groups").glob("*.json"))) for d in range(1, DAYS + 1)]
    assert sizes == [4] * DAYS
    assert [d["day"] for d in figures["days"]] == [f"day{d}" for d in range(1, DAYS + 1)]


def test_records_follow_the_contract_and_match_the_figures(data):
    out, figures = data
    for day, fig in enumerate(figures["days"], start=1):
        groups, group_rejects = load(out / f"sync-day{day}" / "admin_groups", "group")
        agents, agent_rejects = load(out / f"sync-day{day}" / "agents", "agent")
        assert len(groups) == fig["group_records"] == SIZE["groups"]  # a full export every day
        assert dict(group_rejects) == fig["group_reasons"]
        assert sum(group_rejects.values()) == fig["group_malformed"]
        assert len(agents) == fig["agent_records"]
        assert dict(agent_rejects) == fig["agent_reasons"]
        for rec in groups.values():
            assert {"group_id", "name", "created_at", "updated_at"} <= rec.keys()
        for rec in agents.values():
            assert {"agent_id", "active"} <= rec.keys()
    day1 = figures["days"][0]
    assert day1["agent_records"] == SIZE["agents"]
    assert (
        0.8
        < sum(a["active"] for a in load(out / "sync-day1" / "agents", "agent")[0].values()) / SIZE["agents"]
        < 0.9
    )


def test_malformed_share_and_spread(data):
    _, figures = data
    bad = sum(d["group_malformed"] + d["agent_malformed"] for d in figures["days"])
    total = bad + sum(d["group_records"] + d["agent_records"] for d in figures["days"])
    assert abs(bad / total - RATIOS["malformed_ratio"]) < 0.01
    seen = Counter()
    for d in figures["days"]:
        seen.update(d["group_reasons"])
    assert len(seen) == 12  # every group reject reason shows up


def test_depth_bound_and_deep_chain(data):
    out, figures = data
    groups, _ = load(out / "sync-day1" / "admin_groups", "group")
    parent = {gid: ident(rec.get("parent_group_id")) for gid, rec in groups.items()}
    depth: dict[int, int] = {}
    for start in parent:
        path, node = [], start
        while node in parent and node not in depth:
            path.append(node)
            node = parent[node]
            assert len(path) <= len(parent), "a cycle on day 1"
        base = depth.get(node, 0)  # an orphan parent or no parent ends the walk
        for k, member in enumerate(reversed(path), start=1):
            depth[member] = base + k
    assert max(depth.values()) == SIZE["max_depth"] == figures["max_depth"]
    roots = sum(1 for p in parent.values() if p not in parent)
    assert roots > SIZE["groups"] * 0.02  # a forest with many roots
    assert any(p is not None and p not in parent for p in parent.values())  # an orphan parent


def test_memberships_near_groups_times_avg_members(data):
    out, figures = data
    groups, _ = load(out / "sync-day1" / "admin_groups", "group")
    pairs = sum(len({ident(a) for a in rec.get("agent_ids") or []}) for rec in groups.values())
    assert pairs == figures["days"][0]["memberships"]
    assert abs(pairs / (SIZE["groups"] * SIZE["avg_members"]) - 1) < 0.2
    agents = set(load(out / "sync-day1" / "agents", "agent")[0])
    members = {ident(a) for rec in groups.values() for a in rec.get("agent_ids") or []}
    assert 0 < len(members - agents) < 0.05 * len(members)  # a few orphan agent ids


def test_membership_figures_follow_applying_the_days_in_order(data):
    """Contract section 4: a record replaces the stored one unless that one is newer (stale records are
    ignored), and then the group's membership becomes exactly its agent_ids."""
    out, figures = data
    stored: dict[int, tuple[datetime, set]] = {}
    for day, fig in enumerate(figures["days"], start=1):
        groups, _ = load(out / f"sync-day{day}" / "admin_groups", "group")
        for gid, rec in groups.items():
            stamp = instant(rec["updated_at"])
            if gid not in stored or stamp >= stored[gid][0]:
                stored[gid] = (stamp, {ident(a) for a in rec.get("agent_ids") or []})
        assert sum(len(members) for _, members in stored.values()) == fig["memberships"]


def test_later_days_change_about_the_change_ratio(data):
    out, figures = data
    day1, _ = load(out / "sync-day1" / "admin_groups", "group")
    day2, _ = load(out / "sync-day2" / "admin_groups", "group")
    assert day1.keys() == day2.keys()
    changed = [gid for gid in day1 if day1[gid] != day2[gid]]
    assert abs(len(changed) / len(day1) - RATIOS["change_ratio"]) < 0.03
    assert len(changed) == figures["days"][1]["changed_groups"]
    older = [g for g in changed if instant(day2[g]["updated_at"]) < instant(day1[g]["updated_at"])]
    newer = [g for g in changed if instant(day2[g]["updated_at"]) > instant(day1[g]["updated_at"])]
    assert len(older) == figures["days"][1]["stale_records"] > 0
    assert len(older) + len(newer) == len(changed)
    last, _ = load(out / f"sync-day{DAYS}" / "admin_groups", "group")
    deleted = sum(rec.get("deleted") is True for rec in last.values())
    assert deleted == figures["days"][-1]["deleted_groups"] > 0  # deleted groups stay in the export
    unchanged = [g for g in day1 if g not in changed]
    assert all(day1[g]["updated_at"] == day2[g]["updated_at"] for g in unchanged)
    agents2, _ = load(out / "sync-day2" / "agents", "agent")
    assert abs(len(agents2) / SIZE["agents"] - RATIOS["change_ratio"]) < 0.05  # only changed agents


def test_same_seed_same_bytes_other_seed_other_bytes(data, tmp_path):
    out, _ = data
    again, other = tmp_path / "again", tmp_path / "other"
    generate(again, days=DAYS, seed=7, **SIZE, **RATIOS)
    generate(other, days=DAYS, seed=8, **SIZE, **RATIOS)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((out / f).read_bytes() == (again / f).read_bytes() for f in files)
    assert any((out / f).read_bytes() != (other / f).read_bytes() for f in files if f.suffix == ".json")


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return command(parser.parse_args(list(argv)))


def test_command_writes_and_summarizes(tmp_path, capsys):
    assert run("--out", str(tmp_path / "o"), "--groups", "50", "--agents", "10", "--days", "1") == 0
    assert "50 groups" in capsys.readouterr().out
    assert (tmp_path / "o" / "sync-day1" / "_SUCCESS").exists()
    # One file per folder: JSON Lines only.
    assert run("--out", str(tmp_path / "p"), "--groups", "20", "--files-per-day", "1", "--days", "1") == 0
    assert len(list((tmp_path / "p" / "sync-day1" / "admin_groups").iterdir())) == 1


@pytest.mark.parametrize(
    "extra",
    [
        ["--groups", "-1"],
        ["--agents", "-5"],
        ["--days", "0"],
        ["--max-depth", "0"],
        ["--avg-members", "-1"],
        ["--malformed-ratio", "1.5"],
        ["--change-ratio", "-0.1"],
        ["--files-per-day", "0"],
    ],
)
def test_bad_arguments_return_2(tmp_path, capsys, extra):
    assert run("--out", str(tmp_path / "o"), *extra) == 2
    assert "groups-pipeline generate:" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_refuses_a_folder_that_holds_sync_days(tmp_path, capsys):
    (tmp_path / "sync-day1").mkdir()
    assert run("--out", str(tmp_path), "--groups", "10") == 2
    assert "sync-day1" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [tmp_path / "sync-day1"]
