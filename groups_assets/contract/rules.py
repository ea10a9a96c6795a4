"""The building blocks of the record rules of CONTRACT.md section 2 as Spark SQL (no Python
UDF): the timestamp rule, the first reason that applies, and duplicates resolved by updated_at.
The field rules over a record's JSON types are in contract/format.py.

The rules are SQL text, added to a DataFrame with one `selectExpr` per step: building them as
Column objects costs a call into the JVM per function and operator (thousands per day, about a
millisecond each), which a small day would feel.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from groups_assets.contract.reasons import DECIDED_LATER

_TS_RE = (
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?"
    r"(Z|([+-])(\d{2}):(\d{2}))?\z"
)
_FRACTION_RE = r"^\.(\d{1,6})"
_OFFSET_RE = r"([+-])(\d{2}):(\d{2})\z"
# 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in microseconds since 1970.
_MIN_MICROS = -62135596800 * 1_000_000
_MAX_MICROS = 253402300799 * 1_000_000 + 999_999


def q(text: str) -> str:
    """`text` as a Spark SQL string literal (backslash, quote and non-ASCII escaped)."""
    out = []
    for ch in text:
        if ch in "\\'":
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "'" + "".join(out) + "'"


def add(df: DataFrame, columns: dict[str, str]) -> DataFrame:
    """`df` with the named SQL expressions added as columns (one call into Spark)."""
    return df.selectExpr("*", *[f"{expr} AS `{name}`" for name, expr in columns.items()])


def with_timestamp_micros(df: DataFrame, text_col: str, out_col: str) -> DataFrame:
    """Add `out_col`: microseconds since 1970-01-01 UTC for a valid contract timestamp in the
    string column `text_col`; NULL otherwise.

    Built in steps over plain columns: as one nested expression Spark's generated code grows too
    large and falls back to a slow interpreter.
    """
    t = f"`{text_col}`"
    tmp = f"_{out_col}"
    # Fixed positions: YYYY-MM-DD?HH:MM:SS, then an optional fraction and offset.
    fields = {
        f"{tmp}_ok": f"coalesce({t} RLIKE {q(_TS_RE)}, false)",
        f"{tmp}_y": f"try_cast(substring({t}, 1, 4) AS INT)",
        f"{tmp}_mo": f"try_cast(substring({t}, 6, 2) AS INT)",
        f"{tmp}_d": f"try_cast(substring({t}, 9, 2) AS INT)",
        f"{tmp}_s": f"try_cast(substring({t}, 12, 2) AS INT) * 3600"
        f" + try_cast(substring({t}, 15, 2) AS INT) * 60 + try_cast(substring({t}, 18, 2) AS INT)",
        f"{tmp}_clock": f"substring({t}, 12, 8)",
        f"{tmp}_frac": f"rpad(regexp_extract(substring({t}, 20, 20), {q(_FRACTION_RE)}, 1), 6, '0')",
        f"{tmp}_off": f"regexp_extract(substring({t}, 20, 20), {q(_OFFSET_RE)}, 0)",
    }
    y, mo, d, off = (f"{tmp}_{k}" for k in ("y", "mo", "d", "off"))
    # No offset (Z) is 0 without a cast: a failing try_cast builds and drops a whole exception,
    # which cost more than the rest of the rule, for every timestamp.
    off_seconds = (
        f"CASE WHEN {off} = '' THEN 0 ELSE coalesce(try_cast(substring({off}, 2, 2) AS INT) * 3600"
        f" + try_cast(substring({off}, 5, 2) AS INT) * 60, 0) END"
    )
    # A valid date without risking an ANSI error: day 1 of a clamped month, then move forward.
    first = f"make_date(least(greatest({y}, 1), 9999), least(greatest({mo}, 1), 12), 1)"
    derived = {
        f"{tmp}_date": f"date_add({first}, least(greatest({d}, 1), 31) - 1)",
        f"{tmp}_offs": f"CASE WHEN substring({off}, 1, 1) = '-' THEN -({off_seconds}) ELSE {off_seconds} END",
        f"{tmp}_offok": f"({off} = ''"
        f" OR (substring({off}, 2, 2) <= '23' AND substring({off}, 5, 2) <= '59'))",
    }
    date, clock = f"{tmp}_date", f"{tmp}_clock"
    valid = (
        f"{tmp}_ok AND {y} >= 1 AND {mo} BETWEEN 1 AND 12 AND {d} BETWEEN 1 AND 31 AND month({date}) = {mo}"
        f" AND {clock} <= '23:59:59' AND substring({clock}, 4, 2) <= '59'"
        f" AND substring({clock}, 7, 2) <= '59'"
        f" AND {tmp}_offok"
    )
    micros = (
        f"(CAST(unix_date({date}) AS BIGINT) * 86400 + {tmp}_s - {tmp}_offs) * 1000000"
        f" + coalesce(try_cast({tmp}_frac AS BIGINT), 0)"
    )
    result = f"{tmp}_micros"
    df = add(add(add(df, fields), derived), {result: f"CASE WHEN {valid} THEN {micros} END"})
    df = add(df, {out_col: f"CASE WHEN {result} BETWEEN {_MIN_MICROS} AND {_MAX_MICROS} THEN {result} END"})
    # The helpers by name (asking a Spark Connect session for the columns costs a round trip).
    return df.drop(*fields, *derived, result)


def first_reason(order: tuple[str, ...], rules: dict[str, str]) -> str:
    """The first reason whose condition (`rules`: reason -> SQL that is true when the record
    breaks the rule) holds, in the order of `order` (the contract's codes, contract/reasons.py);
    NULL when none does. Every code of `order` but those decided later (reasons.DECIDED_LATER)
    must have its rule: a code without one, or a rule without a code, is an error here rather
    than a count silently missing from the checks."""
    expected = [reason for reason in order if reason not in DECIDED_LATER]
    if list(rules) != expected:
        raise ValueError(f"the rules {list(rules)} do not follow the reason codes {expected}")
    whens = " ".join(f"WHEN coalesce({broken}, true) THEN {q(reason)}" for reason, broken in rules.items())
    return f"CASE {whens} END"


# Up to this many repeated ids, the records they lose to are broadcast (no shuffle of the day).
_BROADCAST_MAX = 1_000_000


def resolve_duplicates(checked: DataFrame, id_col: str, reason: str) -> DataFrame:
    """Among valid records with the same id (or text key), keep the greatest updated_at (a tie:
    the last in file-name order, then file order); mark the others with `reason`.

    Runs one Spark job: the ids of the valid records come to the driver as one Arrow column
    (8 bytes a record, no shuffle), where the repeated ones are found; persist `checked` first,
    or it is computed again for the result. A day where no id repeats, the usual case, comes back
    as it is; otherwise only the records of repeated ids are ranked.
    """
    import pyarrow.compute as pc

    ids = checked.where("reason IS NULL").select(id_col).toArrow().column(0)
    counts = pc.value_counts(ids)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    if len(repeated) == 0:
        return checked
    import pyarrow as pa

    small = len(repeated) <= _BROADCAST_MAX
    if pa.types.is_integer(repeated.type):
        repeated = repeated.cast(pa.int64())
    repeated_ids = checked.sparkSession.createDataFrame(pa.table({id_col: repeated}))
    candidates = checked.where("reason IS NULL").join(F.broadcast(repeated_ids), id_col, "left_semi")
    order = Window.partitionBy(id_col).orderBy(
        F.col("updated_micros").desc_nulls_last(), F.col("source_file").desc(), F.col("record_no").desc()
    )
    losers = (
        candidates.withColumn("_rank", F.row_number().over(order))
        .where("_rank > 1")
        .selectExpr("source_file", "record_no", "true AS _duplicate")
    )
    marked = checked.join(F.broadcast(losers) if small else losers, ["source_file", "record_no"], "left")
    # By name, not by position (asking a Spark Connect session for the columns costs a round trip).
    marked = marked.withColumn("reason", F.expr(f"CASE WHEN _duplicate THEN {q(reason)} ELSE reason END"))
    return marked.drop("_duplicate")
