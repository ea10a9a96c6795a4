"""Which files of a help desk's folder are pages (one JSON object holding the records) and which
are JSON Lines, and when a folder of Zendesk pages lacks its last one (no Spark here)."""

from __future__ import annotations

import json

import pytest

from groups_assets.contract.reader import is_page_file
from groups_assets.formats.zendesk.pages import is_last_page

PAGES = ("result", "records")
CASES = {
    # JSON Lines, whatever their first line: a bad or blank line is one reject or skipped.
    b'\n{"a": 1}\n{"a": 2}\n': False,
    b'not json\n{"a": 1}\n': False,
    b'\xef\xbb\xbf\r\n{"a": 1}\r\n': False,
    b'{"result": 5}\n{"a": 1}\n': False,  # a record that has a field called result
    json.dumps({"a": 1, "b": 2}, indent=2).encode(): False,  # no page array: lines, each a reject
    # Pages: one line or several, the array first or not.
    json.dumps({"result": [{"a": 1}]}).encode(): True,
    json.dumps({"records": [{"a": 1}]}, indent=2).encode(): True,
    json.dumps({"count": 1, "result": [{"a": 1}]}, indent=2).encode(): True,
    b'\xef\xbb\xbf{"result": []}': True,
}


@pytest.mark.parametrize(("content", "page"), CASES.items(), ids=range(len(CASES)))
def test_a_page_is_told_from_json_lines(tmp_path, content, page):
    path = tmp_path / "f.json"
    path.write_bytes(content)
    assert is_page_file(path, PAGES) is page


@pytest.mark.parametrize(
    ("page", "last"),
    [
        ({"groups": [], "next_page": None}, True),
        ({"groups": [], "next_page": "https://x/api/v2/groups.json?page=3"}, False),
        ({"users": [], "next_page": "https://x", "end_of_stream": True}, True),
        ({"users": [], "next_page": "https://x", "end_of_stream": False}, False),
        ({"groups": [], "meta": {"has_more": False}, "links": {"next": None}}, True),
        ({"groups": [], "meta": {"has_more": True}, "links": {"next": "https://x"}}, False),
    ],
)
def test_a_zendesk_page_says_whether_it_is_the_last(tmp_path, page, last):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(page, indent=2))
    assert is_last_page(path) is last
