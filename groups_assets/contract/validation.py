"""Apply the contract's record rules to a day's records of one table: each record gets its
canonical fields or exactly one reject reason (CONTRACT.md sections 2 and 7).

The format's table says what each canonical field is (contract/format.py); the rules here are the
contract's, the same for every format. Fields are extracted once into plain columns (value and
JSON type), then the canonical fields and the rules are small SQL expressions over those
columns: that keeps Spark's plans small and fast to build.
"""

from __future__ import annotations

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from groups_assets.contract.format import AGENTS, CANONICAL, GROUPS, MEMBERS, Field, Format, Table
from groups_assets.contract.reader import raw_text
from groups_assets.contract.reasons import DECIDED_LATER
from groups_assets.contract.rules import add, first_reason, q, resolve_duplicates, with_timestamp_micros

_BLANK_RE = r"(?U)^\s*\z"  # not empty after trimming (Unicode White_Space)

# The output columns of each kind of table (the staging reads them; valid records only).
GROUP_FIELDS = [
    "group_id",
    "group_key",
    "name",
    "parent_group_id",
    "parent_key",
    "created_micros",
    "updated_micros",
    "agent_ids",
    "deleted",
]
AGENT_FIELDS = ["agent_id", "agent_key", "name", "email", "active", "updated_micros", "is_agent"]
MEMBER_FIELDS = ["group_id", "group_key", "agent_id", "agent_key", "in_day"]

# The rules of each kind, over the canonical columns (c_<field> its value, h_<field> whether
# the record has it): SQL that is true when the record breaks the rule.
_COMMON = {"invalid_json": "NOT parsed", "not_an_object": "_fields IS NULL"}
_RULES = {
    GROUPS: _COMMON
    | {
        "missing_group_id": "NOT h_key",
        "invalid_group_id": "c_key IS NULL",
        "missing_name": f"NOT h_name OR coalesce(c_name RLIKE {q(_BLANK_RE)}, false)",
        "invalid_name": f"c_name IS NULL OR instr(c_name, {q(chr(0))}) > 0",
        "invalid_timestamp": "created_micros IS NULL OR updated_micros IS NULL",
        "invalid_parent_group_id": "h_parent AND c_parent IS NULL",
        "self_parent": "coalesce(c_parent = c_key, false)",
        "invalid_agent_ids": "h_agent_ids AND c_agent_ids IS NULL",
        "invalid_deleted": "h_deleted AND c_deleted IS NULL",
    },
    AGENTS: _COMMON
    | {
        "missing_agent_id": "NOT h_key",
        "invalid_agent_id": "c_key IS NULL",
        "invalid_active": "c_active IS NULL",
        "invalid_timestamp": "h_updated_at AND updated_micros IS NULL",
    },
    MEMBERS: _COMMON
    | {
        "missing_group": "NOT h_group",
        "missing_user": "NOT h_user",
        "invalid_group": "c_group IS NULL",
        "invalid_user": "c_user IS NULL",
    },
}


def _defaults(fmt: Format) -> dict[str, str]:
    """The value of a canonical field a table does not give, typed as the field is."""
    key = "CAST(NULL AS BIGINT)" if fmt.keys == "id" else "CAST(NULL AS STRING)"
    return {
        "parent": key,
        "agent_ids": "CAST(NULL AS array<bigint>)",
        "deleted": "CAST(NULL AS BOOLEAN)",
        "is_agent": "true",
    }


def _extract(records: DataFrame, fields: tuple[str, ...], wrapper: str) -> DataFrame:
    """The record's `fields` as columns `r_<name>` (VARIANT, NULL when absent) and `r_<name>_t`
    (its JSON type), and `_fields`, NULL when the record is not a JSON object. With a
    `wrapper`, a record that has that field is read inside it.

    One cast of the record to a struct of VARIANTs finds every field in one walk over the
    object (names match case-sensitively, as a path does). Not a path lookup per field
    (`$.name`): Spark's lookup of an absent field throws and catches an exception, and most
    records omit some optional field."""
    struct = ", ".join(f"`{name}`: variant" for name in fields)
    doc = (
        f"coalesce(try_variant_get(doc, '$', 'struct<`{wrapper}`: variant>').`{wrapper}`, doc)"
        if wrapper
        else "doc"
    )
    fields_expr = f"try_variant_get({doc}, '$', 'struct<{struct}>') AS _fields"
    # `element`: the parsed record whose text is not kept (an array's or a page's), for raw_text.
    element = "CASE WHEN raw IS NULL THEN doc END AS element"
    kept = records.selectExpr("source_file", "record_no", "raw", element, "parsed", fields_expr)
    columns = {}
    for name in fields:
        columns[f"r_{name}"] = f"_fields.`{name}`"
        columns[f"r_{name}_t"] = f"schema_of_variant(_fields.`{name}`)"
    return add(kept, columns)


def _canonical(table: Table, fmt: Format, records: DataFrame) -> DataFrame:
    x = _extract(records, table.reads, table.wrapper)
    if table.derived:
        x = add(x, table.derived)
    defaults = _defaults(fmt)
    columns = {}
    for name in CANONICAL[table.kind]:
        found = table.fields.get(name, Field(value=defaults.get(name, Field().value)))
        columns[f"h_{name}"] = f"coalesce({found.present}, false)"
        columns[f"c_{name}"] = found.value
    return add(x, columns)


