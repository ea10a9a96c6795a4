"""`groups-pipeline generate`: its arguments, and the summary it prints (the days are written by
synthetic/)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from groups_assets.formats import FORMATS, get
from groups_assets.synthetic.days import write_days
from groups_assets.synthetic.generator import BadArguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `groups-pipeline generate`."""
    parser.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="folder to write sync-day*/ into"
    )
    parser.add_argument("--days", type=int, default=2, metavar="N", help="number of sync days (default 2)")
    parser.add_argument("--groups", type=int, default=10_000, metavar="G", help="groups (default 10000)")
    parser.add_argument("--agents", type=int, default=2_000, metavar="A", help="agents (default 2000)")
    parser.add_argument(
        "--avg-members", type=float, default=5.0, metavar="M", help="mean agent_ids per group (default 5)"
    )
    parser.add_argument(
        "--max-depth",
        type=int,
        default=12,
        metavar="D",
        help="deepest hierarchy level; one chain has exactly min(D, G) groups (default 12)",
    )
    parser.add_argument(
        "--malformed-ratio",
        type=float,
        default=0.01,
        metavar="R",
        help="share of records that are malformed (default 0.01)",
    )
    parser.add_argument(
        "--change-ratio",
        type=float,
        default=0.1,
        metavar="C",
        help="share of groups (and agents) that change each later day (default 0.1)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument(
        "--files-per-day", type=int, default=4, metavar="F", help="files per folder and day (default 4)"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="contract",
        help="the layout and file shapes to write: this project's (default), or ServiceNow's or "
        "Zendesk's export of the same days",
    )


def command(args: argparse.Namespace) -> int:
    """`groups-pipeline generate`: write the days and print a summary; 2 on bad arguments."""
    started = time.monotonic()
    try:
        figures = write_days(
            args.out,
            get(args.format),
            days=args.days,
            groups=args.groups,
            agents=args.agents,
            avg_members=args.avg_members,
            max_depth=args.max_depth,
            malformed_ratio=args.malformed_ratio,
            change_ratio=args.change_ratio,
            seed=args.seed,
            files_per_day=args.files_per_day,
        )
    except BadArguments as err:
        print(f"groups-pipeline generate: {err}", file=sys.stderr)
        return 2
    if "exported" in figures:
        per_day = "; ".join(
            f"{d['day']}: "
            + ", ".join(f"{n} {table}" for table, n in d["records"].items())
            + f" ({sum(sum(r.values()) for r in d['malformed'].values())} malformed)"
            for d in figures["exported"]
        )
    else:
        per_day = "; ".join(
            f"{d['day']}: {d['group_records'] + d['group_malformed']} group records "
            f"({d['group_malformed']} malformed, {d['changed_groups']} changed, {d['stale_records']} stale), "
            f"{d['agent_records'] + d['agent_malformed']} agent records ({d['agent_malformed']} malformed), "
            f"{d['memberships']} memberships expected"
            for d in figures["days"]
        )
    seconds = time.monotonic() - started
    size = sum(p.stat().st_size for p in Path(args.out).glob("sync-*/*/*.json"))
    print(
        f"Wrote {len(figures['days'])} sync day(s) in the {args.format} format to {args.out} in "
        f"{seconds:.1f} s ({size / 1e6:.1f} MB, seed {args.seed}): "
        f"{figures['groups']} groups, day-1 depth up to {figures['max_depth']} "
        f"(chains of {', '.join(map(str, figures['chain_lengths']))}), {figures['agents']} agents. {per_day}."
    )
    return 0
