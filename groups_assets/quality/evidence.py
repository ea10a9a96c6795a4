"""Evidence for check results: rows as a markdown table, as the Dagster UI shows it, and the day
the result is about."""

from collections.abc import Iterable

from dagster import AssetCheckResult

SAMPLE_ROWS = 10
_CELL_MAX = 120


def markdown_table(rows: Iterable[dict]) -> str:
    rows = list(rows)
    if not rows:
        return "(none)"
    columns = list(rows[0])

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
        return text if len(text) <= _CELL_MAX else text[: _CELL_MAX - 1] + "…"

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def dated(result: AssetCheckResult, day: str) -> AssetCheckResult:
    """The result with its day, in its description and its metadata (the UI's check page shows
    both; an alert names the day too)."""
    return AssetCheckResult(
        passed=result.passed,
        asset_key=result.asset_key,
        check_name=result.check_name,
        severity=result.severity,
        description=f"day {day}: {result.description}",
        metadata={"day": day, **result.metadata},
    )
