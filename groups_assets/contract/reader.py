"""Read one source folder of a day into records: raw text, position and parsed JSON (Spark).

JSON Lines and JSON array files are told apart per file (CONTRACT.md section 1). A format whose
systems write pages (an API response `{"result": [...]}`, an export `{"records": [...]}`) names
their keys, and such a file's records are the elements of that array (CONTRACT.md 7). Each
record keeps its file, its position (line number, or element number in an array or a page; 0
for an array or page file that does not parse) and its raw text for the rejects table: `raw`, or
for an element of an array or page, `doc` written back as JSON (raw_text). `doc` is the record
parsed as a VARIANT, or NULL when it is not valid JSON.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import (
    BinaryType,
    BooleanType,
    LongType,
    StringType,
    StructField,
    StructType,
    VariantType,
)

from groups_assets.contract.rules import q

RECORD_SCHEMA = StructType(
    [
        StructField("source_file", StringType(), False),
        StructField("record_no", LongType(), False),
        StructField("raw", StringType(), True),
        StructField("doc", VariantType(), True),
        StructField("parsed", BooleanType(), False),
    ]
)

# Spark's JSON parser accepts trailing text after the first value (`{"a":1} x`). Parsing
# `[<text>\n,"<sentinel>"]` instead and asking for exactly [value, sentinel] is strict: any
# trailing text either breaks the parse or shows up as a missing or extra element.
_SENTINEL = "\\u0000groups-end"
_ROW_BITS = (1 << 33) - 1  # monotonically_increasing_id = partition << 33 | row in partition
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_BLANK_LINE = "^[ \\t\\r\\n]*\\z"  # only spaces, tabs and line ends: skipped
_PAGE_START = re.compile(rb'\s*\{\s*"([A-Za-z_]+)"\s*:\s*\[')  # {"result": [ ...


def _first_character(path: Path) -> bytes:
    """The first non-blank byte of the file (after a BOM); empty for a blank file."""
    with path.open("rb") as f:
        head = f.read(3)
        if head != _BOM:
            f.seek(0)
        while chunk := f.read(65536):
            stripped = chunk.lstrip(_WHITESPACE)
            if stripped:
                return stripped[:1]
    return b""


def oversized_pages(files: list[Path], pages: tuple[str, ...]) -> list[Path]:
    """The page files (is_page_file) too large to read as one record: their records would all
    be lost in one reject, so the day refuses them instead."""
    return [p for p in files if p.stat().st_size > MAX_RECORD_BYTES and is_page_file(p, pages)]


def is_array_file(path: Path) -> bool:
    """True when the first non-blank character (after a BOM) is '['."""
    return _first_character(path) == b"["


def is_page_file(path: Path, pages: tuple[str, ...]) -> bool:
    """True when the file is one JSON object holding one of the `pages` arrays (an API page, an
    export), on one line or several; any other file is JSON Lines (a bad or blank line is then
    one reject or skipped, as the contract says). The start of the file tells, and only a file
    that starts otherwise (a page whose array is not its first key) is parsed whole to know."""
    if not pages or _first_character(path) != b"{":
        return False
    with path.open("rb") as f:
        head = f.read(65536).removeprefix(_BOM)
    if (start := _PAGE_START.match(head)) and start[1].decode() in pages:
        return True
    first = head.lstrip().split(b"\n", 1)[0]
    try:
        json.loads(first)
        return False  # a whole value on its first line: JSON Lines
    except ValueError:
        pass
    if path.stat().st_size > MAX_RECORD_BYTES:
        return False
    try:
        document = json.loads(path.read_bytes().removeprefix(_BOM))
    except ValueError:
        return False
    return isinstance(document, dict) and any(isinstance(document.get(key), list) for key in pages)


def _strict_parse(frame: DataFrame, text: str, utf8: str) -> DataFrame:
    """`frame` with `ok` (the column `text` is exactly one JSON value, and valid UTF-8 as the
    column `utf8` says) and `doc` (that value as a VARIANT; NULL unless ok).

    The text is parsed once, into a column of its own: as one expression the parse would be
    repeated in every place that reads it."""
    wrapped = f"try_parse_json(concat('[', {text}, {q(chr(10) + ',' + chr(34) + _SENTINEL + chr(34) + ']')}))"
    frame = frame.selectExpr("*", f"CASE WHEN {utf8} THEN {wrapped} END AS _wrapped")
    frame = frame.selectExpr("*", "try_variant_get(_wrapped, '$', 'array<variant>') AS _elements")
    ok = (
        f"coalesce(_wrapped IS NOT NULL AND array_size(_elements) = 2"
        f" AND try_variant_get(_wrapped, '$[1]', 'string') = {q(chr(0) + 'groups-end')}"
        # Text that itself closes the array with the sentinel is not one JSON value either.
        f" AND NOT contains({text}, {q(_SENTINEL)}), false)"
    )
    frame = frame.selectExpr("*", f"{ok} AS ok")
    return frame.selectExpr("*", "CASE WHEN ok THEN _elements[0] END AS doc").drop("_wrapped", "_elements")


def raw_text(raw: str, doc: str) -> str:
    """A record's text for the rejects table, as SQL over its `raw` and `doc` columns."""
    return f"coalesce({raw}, to_json({doc}))"