def _reason(table: Table) -> str:
    unknown = set(table.rules) - set(table.reasons)
    if unknown:
        raise ValueError(f"{table.folder}: rules {sorted(unknown)} have no place in its reasons")
    rules = _RULES[table.kind]
    ordered = {r: table.rules.get(r) or rules[r] for r in table.reasons if r not in DECIDED_LATER}
    return first_reason(table.reasons, ordered)


def _keys(fmt: Format, value: str, id_name: str, key_name: str) -> list[str]:
    """A canonical key as its id column and its key column: the id for `keys="id"` formats,
    the text key (an id assigned in the day's transaction) for `keys="text"`."""
    if fmt.keys == "id":
        return [f"{value} AS {id_name}", f"CAST(NULL AS STRING) AS {key_name}"]
    return [f"CAST(NULL AS BIGINT) AS {id_name}", f"{value} AS {key_name}"]


def _finish(checked: DataFrame, key: str, duplicate: str, columns: list[str], persisted: list) -> DataFrame:
    """Resolve duplicates among the valid records; keep raw text only for rejects.

    The checked records are persisted (MEMORY_AND_DISK) so that the rules run once per record
    whatever reads the result; the persisted frame is added to `persisted`, for the caller to
    unpersist when done (a Spark Connect server's cache is shared by all its runs: a run releases
    only its own)."""
    checked = checked.persist(StorageLevel.MEMORY_AND_DISK)
    persisted.append(checked)
    out = resolve_duplicates(checked, key, duplicate)
    kept = [f"CASE WHEN reason IS NULL THEN `{c}` END AS `{c}`" for c in columns]
    return out.selectExpr(
        "source_file",
        "record_no",
        f"CASE WHEN reason IS NOT NULL THEN {raw_text('raw', 'element')} END AS raw",
        "reason",
        "foreign",
        *kept,
    )


def validate_groups(table: Table, fmt: Format, records: DataFrame, persisted: list) -> DataFrame:
    x = _canonical(table, fmt, records)
    x = with_timestamp_micros(x, "c_created_at", "created_micros")
    x = with_timestamp_micros(x, "c_updated_at", "updated_micros")
    checked = x.selectExpr(
        "source_file",
        "record_no",
        "raw",
        "element",
        f"{_reason(table)} AS reason",
        f"coalesce({table.foreign}, false) AS foreign",
        *_keys(fmt, "c_key", "group_id", "group_key"),
        "c_name AS name",
        *_keys(fmt, "c_parent", "parent_group_id", "parent_key"),
        "created_micros",
        "updated_micros",
        "coalesce(array_distinct(c_agent_ids), CAST(array() AS array<bigint>)) AS agent_ids",
        "coalesce(c_deleted, false) AS deleted",
    )
    key = "group_id" if fmt.keys == "id" else "group_key"
    return _finish(checked, key, table.reasons[-1], GROUP_FIELDS, persisted)


def validate_agents(table: Table, fmt: Format, records: DataFrame, persisted: list) -> DataFrame:
    x = with_timestamp_micros(_canonical(table, fmt, records), "c_updated_at", "updated_micros")
    checked = x.selectExpr(
        "source_file",
        "record_no",
        "raw",
        "element",
        f"{_reason(table)} AS reason",
        f"coalesce({table.foreign}, false) AS foreign",
        *_keys(fmt, "c_key", "agent_id", "agent_key"),
        "c_name AS name",
        "c_email AS email",
        "c_active AS active",
        "updated_micros",
        "coalesce(c_is_agent, true) AS is_agent",
    )
    key = "agent_id" if fmt.keys == "id" else "agent_key"
    return _finish(checked, key, table.reasons[-1], AGENT_FIELDS, persisted)


def validate_members(table: Table, fmt: Format, records: DataFrame, day_groups: DataFrame) -> DataFrame:
    """Membership rows. `in_day`: the row names a group with a valid record in the day's
    `day_groups` (validated groups); whether the others name a stored group is decided in the
    day's transaction (unknown_group), which needs their raw text, so they keep it."""
    x = _canonical(table, fmt, records)
    checked = x.selectExpr(
        "source_file",
        "record_no",
        "raw",
        "element",
        f"{_reason(table)} AS reason",
        f"coalesce({table.foreign}, false) AS foreign",
        *_keys(fmt, "c_group", "group_id", "group_key"),
        *_keys(fmt, "c_user", "agent_id", "agent_key"),
    )
    key = "group_id" if fmt.keys == "id" else "group_key"
    known = day_groups.where("reason IS NULL").selectExpr(f"{key} AS _day_key", "true AS in_day")
    joined = checked.join(F.broadcast(known), checked[key] == known["_day_key"], "left")
    kept = [f"CASE WHEN reason IS NULL THEN `{c}` END AS `{c}`" for c in MEMBER_FIELDS[:-1]]
    return joined.selectExpr(
        "source_file",
        "record_no",
        f"CASE WHEN reason IS NOT NULL OR in_day IS NULL THEN {raw_text('raw', 'element')} END AS raw",
        "reason",
        "foreign",
        *kept,
        "coalesce(in_day, false) AS in_day",
    )


def validate(
    table: Table, fmt: Format, records: DataFrame, persisted: list, day_groups: DataFrame | None = None
) -> DataFrame:
    """The validated records of one table. Groups and agents run the duplicate search (one Spark
    job) and persist what they checked (added to `persisted`); membership rows need the day's
    validated groups. The rest stays lazy until the staging COPY reads it."""
    if table.kind == GROUPS:
        return validate_groups(table, fmt, records, persisted)
    if table.kind == AGENTS:
        return validate_agents(table, fmt, records, persisted)
    return validate_members(table, fmt, records, day_groups)
