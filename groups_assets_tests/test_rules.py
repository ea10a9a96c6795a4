"""The record rules of CONTRACT.md sections 1 and 2, on real files read and validated by Spark.

One module fixture writes every case into one source folder (one line or array element each),
runs read_records + validate_groups (and validate_agents) once, and indexes the result by
(source_file, record_no). Each test then looks its record up by a case key and checks what a user
would: the reject reason, or the parsed value.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from groups_assets.contract.reader import read_records
from groups_assets.days import json_files
from groups_assets.runtime.spark_session import INTERPRETED_BYTES, sized_for
from groups_assets_tests.support import agent, group, validate_agents, validate_groups

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_ID = 9223372036854775807
BOM = b"\xef\xbb\xbf"
T1 = "2026-11-01T00:00:00Z"
T2 = "2026-11-02T00:00:00Z"
T3 = "2026-11-03T00:00:00Z"
ABSENT = object()

_ids = itertools.count(100_000)


def micros(dt: datetime) -> int:
    """Microseconds since 1970-01-01 UTC, by Python datetime arithmetic."""
    return (dt - EPOCH) // timedelta(microseconds=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def g(gid=None, **fields) -> dict:
    """A valid group record (a fresh id unless given); fields override, ABSENT removes one."""
    record = group(next(_ids) if gid is None or gid is ABSENT else gid)
    if gid is ABSENT:
        del record["group_id"]
    for name, value in fields.items():
        if value is ABSENT:
            record.pop(name, None)
        else:
            record[name] = value
    return record


def a(aid=None, **fields) -> dict:
    """A valid agent record (a fresh id unless given); fields override, ABSENT removes one."""
    record = agent(next(_ids) if aid is None or aid is ABSENT else aid, email="someone@example.com")
    if aid is ABSENT:
        del record["agent_id"]
    for name, value in fields.items():
        if value is ABSENT:
            record.pop(name, None)
        else:
            record[name] = value
    return record


def with_raw(record: dict, name: str, json_text: str) -> str:
    """The record as a JSON line whose field `name` holds the literal JSON text (1e3, 1.0, ...)."""
    marker = "@@raw-value@@"
    return json.dumps({**record, name: marker}).replace(json.dumps(marker), json_text)


def text_of(record: object) -> str:
    return record if isinstance(record, str) else json.dumps(record)


# --------------------------------------------------------------------------------------------
# Group cases of the big JSON Lines file: (key, record or raw line, expected reason or None).
# The first line must be an object so the file is read as JSON Lines.

JSON_CASES = [
    ("json_ok", g(), None),
    ("json_leading_space", "   " + json.dumps(g()), None),
    ("json_trailing_garbage", json.dumps(g()) + " x", "invalid_json"),
    ("json_short_trailing_garbage", '{"group_id": 1} x', "invalid_json"),
    ("json_two_objects_comma", '{"a":1},{"b":2}', "invalid_json"),
    ("json_two_objects_space", json.dumps(g()) + " " + json.dumps(g()), "invalid_json"),
    ("json_unclosed", json.dumps(g())[:-1], "invalid_json"),
    ("json_trailing_comma", json.dumps(g())[:-1] + ",}", "invalid_json"),
    ("json_single_quotes", json.dumps(g()).replace('"', "'"), "invalid_json"),
    ("json_unquoted_key", '{group_id: 3, name: "x"}', "invalid_json"),
    ("json_nan", with_raw(g(), "score", "NaN"), "invalid_json"),
    # Lone surrogate escapes (README "Strict JSON"); a pair split by another character is two.
    ("json_lone_surrogate", with_raw(g(), "name", '"\\ud800"'), "invalid_json"),
    ("json_split_surrogates", with_raw(g(), "name", '"\\ud83c\x7f\\udff3"'), "invalid_json"),
    ("json_surrogate_pair", with_raw(g(), "name", '"\\ud83c\\udff3"'), None),
    ("json_not_json", "hello", "invalid_json"),
    ("not_object_number", "5", "not_an_object"),
    ("not_object_string", '"a string"', "not_an_object"),
    ("not_object_array", json.dumps([g()]), "not_an_object"),
    ("not_object_null", "null", "not_an_object"),
    ("not_object_true", "true", "not_an_object"),
]

ID_CASES = [
    ("id_one", g(1), None),
    ("id_int", g(44), None),
    ("id_max", g(MAX_ID, updated_at=T3), None),
    # The same id as a string, older: it passes the id rule and loses as a duplicate of id_max.
    ("id_max_string", g(str(MAX_ID)), "duplicate_group_id"),
    ("id_string", g("43"), None),
    ("id_leading_zeros", g("0042"), None),
    ("id_zero", g(0), "invalid_group_id"),
    ("id_negative", g(-1), "invalid_group_id"),
    ("id_negative_zero", with_raw(g(), "group_id", "-0"), "invalid_group_id"),
    ("id_max_plus_one", g(MAX_ID + 1), "invalid_group_id"),
    ("id_max_plus_one_string", g(str(MAX_ID + 1)), "invalid_group_id"),
    ("id_huge", g(10**30), "invalid_group_id"),
    ("id_float_1_0", with_raw(g(), "group_id", "1.0"), "invalid_group_id"),
    ("id_exponent", with_raw(g(), "group_id", "1e3"), "invalid_group_id"),
    ("id_fraction", g(12.5), "invalid_group_id"),
    ("id_true", g(True), "invalid_group_id"),
    ("id_leading_space", g(" 12"), "invalid_group_id"),
    ("id_trailing_space", g("12 "), "invalid_group_id"),
    ("id_empty_string", g(""), "invalid_group_id"),
    ("id_plus", g("+5"), "invalid_group_id"),
    ("id_minus_string", g("-5"), "invalid_group_id"),
    ("id_zero_string", g("000"), "invalid_group_id"),
    ("id_decimal_string", g("12.0"), "invalid_group_id"),
    ("id_hex_string", g("0x10"), "invalid_group_id"),
    ("id_array", g([12]), "invalid_group_id"),
    ("id_object", g({"id": 12}), "invalid_group_id"),
    ("id_null", g(None, group_id=None), "missing_group_id"),
    ("id_absent", g(ABSENT), "missing_group_id"),
    # Field names are case-sensitive: GROUP_ID is some other field.
    ("id_other_case_only", g(ABSENT, GROUP_ID=45), "missing_group_id"),
    ("id_beside_other_case", g(46, Group_Id="not an id"), None),
]

NAME_CASES = [
    ("name_empty", g(name=""), "missing_name"),
    ("name_spaces", g(name="   "), "missing_name"),
    ("name_tab", g(name="\t"), "missing_name"),
    ("name_whitespace_mix", g(name=" \n\t "), "missing_name"),
    ("name_null", g(name=None), "missing_name"),
    ("name_absent", g(name=ABSENT), "missing_name"),
    ("name_number", g(name=5), "invalid_name"),
    ("name_array", g(name=[]), "invalid_name"),
    ("name_object", g(name={}), "invalid_name"),
    ("name_bool", g(name=True), "invalid_name"),
    ("name_nul", g(name="a\u0000b"), "invalid_name"),
    ("name_padded", g(name="  x "), None),
    ("name_unicode", g(name="Ünïcødé ✓ 👍"), None),
    ("name_escapes", g(name='a "quoted" \\ back\nslash'), None),
]

# (key, value, expected instant or None when invalid)
TIMESTAMPS = [
    ("ts_z", "2024-01-01T10:00:00Z", utc(2024, 1, 1, 10)),
    ("ts_leap_day", "2024-02-29T12:00:00Z", utc(2024, 2, 29, 12)),
    ("ts_leap_2000", "2000-02-29T00:00:00Z", utc(2000, 2, 29)),
    ("ts_space_no_zone", "2024-01-01 10:00:00", utc(2024, 1, 1, 10)),
    ("ts_t_no_zone", "2024-01-01T10:00:00", utc(2024, 1, 1, 10)),
    ("ts_space_offset", "2024-01-01 10:00:00+01:00", utc(2024, 1, 1, 9)),
    (
        "ts_fraction_offset",
        "2024-01-01T10:00:00.123456+05:30",
        datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ),
    (
        "ts_negative_offset",
        "2024-01-01T20:30:00-08:45",
        datetime(2024, 1, 1, 20, 30, tzinfo=timezone(-timedelta(hours=8, minutes=45))),
    ),
    ("ts_fraction_1_digit", "2024-01-01T10:00:00.5Z", utc(2024, 1, 1, 10, 0, 0, 500000)),
    ("ts_fraction_3_digits", "2024-01-01T10:00:00.007Z", utc(2024, 1, 1, 10, 0, 0, 7000)),
    ("ts_before_1970", "1969-12-31T23:59:59.999999Z", utc(1969, 12, 31, 23, 59, 59, 999999)),
    ("ts_end_of_day", "2024-12-31T23:59:59Z", utc(2024, 12, 31, 23, 59, 59)),
    ("ts_not_leap", "2023-02-29T12:00:00Z", None),
    ("ts_not_leap_1900", "1900-02-29T00:00:00Z", None),
    ("ts_april_31", "2024-04-31T00:00:00Z", None),
    ("ts_day_zero", "2024-01-00T00:00:00Z", None),
    ("ts_month_13", "2024-13-01T00:00:00Z", None),
    ("ts_fraction_7_digits", "2024-01-01T10:00:00.1234567Z", None),
    ("ts_fraction_empty", "2024-01-01T10:00:00.Z", None),
    ("ts_hour_24", "2024-01-01T24:00:00Z", None),
    ("ts_minute_60", "2024-01-01T10:60:00Z", None),
    ("ts_second_60", "2024-01-01T10:00:60Z", None),
    ("ts_date_only", "2024-01-01", None),
    ("ts_no_seconds", "2024-01-01T10:00Z", None),
    ("ts_one_digit_month", "2024-1-01T10:00:00Z", None),
    ("ts_lowercase", "2024-01-01t10:00:00z", None),
    ("ts_offset_no_colon", "2024-01-01T10:00:00+0530", None),
    ("ts_slashes", "2024/01/01T10:00:00Z", None),
    ("ts_empty", "", None),
    ("ts_text", "yesterday", None),
    ("ts_number", 1700000000, None),
    ("ts_null", None, None),
]

TIMESTAMP_CASES = [
    (key, g(updated_at=value), None if expected else "invalid_timestamp")
    for key, value, expected in TIMESTAMPS
] + [
    ("created_valid", g(created_at="2020-05-06T07:08:09.000001Z"), None),
    ("created_absent", g(created_at=ABSENT), "invalid_timestamp"),
    ("created_null", g(created_at=None), "invalid_timestamp"),
    ("created_not_leap", g(created_at="2023-02-29T12:00:00Z"), "invalid_timestamp"),
    ("created_number", g(created_at=1700000000), "invalid_timestamp"),
    ("updated_absent", g(updated_at=ABSENT), "invalid_timestamp"),
]

PARENT_CASES = [
    ("parent_null", g(parent_group_id=None), None),
    ("parent_absent", g(parent_group_id=ABSENT), None),
    ("parent_string", g(parent_group_id="7"), None),
    ("parent_int", g(parent_group_id=8), None),
    ("parent_leading_zeros", g(parent_group_id="0009"), None),
    ("parent_max", g(parent_group_id=MAX_ID), None),
    ("parent_x", g(parent_group_id="x"), "invalid_parent_group_id"),
    ("parent_zero", g(parent_group_id=0), "invalid_parent_group_id"),
    ("parent_negative", g(parent_group_id=-7), "invalid_parent_group_id"),
    ("parent_fraction", g(parent_group_id=7.5), "invalid_parent_group_id"),
    ("parent_empty_string", g(parent_group_id=""), "invalid_parent_group_id"),
    ("parent_true", g(parent_group_id=True), "invalid_parent_group_id"),
    ("parent_too_big", g(parent_group_id=MAX_ID + 1), "invalid_parent_group_id"),
    ("parent_self_int", g(5, parent_group_id=5), "self_parent"),
    ("parent_self_string_vs_int", g(6, parent_group_id="6"), "self_parent"),
    ("parent_self_int_vs_string", g("7", parent_group_id=7), "self_parent"),
    ("parent_self_leading_zeros", g(8, parent_group_id="0008"), "self_parent"),
]

AGENT_IDS_CASES = [
    ("agents_absent", g(agent_ids=ABSENT), None),
    ("agents_null", g(agent_ids=None), None),
    ("agents_empty", g(agent_ids=[]), None),
    ("agents_repeats", g(agent_ids=[1, "2", 2, 1]), None),
    ("agents_leading_zeros", g(agent_ids=["007", 7, 9]), None),
    ("agents_max", g(agent_ids=[MAX_ID]), None),
    ("agents_comma_string", g(agent_ids="1,2"), "invalid_agent_ids"),
    ("agents_fraction", g(agent_ids=[1, 2.5]), "invalid_agent_ids"),
    ("agents_zero", g(agent_ids=[1, 0]), "invalid_agent_ids"),
    ("agents_null_element", g(agent_ids=[1, None]), "invalid_agent_ids"),
    ("agents_bool_element", g(agent_ids=[True]), "invalid_agent_ids"),
    ("agents_bad_string_element", g(agent_ids=["x"]), "invalid_agent_ids"),
    ("agents_nested_array", g(agent_ids=[[1]]), "invalid_agent_ids"),
    ("agents_number", g(agent_ids=5), "invalid_agent_ids"),
    ("agents_object", g(agent_ids={"1": True}), "invalid_agent_ids"),
]

DELETED_CASES = [
    ("deleted_absent", g(deleted=ABSENT), None),
    ("deleted_true", g(deleted=True), None),
    ("deleted_false", g(deleted=False), None),
    ("deleted_null", g(deleted=None), None),
    ("deleted_yes", g(deleted="yes"), "invalid_deleted"),
    ("deleted_one", g(deleted=1), "invalid_deleted"),
    ("deleted_string_true", g(deleted="true"), "invalid_deleted"),
    ("deleted_array", g(deleted=[True]), "invalid_deleted"),
]

OTHER_CASES = [
    ("extra_fields_ignored", g(colour="red", nested={"x": [1, None]}, group_name=5), None),
]

ORDER_CASES = [
    (
        "order_missing_id_and_everything",
        g(ABSENT, name=5, updated_at="bad", parent_group_id="x", agent_ids="1", deleted="y"),
        "missing_group_id",
    ),
    ("order_bad_id_missing_name", g("x", name=""), "invalid_group_id"),
    ("order_bad_id_bad_timestamp", g(0, updated_at="bad"), "invalid_group_id"),
    ("order_missing_name_bad_timestamp", g(name=ABSENT, updated_at="bad"), "missing_name"),
    ("order_blank_name_bad_parent", g(name=" ", parent_group_id="x"), "missing_name"),
    ("order_bad_name_bad_timestamp", g(name=5, created_at="bad"), "invalid_name"),
    ("order_bad_timestamp_bad_parent", g(updated_at="bad", parent_group_id="x"), "invalid_timestamp"),
    ("order_bad_timestamp_self_parent", g(9, parent_group_id=9, created_at=ABSENT), "invalid_timestamp"),
    ("order_bad_parent_bad_agents", g(parent_group_id="x", agent_ids="1"), "invalid_parent_group_id"),
    ("order_self_parent_bad_agents", g(10, parent_group_id=10, agent_ids="1"), "self_parent"),
    ("order_bad_agents_bad_deleted", g(agent_ids=[0], deleted="yes"), "invalid_agent_ids"),
]

GROUP_CASES = (
    JSON_CASES
    + ID_CASES
    + NAME_CASES
    + TIMESTAMP_CASES
    + PARENT_CASES
    + AGENT_IDS_CASES
    + DELETED_CASES
    + OTHER_CASES
    + ORDER_CASES
)

# --------------------------------------------------------------------------------------------
# Duplicates within a day: files a.json, b.json (JSON Lines) and c_arr.json (array).
# (key, record, expected reason)

DUP_A = [
    ("dup_greatest_first", g(500, updated_at=T3), None),
    ("dup_greatest_first_low", g(500, updated_at=T1), "duplicate_group_id"),
    ("dup_tie_files_a", g(501), "duplicate_group_id"),
    ("dup_instant_a", g(505, updated_at="2026-11-01T05:00:00+09:00"), "duplicate_group_id"),
    ("dup_fraction_a", g(506, updated_at="2026-11-01T00:00:00.5Z"), None),
    ("dup_invalid_other_valid", g(507), None),
    ("dup_arr_vs_lines_a", g(508), "duplicate_group_id"),
    ("dup_string_vs_int_a", g(510), "duplicate_group_id"),
    ("dup_same_instant_a", g(511, updated_at="2026-11-01T02:00:00+02:00"), "duplicate_group_id"),
]
DUP_B = [
    ("dup_greatest_first_mid", g(500, updated_at=T2), "duplicate_group_id"),
    ("dup_tie_files_b", g(501), None),
    ("dup_tie_lines_1", g(502), "duplicate_group_id"),
    ("dup_tie_lines_2", g(502), "duplicate_group_id"),
    ("dup_tie_lines_3", g(502), None),
    ("dup_greatest_mid_1", g(503, updated_at=T1), "duplicate_group_id"),
    ("dup_greatest_mid_2", g(503, updated_at=T3), None),
    ("dup_greatest_mid_3", g(503, updated_at=T2), "duplicate_group_id"),
    ("dup_instant_b", g(505, updated_at="2026-11-01T01:00:00Z"), None),
    ("dup_fraction_b", g(506, updated_at="2026-11-01T00:00:00.25Z"), "duplicate_group_id"),
    ("dup_invalid_other_invalid", g(507, updated_at=T3, deleted="yes"), "invalid_deleted"),
    ("dup_string_vs_int_b", g("510"), None),
    ("dup_same_instant_b", g(511, updated_at="2026-11-01T00:00:00Z"), None),
]
DUP_C_ARRAY = [
    ("dup_arr_vs_lines_c", g(508), None),
    ("dup_arr_elements_2", g(509), "duplicate_group_id"),
    ("dup_arr_elements_3", g(509), None),
]
DUP_CASES = DUP_A + DUP_B + DUP_C_ARRAY

# --------------------------------------------------------------------------------------------
# Agent cases (agents/a.json, agents/b.json, agents/arr.json).

AGENT_CASES = [
    ("ag_ok", a(1), None),
    ("ag_inactive", a(2, active=False), None),
    ("ag_id_string", a("0042"), None),
    ("ag_id_max", a(str(MAX_ID)), None),
    ("ag_no_name_no_email", a(name=ABSENT, email=ABSENT), None),
    ("ag_updated_absent", a(updated_at=ABSENT), None),
    ("ag_updated_null", a(updated_at=None), None),
    ("ag_updated_offset", a(updated_at="2024-01-01T10:00:00.123456+05:30"), None),
    ("ag_updated_space", a(updated_at="2024-01-01 10:00:00"), None),
    ("ag_extra_field", a(team="blue"), None),
    ("ag_json_garbage", json.dumps(a()) + " x", "invalid_json"),
    ("ag_json_broken", '{"agent_id": 3, "active": tru}', "invalid_json"),
    ("ag_not_object", "[1, 2]", "not_an_object"),
    ("ag_not_object_number", "7", "not_an_object"),
    ("ag_id_missing", a(ABSENT), "missing_agent_id"),
    ("ag_id_null", a(None, agent_id=None), "missing_agent_id"),
    ("ag_id_zero", a(0), "invalid_agent_id"),
    ("ag_id_negative", a(-4), "invalid_agent_id"),
    ("ag_id_fraction", a(4.5), "invalid_agent_id"),
    ("ag_id_float_1_0", with_raw(a(), "agent_id", "1.0"), "invalid_agent_id"),
    ("ag_id_true", a(True), "invalid_agent_id"),
    ("ag_id_plus", a("+4"), "invalid_agent_id"),
    ("ag_id_space", a(" 4"), "invalid_agent_id"),
    ("ag_id_too_big", a(MAX_ID + 1), "invalid_agent_id"),
    ("ag_active_string", a(active="true"), "invalid_active"),
    ("ag_active_missing", a(active=ABSENT), "invalid_active"),
    ("ag_active_null", a(active=None), "invalid_active"),
    ("ag_active_one", a(active=1), "invalid_active"),
    ("ag_updated_bad", a(updated_at="bad"), "invalid_timestamp"),
    ("ag_updated_not_leap", a(updated_at="2023-02-29T12:00:00Z"), "invalid_timestamp"),
    ("ag_updated_number", a(updated_at=1700000000), "invalid_timestamp"),
    ("ag_updated_empty", a(updated_at=""), "invalid_timestamp"),
    ("ag_order_missing_id_bad_active", a(ABSENT, active="x", updated_at="bad"), "missing_agent_id"),
    ("ag_order_bad_id_bad_active", a("x", active="x"), "invalid_agent_id"),
    ("ag_order_bad_active_bad_timestamp", a(active=ABSENT, updated_at="bad"), "invalid_active"),
    # duplicates (same file)
    ("ag_dup_stamped_first", a(100, updated_at=T1), None),
    ("ag_dup_unstamped_last", a(100, updated_at=ABSENT), "duplicate_agent_id"),
    ("ag_dup_unstamped_first", a(101, updated_at=ABSENT), "duplicate_agent_id"),
    ("ag_dup_stamped_last", a(101, updated_at=T1), None),
    ("ag_dup_greatest_first", a(102, updated_at=T3), None),
    ("ag_dup_greatest_first_low", a(102, updated_at=T1), "duplicate_agent_id"),
    ("ag_dup_tie_lines_1", a(103), "duplicate_agent_id"),
    ("ag_dup_tie_lines_2", a(103), None),
    ("ag_dup_valid", a(105), None),
    ("ag_dup_later_invalid", a(105, updated_at=T3, active="yes"), "invalid_active"),
    ("ag_dup_tie_files_a", a(106), "duplicate_agent_id"),
    ("ag_dup_string_vs_int_a", a(107), "duplicate_agent_id"),
]
AGENT_B = [
    ("ag_dup_tie_files_b", a(106), None),
    ("ag_dup_string_vs_int_b", a("107"), None),
]
AGENT_ARRAY = [
    ("ag_arr_1", a(200), None),
    ("ag_arr_2", a(201, active="no"), "invalid_active"),
]
ALL_AGENT_CASES = AGENT_CASES + AGENT_B + AGENT_ARRAY

# --------------------------------------------------------------------------------------------
# Files


@dataclass
class Source:
    """Files of one source folder, and where each case is expected to come out."""

    source: str
    files: dict[str, bytes] = field(default_factory=dict)
    where: dict[str, tuple[str, int]] = field(default_factory=dict)

    def expect(self, key: str, name: str, record_no: int) -> None:
        assert key not in self.where, f"case key {key} used twice"
        self.where[key] = (f"{self.source}/{name}", record_no)

    def json_lines(
        self, name: str, entries, *, newline: str = "\n", prefix: bytes = b"", final_newline: bool = True
    ) -> None:
        """entries: (key, record) pairs; a key None is a line expected to produce no record."""
        parts = []
        for no, (key, record) in enumerate(entries, start=1):
            parts.append(record if isinstance(record, bytes) else text_of(record).encode())
            if key is not None:
                self.expect(key, name, no)
        sep = newline.encode()
        self.files[name] = prefix + sep.join(parts) + (sep if final_newline else b"")

    def array(self, name: str, entries, *, prefix: bytes = b"") -> None:
        body = ",\n  ".join(text_of(record) for _, record in entries)
        self.files[name] = prefix + f"\n  [\n  {body}\n]\n".encode()
        for no, (key, _) in enumerate(entries, start=1):
            self.expect(key, name, no)

    def raw(self, name: str, data: bytes, expect: dict[str, int] | None = None) -> None:
        self.files[name] = data
        for key, no in (expect or {}).items():
            self.expect(key, name, no)

    def write(self, folder: Path) -> Path:
        for name, data in self.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return folder


BROKEN_ARRAY = '[\n  {"group_id": 630, "name": "x"},\n  {"group_id": \n'
TRAILING_ARRAY = "[" + json.dumps(g(631)) + "] x\n"
TWO_ARRAYS = "[" + json.dumps(g(632)) + "]\n[" + json.dumps(g(633)) + "]\n"
BAD_UTF8_LINE = json.dumps(g(671, name="cafX")).encode().replace(b"cafX", b"caf\xe9")


def group_source() -> Source:
    main = Source("admin_groups")
    main.json_lines("cases.json", [(key, record) for key, record, _ in GROUP_CASES])
    main.json_lines("a.json", [(key, record) for key, record, _ in DUP_A])
    main.json_lines("b.json", [(key, record) for key, record, _ in DUP_B])
    main.array("c_arr.json", [(key, record) for key, record, _ in DUP_C_ARRAY])
    main.array(
        "arr.json",
        [
            ("arr_1_valid", g(600)),
            ("arr_2_string_id", g("601")),
            ("arr_3_number", 5),
            ("arr_4_array", [g(603)]),
            ("arr_5_null", None),
            ("arr_6_bad_name", g(604, name=5)),
        ],
    )
    main.array("bom_arr.json", [("bom_arr_1", g(620))], prefix=BOM)
    main.raw("empty_arr.json", b"[]\n")
    main.raw("empty.json", b"")
    main.raw("blank_only.json", b"\n  \n\t\n")
    main.raw("broken_arr.json", BROKEN_ARRAY.encode(), {"broken_array": 0})
    main.raw("trailing_arr.json", TRAILING_ARRAY.encode(), {"trailing_array": 0})
    main.raw("two_arrays.json", TWO_ARRAYS.encode(), {"two_arrays": 0})
    main.json_lines(
        "blank.json",
        [
            (None, ""),
            ("blank_2", g(640)),
            (None, ""),
            (None, "   "),
            ("blank_5", g(641)),
            (None, "\t"),
            ("blank_7_bad", "{oops"),
            (None, ""),
        ],
    )
    main.json_lines(
        "crlf.json",
        [
            ("crlf_1", g(650)),
            (None, ""),
            ("crlf_3", g(651, name="crlf name", agent_ids=[3, 4])),
            ("crlf_4_bad", "{oops"),
            ("crlf_5", g(652, deleted=True)),
        ],
        newline="\r\n",
    )
    main.json_lines("bom.json", [("bom_1", g(660)), ("bom_2", g(661))], prefix=BOM)
    main.json_lines("bom_bad.json", [("bom_bad_1", "{oops"), ("bom_bad_2", g(662))], prefix=BOM)
    main.json_lines(
        "utf8.json",
        [
            ("utf8_1_raw_unicode", json.dumps(g(670, name="café ✓"), ensure_ascii=False).encode()),
            ("utf8_2_invalid_bytes", BAD_UTF8_LINE),
            ("utf8_3", g(672)),
        ],
    )
    main.json_lines(
        "no_final_newline.json", [("no_newline_1", g(680)), ("no_newline_2", g(681))], final_newline=False
    )
    main.raw("notes.txt", b"{not json\n")
    main.raw("_SUCCESS", b"")
    main.raw("cases.json.bak", b"{not json\n")
    main.raw("nested/deep.json", json.dumps(g(690)).encode() + b"\n")
    return main


def agent_source() -> Source:
    source = Source("agents")
    source.json_lines("a.json", [(key, record) for key, record, _ in AGENT_CASES])
    source.json_lines("b.json", [(key, record) for key, record, _ in AGENT_B], prefix=BOM)
    source.array("arr.json", [(key, record) for key, record, _ in AGENT_ARRAY])
    source.raw("_SUCCESS", b"")
    return source


@dataclass
class Result:
    """Validation output, by case key."""

    where: dict[str, tuple[str, int]]
    rows: list[dict]

    def __post_init__(self):
        self.by_position: dict[tuple[str, int], list[dict]] = {}
        for row in self.rows:
            pos = (row["source_file"], row["record_no"])
            self.by_position.setdefault(pos, []).append(row)

    def __getitem__(self, key: str) -> dict:
        found = self.by_position.get(self.where[key], [])
        assert len(found) == 1, f"{key} at {self.where[key]}: {len(found)} rows out"
        return found[0]

    def reason(self, key: str) -> str | None:
        return self[key]["reason"]

    def valid(self, key: str) -> dict:
        row = self[key]
        assert row["reason"] is None, f"{key} rejected as {row['reason']}"
        return row


def run(spark, validate, source: Source, folder: Path) -> Result:
    """Write the source's files into `folder`, read and validate them, collect once with the
    expressions evaluated as they are (a small day's session) and once compiled (a large day's):
    both must give the same rows."""
    source.write(folder)
    found = {}
    for size in (0, INTERPRETED_BYTES):
        sized_for(spark, size)
        rows = validate(read_records(spark, json_files(folder), source.source)).collect()
        found[size] = sorted((row.asDict(recursive=True) for row in rows), key=repr)
    assert found[0] == found[INTERPRETED_BYTES], "interpreted and compiled expressions disagree"
    return Result(source.where, found[0])


@pytest.fixture(scope="module")
def groups(spark, tmp_path_factory) -> Result:
    root = tmp_path_factory.mktemp("groups")
    return run(spark, validate_groups, group_source(), root / "admin_groups")


@pytest.fixture(scope="module")
def agents(spark, tmp_path_factory) -> Result:
    root = tmp_path_factory.mktemp("agents")
    return run(spark, validate_agents, agent_source(), root / "agents")


def keys(cases) -> list[str]:
    return [key for key, *_ in cases]


def reason_params(cases):
    params = [(key, reason) for key, _, reason in cases]
    return pytest.mark.parametrize(("key", "reason"), params, ids=keys(cases))


# --------------------------------------------------------------------------------------------
# Every record exactly once


def test_every_group_record_comes_out_exactly_once(groups):
    assert [pos for pos, rows in groups.by_position.items() if len(rows) > 1] == []
    assert set(groups.by_position) == set(groups.where.values())
    assert len(groups.rows) == len(groups.where)


def test_every_agent_record_comes_out_exactly_once(agents):
    assert [pos for pos, rows in agents.by_position.items() if len(rows) > 1] == []
    assert set(agents.by_position) == set(agents.where.values())
    assert len(agents.rows) == len(agents.where)


def test_every_reason_is_a_contract_code(groups, agents):
    group_codes = {
        "invalid_json",
        "not_an_object",
        "missing_group_id",
        "invalid_group_id",
        "missing_name",
        "invalid_name",
        "invalid_timestamp",
        "invalid_parent_group_id",
        "self_parent",
        "invalid_agent_ids",
        "invalid_deleted",
        "duplicate_group_id",
    }
    agent_codes = {
        "invalid_json",
        "not_an_object",
        "missing_agent_id",
        "invalid_agent_id",
        "invalid_active",
        "invalid_timestamp",
        "duplicate_agent_id",
    }
    assert {r["reason"] for r in groups.rows} - {None} == group_codes
    assert {r["reason"] for r in agents.rows} - {None} == agent_codes


def test_raw_text_kept_for_rejects_only(groups):
    for row in groups.rows:
        if row["reason"] is None:
            assert row["raw"] is None, row
        else:
            assert row["raw"], row


# --------------------------------------------------------------------------------------------
# Group rules, one reason per record (CONTRACT.md 2, "Malformed records")


@reason_params(JSON_CASES)
def test_group_json_and_object_rule(groups, key, reason):
    assert groups.reason(key) == reason


def test_rejected_line_keeps_its_raw_text(groups):
    assert groups["json_two_objects_comma"]["raw"] == '{"a":1},{"b":2}'
    assert groups["json_short_trailing_garbage"]["raw"] == '{"group_id": 1} x'


@reason_params(ID_CASES)
def test_group_id_rule(groups, key, reason):
    assert groups.reason(key) == reason


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("id_one", 1),
        ("id_int", 44),
        ("id_max", MAX_ID),
        ("id_string", 43),
        ("id_leading_zeros", 42),
        ("id_beside_other_case", 46),
    ],
)
def test_group_id_value(groups, key, value):
    assert groups.valid(key)["group_id"] == value


@reason_params(NAME_CASES)
def test_name_rule(groups, key, reason):
    assert groups.reason(key) == reason


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("name_padded", "  x "),
        ("name_unicode", "Ünïcødé ✓ 👍"),
        ("name_escapes", 'a "quoted" \\ back\nslash'),
    ],
)
def test_name_stored_as_given(groups, key, name):
    assert groups.valid(key)["name"] == name


@reason_params(TIMESTAMP_CASES)
def test_timestamp_rule(groups, key, reason):
    assert groups.reason(key) == reason


@pytest.mark.parametrize(
    ("key", "expected"),
    [(key, expected) for key, _, expected in TIMESTAMPS if expected],
    ids=[key for key, _, expected in TIMESTAMPS if expected],
)
def test_timestamp_micros(groups, key, expected):
    row = groups.valid(key)
    assert row["updated_micros"] == micros(expected)
    assert row["created_micros"] == micros(utc(2026, 1, 1))


def test_created_at_micros(groups):
    row = groups.valid("created_valid")
    assert row["created_micros"] == micros(utc(2020, 5, 6, 7, 8, 9, 1))
    assert row["updated_micros"] == micros(utc(2026, 11, 1))


@reason_params(PARENT_CASES)
def test_parent_rule(groups, key, reason):
    assert groups.reason(key) == reason


@pytest.mark.parametrize(
    ("key", "parent"),
    [
        ("parent_null", None),
        ("parent_absent", None),
        ("parent_string", 7),
        ("parent_int", 8),
        ("parent_leading_zeros", 9),
        ("parent_max", MAX_ID),
    ],
)
def test_parent_value(groups, key, parent):
    assert groups.valid(key)["parent_group_id"] == parent


@reason_params(AGENT_IDS_CASES)
def test_agent_ids_rule(groups, key, reason):
    assert groups.reason(key) == reason


@pytest.mark.parametrize(
    ("key", "members"),
    [
        ("agents_absent", []),
        ("agents_null", []),
        ("agents_empty", []),
        ("agents_repeats", [1, 2]),
        ("agents_leading_zeros", [7, 9]),
        ("agents_max", [MAX_ID]),
    ],
)
def test_agent_ids_value(groups, key, members):
    assert sorted(groups.valid(key)["agent_ids"]) == members


@reason_params(DELETED_CASES)
def test_deleted_rule(groups, key, reason):
    assert groups.reason(key) == reason


@pytest.mark.parametrize(
    ("key", "deleted"),
    [
        ("deleted_absent", False),
        ("deleted_true", True),
        ("deleted_false", False),
        ("deleted_null", False),
    ],
)
def test_deleted_value(groups, key, deleted):
    assert groups.valid(key)["deleted"] is deleted


def test_other_fields_ignored(groups):
    row = groups.valid("extra_fields_ignored")
    assert row["name"].startswith("group ")


def test_valid_group_all_values(groups):
    row = groups.valid("json_ok")
    record = GROUP_CASES[0][1]
    assert row["group_id"] == record["group_id"]
    assert row["name"] == record["name"]
    assert row["parent_group_id"] is None
    assert row["created_micros"] == micros(utc(2026, 1, 1))
    assert row["updated_micros"] == micros(utc(2026, 11, 1))
    assert row["agent_ids"] == []
    assert row["deleted"] is False


@reason_params(ORDER_CASES)
def test_group_reason_order(groups, key, reason):
    assert groups.reason(key) == reason


# --------------------------------------------------------------------------------------------
# Duplicates within a day


@reason_params(DUP_CASES)
def test_group_duplicates(groups, key, reason):
    assert groups.reason(key) == reason


def test_duplicate_winner_values(groups):
    assert groups.valid("dup_greatest_first")["updated_micros"] == micros(utc(2026, 11, 3))
    assert groups.valid("dup_string_vs_int_b")["group_id"] == 510
    assert groups.valid("dup_invalid_other_valid")["deleted"] is False


def test_one_loaded_record_per_group_id(groups):
    ids = Counter(r["group_id"] for r in groups.rows if r["reason"] is None)
    assert [gid for gid, n in ids.items() if n > 1] == []


# --------------------------------------------------------------------------------------------
# File formats (CONTRACT.md 1)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("arr_1_valid", None),
        ("arr_2_string_id", None),
        ("arr_3_number", "not_an_object"),
        ("arr_4_array", "not_an_object"),
        ("arr_5_null", "not_an_object"),
        ("arr_6_bad_name", "invalid_name"),
    ],
)
def test_array_file_elements_numbered_from_one(groups, key, reason):
    assert groups.reason(key) == reason


def test_array_file_values(groups):
    assert groups.valid("arr_1_valid")["group_id"] == 600
    assert groups.valid("arr_2_string_id")["group_id"] == 601
    assert json.loads(groups["arr_3_number"]["raw"]) == 5
    # An element rejected only by the duplicate check, after validation, keeps its text too.
    assert json.loads(groups["dup_arr_elements_2"]["raw"])["group_id"] == 509


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("broken_array", BROKEN_ARRAY),
        ("trailing_array", TRAILING_ARRAY),
        ("two_arrays", TWO_ARRAYS),
    ],
)
def test_unparseable_array_file_is_one_invalid_json_record(groups, key, text):
    row = groups[key]
    assert (row["reason"], row["record_no"]) == ("invalid_json", 0)
    assert row["raw"] == text
    name = groups.where[key][0]
    assert [r["record_no"] for r in groups.rows if r["source_file"] == name] == [0]


@pytest.mark.parametrize("name", ["empty_arr.json", "empty.json", "blank_only.json"])
def test_file_without_records_yields_nothing(groups, name):
    assert [r for r in groups.rows if r["source_file"] == f"admin_groups/{name}"] == []


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("blank_2", None),
        ("blank_5", None),
        ("blank_7_bad", "invalid_json"),
    ],
)
def test_blank_lines_skipped_but_counted(groups, key, reason):
    assert groups.reason(key) == reason


def test_blank_line_file_record_numbers(groups):
    numbers = sorted(r["record_no"] for r in groups.rows if r["source_file"] == "admin_groups/blank.json")
    assert numbers == [2, 5, 7]


def test_crlf_line_ends(groups):
    assert groups.valid("crlf_1")["group_id"] == 650
    row = groups.valid("crlf_3")
    assert (row["name"], sorted(row["agent_ids"])) == ("crlf name", [3, 4])
    assert groups.reason("crlf_4_bad") == "invalid_json"
    assert groups.valid("crlf_5")["deleted"] is True


def test_bom_ignored(groups):
    assert groups.valid("bom_1")["group_id"] == 660
    assert groups.valid("bom_2")["group_id"] == 661
    assert groups.valid("bom_arr_1")["group_id"] == 620
    assert groups.reason("bom_bad_1") == "invalid_json"
    assert groups.valid("bom_bad_2")["group_id"] == 662


def test_utf8_text_decoded(groups):
    assert groups.valid("utf8_1_raw_unicode")["name"] == "café ✓"


def test_invalid_utf8_line_is_invalid_json_with_raw_text(groups):
    row = groups["utf8_2_invalid_bytes"]
    assert row["reason"] == "invalid_json"
    assert row["raw"] is not None and '"group_id": 671' in row["raw"]
    assert groups.valid("utf8_3")["group_id"] == 672


def test_last_line_without_newline(groups):
    assert groups.valid("no_newline_2")["group_id"] == 681


def test_folder_mixes_lines_and_array_files(groups):
    files = {r["source_file"] for r in groups.rows}
    assert {"admin_groups/cases.json", "admin_groups/arr.json", "admin_groups/c_arr.json"} <= files


def test_non_json_files_ignored(groups):
    files = {r["source_file"] for r in groups.rows}
    for name in ("notes.txt", "_SUCCESS", "cases.json.bak", "deep.json", "nested/deep.json"):
        assert f"admin_groups/{name}" not in files
    assert 690 not in {r["group_id"] for r in groups.rows}


def test_source_file_names(groups):
    assert groups["json_ok"]["source_file"] == "admin_groups/cases.json"
    assert groups["json_ok"]["record_no"] == 1


# --------------------------------------------------------------------------------------------
# Agents


@reason_params(ALL_AGENT_CASES)
def test_agent_rule(agents, key, reason):
    assert agents.reason(key) == reason


def test_agent_values(agents):
    row = agents.valid("ag_ok")
    assert (row["agent_id"], row["name"], row["email"], row["active"]) == (
        1,
        "agent 1",
        "someone@example.com",
        True,
    )
    assert row["updated_micros"] == micros(utc(2026, 11, 1))
    assert agents.valid("ag_inactive")["active"] is False
    assert agents.valid("ag_id_string")["agent_id"] == 42
    assert agents.valid("ag_id_max")["agent_id"] == MAX_ID
    assert agents["ag_ok"]["source_file"] == "agents/a.json"


def test_agent_optional_fields(agents):
    row = agents.valid("ag_no_name_no_email")
    assert (row["name"], row["email"]) == (None, None)
    assert agents.valid("ag_updated_absent")["updated_micros"] is None
    assert agents.valid("ag_updated_null")["updated_micros"] is None


def test_agent_timestamps(agents):
    offset = timezone(timedelta(hours=5, minutes=30))
    assert agents.valid("ag_updated_offset")["updated_micros"] == micros(
        datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=offset)
    )
    assert agents.valid("ag_updated_space")["updated_micros"] == micros(utc(2024, 1, 1, 10))


def test_agent_duplicate_with_timestamp_beats_none(agents):
    assert agents.valid("ag_dup_stamped_first")["updated_micros"] == micros(utc(2026, 11, 1))
    assert agents.reason("ag_dup_unstamped_last") == "duplicate_agent_id"
    assert agents.valid("ag_dup_stamped_last")["updated_micros"] == micros(utc(2026, 11, 1))
    assert agents.reason("ag_dup_unstamped_first") == "duplicate_agent_id"


def test_agent_array_and_bom_files(agents):
    assert agents.valid("ag_arr_1")["agent_id"] == 200
    assert agents["ag_arr_1"]["source_file"] == "agents/arr.json"
    assert agents.valid("ag_dup_tie_files_b")["agent_id"] == 106


def test_one_loaded_record_per_agent_id(agents):
    ids = Counter(r["agent_id"] for r in agents.rows if r["reason"] is None)
    assert [aid for aid, n in ids.items() if n > 1] == []