def _strip_bom(text: str) -> str:
    return f"regexp_replace({text}, {q('^' + chr(0xFEFF))}, '')"


def _source_file(source: str) -> str:
    # _metadata.file_name is URI-encoded; url_decode would also turn a literal '+' into a space.
    return f"concat({q(source + '/')}, url_decode(replace(_metadata.file_name, '+', '%2B')))"


# Spark's file reader skips names starting with '_' or '.', reads glob characters in a path as a
# pattern, and cannot take ':' in a name. Such files are read on the driver instead (they are
# rare: the usual export names take the parallel path).
_GLOB_OR_URI = re.compile(r"[*?\[\]{}\\:]")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")  # as Spark's text reader splits lines


# A record (a line, or a whole array file) longer than this is rejected as invalid_json without
# being parsed, so memory stays bounded whatever the input; its raw text is kept shortened.
MAX_RECORD_BYTES = 64 << 20
RAW_KEPT_BYTES = 1 << 20
_CHUNK = 1 << 20
_NO_MERGE = 1 << 30  # partitions for a coalesce that keeps every partition as it is
_BREAK_BYTE = re.compile(rb"[\r\n]")


def spark_can_read(path: Path) -> bool:
    return not path.name.startswith(("_", ".")) and not _GLOB_OR_URI.search(str(path))


def has_long_line(path: Path, limit: int = MAX_RECORD_BYTES) -> bool:
    """True when some line of the file is longer than `limit` bytes (read in chunks; a file no
    larger than the limit is not read at all)."""
    if path.stat().st_size <= limit:
        return False
    since_break = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            if limit < len(chunk):  # every gap inside the chunk can matter
                previous = -1 - since_break
                for match in _BREAK_BYTE.finditer(chunk):
                    if match.start() - previous - 1 > limit:
                        return True
                    previous = match.start()
                since_break = len(chunk) - 1 - previous
            else:  # only gaps across chunk boundaries can be longer than the limit
                first = _BREAK_BYTE.search(chunk)
                if first is None:
                    since_break += len(chunk)
                else:
                    if since_break + first.start() > limit:
                        return True
                    since_break = len(chunk) - 1 - max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
            if since_break > limit:
                return True
    return False


def _shortened(head: bytes | bytearray, length: int) -> bytes:
    return bytes(head[:RAW_KEPT_BYTES]) + f"... [{length} bytes in all: longer than the limit]".encode()


def stream_lines(path: Path, limit: int = MAX_RECORD_BYTES):
    """(line number, bytes, too_long) for every line, as Spark's text reader splits them, holding
    at most `limit` bytes of one line; a longer line comes back shortened with too_long set."""
    number, head, length = 0, bytearray(), 0
    with path.open("rb") as f:
        chunk = f.read(_CHUNK)
        while chunk:
            following = f.read(_CHUNK)
            if following and chunk.endswith(b"\r"):  # a \r\n may straddle two chunks
                chunk, following = chunk[:-1], b"\r" + following
            start = 0
            for match in _LINE_BREAK.finditer(chunk):
                piece = chunk[start : match.start()]
                number += 1
                total = length + len(piece)
                if total > limit:
                    yield (
                        number,
                        _shortened(bytes(head[:RAW_KEPT_BYTES]) + piece[:RAW_KEPT_BYTES], total),
                        True,
                    )
                else:
                    yield number, bytes(head) + piece, False
                head, length, start = bytearray(), 0, match.end()
            rest = chunk[start:]
            if len(head) <= limit:  # past the limit, what is kept is enough to show
                head += rest[: limit + 1 - len(head)]
            length += len(rest)
            chunk = following
    if length:
        number += 1
        yield (number, _shortened(head, length), True) if length > limit else (number, bytes(head), False)


def _driver_frame(spark: SparkSession, rows: list[tuple], with_record_no: bool) -> DataFrame:
    fields = [StructField("source_file", StringType(), False)]
    if with_record_no:
        fields.append(StructField("record_no", LongType(), False))
    fields.append(StructField("value", BinaryType(), False))
    fields.append(StructField("too_long", BooleanType(), False))
    frame = spark.createDataFrame(rows, StructType(fields))
    # Binary to string keeps the bytes as they are, as the text reader does (invalid UTF-8 too).
    return frame.withColumn("value", frame["value"].cast("string"))


def _line_frame(spark: SparkSession, files: list[Path], source: str) -> DataFrame:
    """(source_file, record_no, value): every line of the JSON Lines files, blank ones too."""
    frames = []
    readable = [p for p in files if spark_can_read(p) and not has_long_line(p)]
    if readable:
        frames.append(
            spark.read.text([str(p) for p in readable]).selectExpr(
                f"{_source_file(source)} AS source_file",
                f"(monotonically_increasing_id() & {_ROW_BITS}) + 1 AS record_no",
                "value",
                "false AS too_long",
            )
        )
    rows = []
    for path in (p for p in files if p not in readable):
        rows += [(f"{source}/{path.name}", n, line, long) for n, line, long in stream_lines(path)]
    if rows:
        frames.append(_driver_frame(spark, rows, with_record_no=True))
    return _union(frames)


