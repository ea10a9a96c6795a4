"""Zendesk's pages: whether a folder of API pages holds the last one (the pipeline reads pages as
found and does not follow next_page, so a folder without its last page lost records)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from groups_assets.contract.reader import is_page_file

_TAIL = 65536
_LAST_PAGE = re.compile(rb'"next_page"\s*:\s*null|"end_of_stream"\s*:\s*true|"has_more"\s*:\s*false')
_PAGE_END_KEYS = re.compile(rb'"(next_page|end_of_stream|has_more)"\s*:')


def is_last_page(path: Path) -> bool:
    """A page that says it is the last: `next_page` null, `end_of_stream` true (the incremental
    export), or `meta.has_more` false (cursor pagination). Read from the end of the file, where
    the API writes these keys; a page that does not have them there is parsed whole."""
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - _TAIL))
        tail = f.read()
    if _PAGE_END_KEYS.search(tail):
        return bool(_LAST_PAGE.search(tail))
    try:
        page = json.loads(path.read_bytes())
    except ValueError:
        return True  # not a page after all: its records are rejected on their own
    if not isinstance(page, dict):
        return True
    if "meta" in page and isinstance(page["meta"], dict) and "has_more" in page["meta"]:
        return page["meta"]["has_more"] is False
    return page.get("next_page") is None or page.get("end_of_stream") is True


def pages_complete(folder: str, pages: tuple[str, ...]):
    """The folder's completeness check: when its files are API pages, one must be the last (the
    pipeline does not follow next_page; a folder without its last page lost records)."""

    def check(files: list[Path]) -> str | None:
        paged = [p for p in files if is_page_file(p, pages)]
        if not paged or any(is_last_page(p) for p in paged):
            return None
        return (
            f"{folder}/ holds {len(paged)} API page(s), each with a next_page and none the last "
            "(next_page null or end_of_stream true): the export is incomplete. Fetch the missing "
            "page(s) into the folder and run the day again."
        )

    return check
