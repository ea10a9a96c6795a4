"""The interface a source format implements: the tables a day holds, and how each record maps to
the canonical records of CONTRACT.md section 2 (a group, an agent, or, for a system that keeps
them in a table of their own, a membership).

A system's package (formats/<system>/) defines one `FORMAT`. Its tables say, as Spark SQL over
the record's own fields, what each canonical field is: whether it is there (`Field.present`) and
its typed value, NULL when it is there but breaks its rule (`Field.value`). The core
(contract/validation.py) applies the contract's rules to those canonical fields, in the
contract's order, and everything after (staging, the day's transaction, the checks) sees only
canonical records. A format also says how to write a synthetic day in its shape (`write_day`,
for the generator, the warm-up and the tests), and, for a system with an API, how to fetch a day
from it (`fetch`). So a new system is one new package and one line in the registry
(formats/__init__.py), and nothing else changes.

SQL helpers below read a source field `x` through the columns the core extracts for it:
`r_x` (its value as a VARIANT, NULL when absent) and `r_x_t` (its JSON type, as
`schema_of_variant` names it: BIGINT, STRING, BOOLEAN, VOID for null, OBJECT<...>, ...).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from groups_assets.contract.rules import q

GROUPS, AGENTS, MEMBERS = "groups", "agents", "members"

# The canonical fields of each kind of table. Keys are typed by the format: a BIGINT id for
# `keys="id"` formats, a STRING for `keys="text"`.
CANONICAL = {
    GROUPS: ("key", "name", "parent", "created_at", "updated_at", "deleted", "agent_ids"),
    AGENTS: ("key", "name", "email", "active", "updated_at", "is_agent"),
    MEMBERS: ("group", "user"),
}


@dataclass(frozen=True)
class Field:
    """A canonical field as SQL: `present` is true when the record has it (not absent, not
    null; for a reference, not empty either), `value` is its typed value (NULL when present but
    breaking its rule). Timestamps are text (the contract's rule parses them); agent_ids an
    array<bigint>; name and email of an agent, free text."""

    present: str = "false"
    value: str = "CAST(NULL AS STRING)"


@dataclass(frozen=True)
class Table:
    """One source table of a day: a folder of `*.json` files and how its records map."""

    folder: str
    kind: str  # GROUPS, AGENTS or MEMBERS
    reads: tuple[str, ...]  # the record's top-level fields the SQL below reads (r_<name>, r_<name>_t)
    fields: dict[str, Field]  # canonical name -> Field; a canonical field not given is absent
    reasons: tuple[str, ...]  # the reject codes of CONTRACT.md, in order
    derived: dict[str, str] = field(default_factory=dict)  # columns computed first, for `fields`
    rules: dict[str, str] = field(default_factory=dict)  # reasons of the format's own (SQL: broken)
    # Keys of a whole-file JSON object whose array holds the records (an API page, an export).
    pages: tuple[str, ...] = ()
    # A field some writers wrap each record in (Airbyte's `_airbyte_data`): read inside it.
    wrapper: str = ""
    # SQL, true for a record that belongs to another table of the format (a folder holding the
    # wrong export): such a day fails before anything is written.
    foreign: str = "false"
    foreign_hint: str = ""  # what a foreign record looks like, for the error message
    # The folder's files -> an error message when the export is incomplete (a missing page).
    complete: Callable[[list[Path]], str | None] | None = None

    @property
    def required(self) -> bool:
        """The groups folder is required; the others may be absent (no change that day)."""
        return self.kind == GROUPS


@dataclass(frozen=True)
class Format:
    """A source format: its name (GROUPS_SOURCE_FORMAT), its tables (groups first) and how it
    keys its records."""

    name: str
    tables: tuple[Table, ...]
    keys: str  # "id": the record's id is the BIGINT id; "text": the pipeline assigns ids to keys
    by_day: bool  # True: the order of days decides between days (CONTRACT.md 7, Snapshots)
    description: str = ""
    # Writes one synthetic day in this format: (a day folder of the generator's, without
    # malformed records; the day folder to write; the share of malformed records to add; a
    # random source) -> {"records": per table, "malformed": per table and reason}. None: the
    # generator writes this layout itself (the contract's).
    write_day: Callable[[Path, Path, float, random.Random], dict] | None = None
    # Writes one day from the system's API (groups-pipeline fetch): (the API resource's fields,
    # the source root, the day; force=, bounds=) -> what each API table gave (fetching/).
    # None: the format has no API to fetch from.
    fetch: Callable[..., list] | None = None

    @property
    def folders(self) -> tuple[str, ...]:
        return tuple(t.folder for t in self.tables)

    def table(self, kind: str) -> Table | None:
        return next((t for t in self.tables if t.kind == kind), None)


# --- SQL over the extracted fields -------------------------------------------------------------


def col(name: str) -> str:
    return f"r_{name}"


def kind_of(name: str) -> str:
    return f"r_{name}_t"


def missing(name: str) -> str:
    """Absent or JSON null."""
    return f"({col(name)} IS NULL OR {kind_of(name)} = 'VOID')"


def present(name: str) -> str:
    return f"NOT {missing(name)}"


def string(name: str) -> str:
    """The field as a string when it is a JSON string; NULL otherwise."""
    return f"(CASE WHEN {kind_of(name)} = 'STRING' THEN try_variant_get({col(name)}, '$', 'string') END)"


def boolean(name: str) -> str:
    """The field as a boolean when it is a JSON boolean; NULL otherwise."""
    return f"(CASE WHEN {kind_of(name)} = 'BOOLEAN' THEN try_variant_get({col(name)}, '$', 'boolean') END)"


def free_text(name: str) -> str:
    """An optional free-text field: the string, a non-string as its JSON text, NUL replaced
    (PostgreSQL text cannot hold it)."""
    text = f"CASE WHEN {missing(name)} THEN NULL ELSE coalesce({string(name)}, to_json({col(name)})) END"
    return f"replace({text}, {q(chr(0))}, {q(chr(0xFFFD))})"


_DIGITS_RE = r"^[0-9]+\z"  # \z, not $: in Java's regex $ also matches before a final line break


def id_of(value: str, kind: str) -> str:
    """The id rule of CONTRACT.md 2 over a VARIANT and its type: a JSON integer or a string of
    decimal digits, 1 <= id <= 2^63-1, as BIGINT; NULL otherwise."""
    text = f"try_variant_get({value}, '$', 'string')"
    # Leading zeros off, then try_cast: more than 19 significant digits is NULL (out of range).
    from_text = (
        f"CASE WHEN {text} RLIKE {q(_DIGITS_RE)} "
        f"THEN try_cast(regexp_replace({text}, '^0+(?=.)', '') AS BIGINT) END"
    )
    ident = (
        f"CASE {kind} WHEN 'BIGINT' THEN try_variant_get({value}, '$', 'bigint') "
        f"WHEN 'STRING' THEN {from_text} END"
    )
    return f"nullif(greatest({ident}, 0), 0)"


def id_field(name: str) -> Field:
    """A field under the id rule."""
    return Field(present(name), id_of(col(name), kind_of(name)))


def element_id(value: str) -> str:
    """id_of for an array element (inside a higher-order function)."""
    return id_of(value, f"schema_of_variant({value})")


def matching(text: str, pattern: str) -> str:
    """`text` when it matches the regular expression `pattern` (anchored by the caller); NULL
    otherwise."""
    return f"(CASE WHEN {text} RLIKE {q(pattern)} THEN {text} END)"
