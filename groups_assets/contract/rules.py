"""The record rules of CONTRACT.md section 2 as Spark column expressions (no Python UDF).

Types are read from the parsed VARIANT with schema_of_variant, which tells a JSON integer
(BIGINT) from a float (DOUBLE/DECIMAL), a digit string (STRING) and the rest exactly.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

_TS_RE = (
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?"
    r"(Z|([+-])(\d{2}):(\d{2}))?\z"
)
# 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in microseconds since 1970.
_MIN_MICROS = -62135596800 * 1_000_000
_MAX_MICROS = 253402300799 * 1_000_000 + 999_999


def field(doc: Column, name: str) -> Column:
    """The field as a VARIANT; NULL when absent."""
    return F.try_variant_get(doc, f"$.{name}", "variant")


def vtype(value: Column) -> Column:
    """'BIGINT', 'STRING', 'BOOLEAN', 'VOID' (JSON null), 'OBJECT<...>', ...; NULL when absent."""
    return F.schema_of_variant(value)


def typed(doc: Column, name: str) -> list[Column]:
    """Columns `<name>` (the field as VARIANT) and `<name>_t` (its type), computed once so the
    rules below stay small expressions over plain columns."""
    value = field(doc, name)
    return [value.alias(name), vtype(value).alias(f"{name}_t")]


def is_missing(value: Column, kind: Column) -> Column:
    return value.isNull() | (kind == "VOID")


def as_string(value: Column, kind: Column) -> Column:
    return F.when(kind == "STRING", F.try_variant_get(value, "$", "string"))


def id_value(value: Column, kind: Column) -> Column:
    """The id as BIGINT when it follows the id rule (a JSON integer or a digit string,
    1 <= id <= 2^63-1); NULL otherwise."""
    integer = F.when(kind == "BIGINT", F.try_variant_get(value, "$", "bigint"))
    text = as_string(value, kind)
    # \z, not $: in Java's regex $ also matches before a final line break ("5\n").
    digits = F.when(text.rlike(r"^[0-9]+\z"), F.regexp_replace(text, "^0+(?=.)", ""))
    from_text = F.when(F.length(digits) <= 19, digits.try_cast("bigint"))
    ident = F.coalesce(integer, from_text)
    return F.when(ident >= 1, ident)


def element_id(value: Column) -> Column:
    """id_value for an array element (inside a higher-order function)."""
    return id_value(value, vtype(value))


def with_timestamp_micros(df: DataFrame, text_col: str, out_col: str) -> DataFrame:
    """Add `out_col`: microseconds since 1970-01-01 UTC for a valid contract timestamp in the
    string column `text_col`; NULL otherwise.

    Built in steps over plain columns: as one nested expression Spark's generated code grows too
    large and falls back to a slow interpreter.
    """
    text = F.col(text_col)
    tmp = f"_{out_col}"
    parts = {
        # Fixed positions: YYYY-MM-DD?HH:MM:SS, then an optional fraction and offset.
        f"{tmp}_ok": F.coalesce(text.rlike(_TS_RE), F.lit(False)),
        f"{tmp}_y": F.substring(text, 1, 4).try_cast("int"),
        f"{tmp}_mo": F.substring(text, 6, 2).try_cast("int"),
        f"{tmp}_d": F.substring(text, 9, 2).try_cast("int"),
        f"{tmp}_s": (
            F.substring(text, 12, 2).try_cast("int") * 3600
            + F.substring(text, 15, 2).try_cast("int") * 60
            + F.substring(text, 18, 2).try_cast("int")
        ),
        f"{tmp}_clock": F.substring(text, 12, 8),
        f"{tmp}_frac": F.rpad(F.regexp_extract(F.substring(text, 20, 20), r"^\.(\d{1,6})", 1), 6, "0"),
        f"{tmp}_off": F.regexp_extract(F.substring(text, 20, 20), r"([+-])(\d{2}):(\d{2})\z", 0),
    }
    df = df.withColumns(parts)
    y, mo, d, off = (F.col(f"{tmp}_{k}") for k in ("y", "mo", "d", "off"))
    off_seconds = F.coalesce(
        F.substring(off, 2, 2).try_cast("int") * 3600 + F.substring(off, 5, 2).try_cast("int") * 60, F.lit(0)
    )
    # A valid date without risking an ANSI error: day 1 of a clamped month, then move forward.
    first = F.make_date(
        F.least(F.greatest(y, F.lit(1)), F.lit(9999)), F.least(F.greatest(mo, F.lit(1)), F.lit(12)), F.lit(1)
    )
    df = df.withColumns(
        {
            f"{tmp}_date": F.date_add(first, F.least(F.greatest(d, F.lit(1)), F.lit(31)) - 1),
            f"{tmp}_offs": F.when(F.substring(off, 1, 1) == "-", -off_seconds).otherwise(off_seconds),
            f"{tmp}_offok": (off == "")
            | ((F.substring(off, 2, 2) <= "23") & (F.substring(off, 5, 2) <= "59")),
        }
    )
    date = F.col(f"{tmp}_date")
    valid = (
        F.col(f"{tmp}_ok")
        & (y >= 1)
        & mo.between(1, 12)
        & d.between(1, 31)
        & (F.month(date) == mo)
        & (F.col(f"{tmp}_clock") <= "23:59:59")
        & (F.substring(F.col(f"{tmp}_clock"), 4, 2) <= "59")
        & (F.substring(F.col(f"{tmp}_clock"), 7, 2) <= "59")
        & F.col(f"{tmp}_offok")
    )
    micros = (
        F.unix_date(date).cast("long") * 86400 + F.col(f"{tmp}_s") - F.col(f"{tmp}_offs")
    ) * 1_000_000 + F.coalesce(F.col(f"{tmp}_frac").try_cast("long"), F.lit(0))
    df = df.withColumn(f"{tmp}_micros", F.when(valid, micros))
    result = F.col(f"{tmp}_micros")
    df = df.withColumn(out_col, F.when(result.between(_MIN_MICROS, _MAX_MICROS), result))
    return df.drop(*[c for c in df.columns if c.startswith(f"{tmp}_")])


def first_reason(checks: list[tuple[str, Column]]) -> Column:
    """The first reason whose condition holds, in contract order; NULL when none does."""
    expr = None
    for reason, broken in checks:
        cond = F.coalesce(broken, F.lit(True))
        expr = F.when(cond, F.lit(reason)) if expr is None else expr.when(cond, F.lit(reason))
    return expr


def mark_duplicates(records: DataFrame, id_col: str, reason: str) -> DataFrame:
    """Among valid records with the same id, keep the greatest updated_at (a tie: the last in
    file-name order, then file order); mark the others with `reason`.

    One window over all records in one pass (a rejected record is a group of its own), so the
    validated records are not computed twice."""
    valid = F.col("reason").isNull()
    order = Window.partitionBy(
        F.when(valid, F.col(id_col)),
        F.when(~valid, F.col("source_file")),
        F.when(~valid, F.col("record_no")),
    ).orderBy(
        F.col("updated_micros").desc_nulls_last(),
        F.col("source_file").desc(),
        F.col("record_no").desc(),
    )
    duplicate = valid & (F.row_number().over(order) > 1)
    return records.withColumn("reason", F.when(duplicate, F.lit(reason)).otherwise(F.col("reason")))
