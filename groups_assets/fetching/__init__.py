"""Fetch a sync day from a system's API into `<root>/sync-<day>/`, whole or not at all.

A system describes its API (formats/<system>/fetch.py: an Api and its Endpoints, in spec.py's
terms); `fetch_day` walks every endpoint page by page (client.py), writes each page as it arrives
(landing.py), checks the records received against what the API says it has, and only then
puts the day in place. One page is held at a time, so memory stays flat however large the day.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from groups_assets.fetching.client import ApiClient
from groups_assets.fetching.landing import landing
from groups_assets.fetching.spec import (
    DEADLINE_SECONDS,
    Api,
    Bounds,
    DayExists,
    Endpoint,
    Fetched,
    FetchFailed,
    MissingSetting,
    variable,
)

__all__ = [
    "DEADLINE_SECONDS",
    "Api",
    "Bounds",
    "DayExists",
    "Endpoint",
    "FetchFailed",
    "Fetched",
    "MissingSetting",
    "api_of",
    "fetch_day",
    "variable",
]

_logger = logging.getLogger(__name__)


def fetch_day(
    api: Api,
    endpoints: Sequence[Endpoint],
    root: Path,
    day: str,
    *,
    force: bool = False,
    bounds: Bounds | None = None,
) -> list[Fetched]:
    """Write `<root>/sync-<day>/` from `endpoints` of `api`; what each endpoint gave. FetchFailed
    says why nothing was written (an existing day is kept unless `force`)."""
    bounds = bounds or Bounds()
    fetched = []
    with landing(root, day, force) as land:
        client = ApiClient(api, bounds)
        try:
            for endpoint in endpoints:
                records, pages, total = 0, 0, None
                for page in client.pages(endpoint):
                    if endpoint.total is not None:  # the same on every page, or rows moved
                        said = _total(api, endpoint, page.response)
                        if total is not None and said != total:
                            raise FetchFailed(
                                f"{api.system} {endpoint.name}, page {page.number}: the API says it has "
                                f"{said} record(s), {total} on the first page: the table changed during "
                                "the fetch, so pages may have skipped or repeated rows. Nothing was "
                                "written; fetch the day again."
                            )
                        total = said
                    body = json.dumps(endpoint.page(page.records, page.more))
                    land.write(endpoint.folder, endpoint.name, page.number, body)
                    records, pages = records + len(page.records), page.number
                if total is not None and records != total:
                    raise FetchFailed(
                        f"{api.system} {endpoint.name}: {records} record(s) received, but the API says it "
                        f"has {total}: the table changed during the fetch, or pages were lost. Nothing "
                        "was written; fetch the day again."
                    )
                _logger.info(f"{endpoint.name}: {records} record(s) in {pages} page(s)")
                fetched.append(Fetched(endpoint.name, endpoint.folder, records, pages))
        finally:
            client.close()
        land.commit()
    return fetched


def _total(api: Api, endpoint: Endpoint, response: Any) -> int:
    total = endpoint.total(response)
    if total is None:
        raise FetchFailed(
            f"{api.system} {endpoint.name}: a page does not say how many records the table has, so "
            "the day cannot be checked. Nothing was written."
        )
    return total


def api_of(
    settings: Mapping[str, Any],
    system: str,
    fields: tuple[str, str, str, str],
    *,
    example: str,
    needs: str,
    basic_user: Callable[[str], str] = str,
) -> Api:
    """A system's API from the API resource's fields (`settings`) that `fields` names: its URL, a
    bearer token, and the user and password of basic authentication, used when there is no
    token (`basic_user` turns the user into the one sent). MissingSetting names the variables of
    what is not set."""
    url, token, user, password = fields

    def given(field: str) -> str | None:
        value = settings.get(field)
        return (str(value).strip() or None) if value is not None else None

    address = given(url)
    if address is None or not address.startswith(("https://", "http://")):
        problem = "is not set" if address is None else "is not an http(s) URL"
        raise MissingSetting(f"{variable(url)} {problem}: the API's address, e.g. {example}")
    address = address.rstrip("/")
    if bearer := given(token):
        return Api(system, address, (variable(token),), token=bearer)
    name, secret = given(user), given(password)
    if name and secret:
        return Api(
            system, address, (variable(user), variable(password)), user=basic_user(name), password=secret
        )
    raise MissingSetting(
        f"{variable(user)} and {variable(password)} are not both set, nor {variable(token)}: "
        f"{system} needs {needs}, or an OAuth token"
    )
