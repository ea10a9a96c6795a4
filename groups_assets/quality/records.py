"""The step's checks on the day's records: malformed records per reason, and every record read
accounted for in the tables.

Their evidence comes from the one Spark pass that stages each table (counts.DayCounts), from the
staging tables' rejects, and from what the day's transaction read back from the tables before it
committed (warehouse/reconcile.py); nothing is read from the source files again. They name the
format's own folders (`sys_user_grmember: 88 malformed record(s)`).
"""

from __future__ import annotations

from collections import Counter

from groups_assets import names
from groups_assets.contract.format import AGENTS, GROUPS, MEMBERS, Format, Table
from groups_assets.counts import DayCounts
from groups_assets.quality.evidence import markdown_table
from groups_assets.quality.verdict import Verdict
from groups_assets.warehouse.reconcile import Held
from groups_assets.warehouse.transaction import Applied


def malformed(table: Table, counts: DayCounts, sample: list[dict], unknown_group: int = 0) -> Verdict:
    """The malformed-records check of one table: the pass's rejects per reason (and, for a
    membership table, the rows the day's transaction rejected as unknown_group), with a sample
    of the rejects."""
    rejected = counts.rejected(table.folder) + Counter({"unknown_group": unknown_group})
    total = sum(rejected.values())
    return Verdict(
        check=names.MALFORMED[table.kind],
        asset=names.VALIDATED[table.kind],
        passed=total == 0,
        description=f"{total} malformed {table.folder} record(s)"
        if total
        else f"no malformed {table.folder} record",
        metadata={
            "folder": table.folder,
            "rejected": total,
            **{reason: rejected.get(reason, 0) for reason in table.reasons},
            "sample": markdown_table(sample),
        },
    )


def no_members() -> Verdict:
    """The membership check of a format without a membership table (the contract's)."""
    return Verdict(
        check=names.MALFORMED[MEMBERS],
        asset=names.VALIDATED[MEMBERS],
        passed=True,
        description="no membership table in this format: members come with the group records",
        metadata={"rejected": 0},
    )


def _held(table: Table, applied: Applied) -> tuple[Held, int]:
    """What the tables hold of one table's records, and how many of its records are not held."""
    held = applied.held
    if table.kind == GROUPS:
        listed = held.listed_members  # the contract format: a record whose membership is not its own
        return held.groups, held.groups.missing + (listed.groups_affected if listed else 0)
    if table.kind == AGENTS:
        return held.agents, held.agents.missing
    found = held.members or Held(staged=0, missing=0)  # no membership folder that day: nothing staged
    return found, found.missing


def records_accounted(fmt: Format, counts: DayCounts, applied: Applied) -> Verdict:
    """Folder by folder: read (counted by Spark) = loaded (staged records the tables hold after
    the day: their row has the record's version or a newer one, and the memberships they set
    are stored) + rejected (the day's rows in `rejects`) + skipped (users that are not agents).
    A membership the day removed that is still stored fails it too."""
    metadata: dict[str, int | str] = {}
    problems: list[str] = []
    sample: list[dict] = []
    for table in fmt.tables:
        folder = table.folder
        held, missing = _held(table, applied)
        read, skipped = counts.read(folder), held.skipped
        loaded = held.staged - skipped - missing
        rejected = sum(n for (source, _), n in applied.rejected.items() if source == folder)
        metadata |= {f"{folder}_read": read, f"{folder}_loaded": loaded, f"{folder}_rejected": rejected}
        if skipped:
            metadata[f"{folder}_skipped"] = skipped
        metadata[f"{folder}_not_in_tables"] = missing
        if read != loaded + rejected + skipped or missing:
            said = f"{folder}: read {read}, loaded {loaded}, rejected {rejected}" + (
                f", skipped {skipped}" if skipped else ""
            )
            if missing:
                said += f"; {missing} valid record(s) not in the tables"
            problems.append(said)
        sample += [{"folder": folder, **row} for row in held.sample]
    members = applied.held.members or applied.held.listed_members
    if members is not None:
        metadata["memberships_left_over"] = members.left_over
        if members.left_over:
            problems.append(f"group_membership keeps {members.left_over} pair(s) the day removed")
        if applied.held.listed_members is not None:
            sample += [{"folder": fmt.table(GROUPS).folder, **row} for row in members.sample]
    skipped = " + skipped" if any(k.endswith("_skipped") for k in metadata) else ""
    if problems:
        metadata["sample"] = markdown_table(sample[:10])
    return Verdict(
        check=names.RECORDS_ACCOUNTED,
        asset=names.TABLE[GROUPS],
        passed=not problems,
        description=("records unaccounted for: " + "; ".join(problems))
        if problems
        else f"read = loaded + rejected{skipped}, and the tables hold what was loaded",
        metadata=metadata,
    )