def _whole_frame(spark: SparkSession, files: list[Path], source: str) -> DataFrame:
    """(source_file, value): the whole text of each JSON array file or page file."""
    frames = []
    small = [p for p in files if p.stat().st_size <= MAX_RECORD_BYTES]
    readable = [p for p in small if spark_can_read(p)]
    if readable:
        frames.append(
            spark.read.text([str(p) for p in readable], wholetext=True).selectExpr(
                f"{_source_file(source)} AS source_file", "value", "false AS too_long"
            )
        )
    rows = [(f"{source}/{p.name}", p.read_bytes(), False) for p in small if p not in readable]
    for path in (p for p in files if p not in small):
        with path.open("rb") as f:
            rows.append(
                (f"{source}/{path.name}", _shortened(f.read(RAW_KEPT_BYTES), path.stat().st_size), True)
            )
    if rows:
        frames.append(_driver_frame(spark, rows, with_record_no=False))
    return _union(frames)


def _union(frames: list[DataFrame]) -> DataFrame:
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out


def _lines(spark: SparkSession, files: list[Path], source: str) -> DataFrame:
    lines = _line_frame(spark, files, source).selectExpr(
        "source_file",
        "record_no",
        f"CASE WHEN record_no = 1 THEN {_strip_bom('value')} ELSE value END AS text",
        "is_valid_utf8(value) AND NOT too_long AS utf8",
    )
    lines = lines.where(f"NOT regexp_like(text, {q(_BLANK_LINE)})")
    return _strict_parse(lines, "text", "utf8").selectExpr(
        "source_file", "record_no", "make_valid_utf8(text) AS raw", "doc", "ok AS parsed"
    )


def _arrays(spark: SparkSession, files: list[Path], source: str, pages: tuple[str, ...] = ()) -> DataFrame:
    """The elements of whole-file JSON: an array's (no `pages`), or a page's: the array under one
    of the `pages` keys, or else the document itself, one record."""
    whole = _whole_frame(spark, files, source).selectExpr(
        "source_file", f"{_strip_bom('value')} AS text", "is_valid_utf8(value) AND NOT too_long AS utf8"
    )
    if pages:
        found = [f"try_variant_get(doc, {q('$.' + key)}, 'array<variant>')" for key in pages]
        itself = "CASE WHEN startswith(schema_of_variant(doc), 'OBJECT') THEN array(doc) END"
        elements = f"coalesce({', '.join(found)}, {itself})"
    else:
        elements = "try_variant_get(doc, '$', 'array<variant>')"
    whole = _strict_parse(whole, "text", "utf8").selectExpr("source_file", "text", f"{elements} AS elements")
    # The text of a file that is not one JSON array (or page): one reject, the whole file.
    whole = whole.selectExpr(
        "source_file", "elements", "CASE WHEN elements IS NULL THEN make_valid_utf8(text) END AS bad"
    )
    # One generator over both kinds of file (no filter to push below the parse): a good file
    # gives its elements, a bad one a single record numbered 0.
    items = whole.selectExpr(
        "source_file", "bad", "posexplode(coalesce(elements, array(CAST(NULL AS VARIANT)))) AS (pos, doc)"
    )
    # A file's elements all come from one input row, so the code Spark fuses after the explode
    # would run as one call looping over every element, a method too large for the JVM's
    # compilers to compile. A coalesce that merges nothing ends the fused stage here: the rules
    # then run once per element, in code compiled as for JSON Lines records.
    items = items.coalesce(_NO_MERGE)
    # An element's text is its `doc` written back as JSON, which only a reject needs: `raw` stays
    # NULL here and validation writes it for the rejects (most elements are valid).
    return items.selectExpr(
        "source_file",
        "CASE WHEN bad IS NULL THEN CAST(pos + 1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS record_no",
        "bad AS raw",
        "doc",
        "bad IS NULL AS parsed",
    )


def read_records(
    spark: SparkSession, files: list[Path], source: str, pages: tuple[str, ...] = ()
) -> DataFrame:
    """Every record of `files` (the `*.json` files of one folder of a day, as json_files lists
    them), as RECORD_SCHEMA. `pages`: the keys of the arrays that hold the records in a page
    file of the format."""
    arrays = [p for p in files if is_array_file(p)]
    paged = [p for p in files if p not in arrays and is_page_file(p, pages)]
    lines = [p for p in files if p not in arrays and p not in paged]
    parts = []
    if lines:
        parts.append(_lines(spark, lines, source))
    if arrays:
        parts.append(_arrays(spark, arrays, source))
    if paged:
        parts.append(_arrays(spark, paged, source, pages))
    if not parts:
        return spark.createDataFrame([], RECORD_SCHEMA)
    return _union(parts)
