"""What the tables hold of a day's records, read back after the day's writes: the evidence of the
records_accounted check (quality/records.py).

The day's own statements say how many rows they wrote; this reads the tables instead. A staged
record is held when its row has the record's version or a newer one; a membership the day sets
is held when its pair is stored, and a group whose membership the day sets holds no pair the day
does not list. Memberships are first compared as two sums (a count and a sum of a hash of each
pair), one pass over each side; only when those differ are they compared pair by pair, to name
the pairs. It runs inside the day's transaction, after its last write and before the commit:
the day's lock is still held, so no other day's writes are mixed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from groups_assets.warehouse.statements import statement

SAMPLE_ROWS = 10


@dataclass(frozen=True)
class Held:
    """One kind of the day's records against the tables: how many were staged, how many the tables
    do not hold (with a sample), and for agents the users skipped (not agents, not stored), for
    memberships the pairs stored that the day does not list and the groups whose membership is not
    the day's."""

    staged: int
    missing: int
    sample: list[dict] = field(default_factory=list)
    skipped: int = 0
    left_over: int = 0
    groups_affected: int = 0


@dataclass(frozen=True)
class Reconciliation:
    groups: Held
    agents: Held
    members: Held | None  # None: the day sets no membership from a membership table of its own
    listed_members: Held | None  # the contract format: memberships listed in the group records


def reconcile(
    conn: psycopg.Connection, names: dict[str, str], params: dict, member_rows: bool, listed: bool
) -> Reconciliation:
    """Read the tables back against the staged day. `member_rows`: the day holds a membership
    table's rows; `listed`: its group records list their members (the contract format)."""

    def run(name: str) -> psycopg.Cursor:
        return conn.execute(statement(f"checks/{name}", **names), params | {"sample": SAMPLE_ROWS})

    def one(name: str) -> tuple:
        return run(name).fetchone()

    staged, missing, sample = one("records_groups")
    groups = Held(staged, missing, sample)
    staged, skipped, missing, sample = one("records_agents")
    agents = Held(staged, missing, sample, skipped=skipped)
    members = listed_members = None
    if member_rows:
        run("records_set_groups_rows")
        run("records_set_groups_analyze")
        staged, equal = one("records_member_rows_sums")
        if equal:
            members = Held(staged, 0)
        else:
            staged, missing, left_over, sample = one("records_member_rows")
            members = Held(staged, missing, sample, left_over=left_over)
    if listed:
        run("records_set_groups_listed")
        run("records_set_groups_analyze")
        (equal,) = one("records_listed_members_sums")
        if equal:
            listed_members = Held(0, 0)
        else:
            missing, left_over, affected, sample = one("records_listed_members")
            listed_members = Held(0, missing, sample, left_over=left_over, groups_affected=affected)
    return Reconciliation(groups, agents, members, listed_members)
