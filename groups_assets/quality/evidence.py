"""Evidence for check results: rows as a markdown table, as the Dagster UI shows it."""

from collections.abc import Iterable

from groups_assets.quality.verdict import Markdown

SAMPLE_ROWS = 10
_CELL_MAX = 120


def markdown_table(rows: Iterable[dict]) -> Markdown:
    rows = list(rows)
    if not rows:
        return Markdown("(none)")
    columns = list(rows[0])

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
        return text if len(text) <= _CELL_MAX else text[: _CELL_MAX - 1] + "…"

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return Markdown("\n".join(lines))
