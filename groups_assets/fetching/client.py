"""The pages of one API endpoint over HTTP, on dlt's REST client (pagination, retries that honour
Retry-After); every fault ends as a FetchFailed naming the table, the page reached and its URL.

Every request has a timeout (to connect, and for each silence while it answers). Retried, with
backoff (backoff_seconds, doubling, at most max_wait_seconds apart), up to `attempts` tries:
- a 5xx answer, a timeout, a connection refused or dropped, a body shorter than its
  Content-Length, and a 2xx body that is not whole JSON (a connection closed mid-body);
- a 429, after its Retry-After when that is within max_wait_seconds. A 429 asking for longer
  fails at once: the API will not answer sooner.
Not retried: 401 and 403 (retrying cannot mend credentials), and any other 4xx (the request is
wrong). The fetch's deadline is checked before each page.

dlt is imported when a client is made, not with this module: it takes a while to import, and a
command that does not fetch does not pay for it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

from groups_assets.fetching.spec import Api, Bounds, Endpoint, FetchFailed, variable
from groups_assets.redact import redact

HEADERS = {"Accept": "application/json", "User-Agent": "groups-pipeline"}


class Page(NamedTuple):
    number: int  # from 1
    records: list
    more: bool  # another page follows
    response: Any  # the page's HTTP response (requests.Response)


class ApiClient:
    """A session on one API, for one fetch: `pages` walks an endpoint; `close` ends the session."""

    def __init__(self, api: Api, bounds: Bounds) -> None:
        """The fetch's deadline runs from here: no page is requested after it."""
        os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
        from dlt.sources.helpers.requests import Client
        from dlt.sources.helpers.rest_client import RESTClient
        from dlt.sources.helpers.rest_client.auth import BearerTokenAuth, HttpBasicAuth

        self.api, self.bounds = api, bounds
        self._session = Client(
            request_timeout=(bounds.connect_seconds, bounds.read_seconds),
            raise_for_status=False,
            status_codes=range(500, 600),
            retry_condition=[self._rate_limited, _cut_short],
            request_max_attempts=bounds.attempts,
            request_backoff_factor=bounds.backoff_seconds,
            request_max_retry_delay=bounds.max_wait_seconds,
        ).session
        if api.token:
            auth = BearerTokenAuth(token=api.token)
        else:
            auth = HttpBasicAuth(username=api.user, password=api.password)
        self._rest = RESTClient(api.url, headers=HEADERS, auth=auth, session=self._session)
        self.deadline = time.monotonic() + bounds.deadline_seconds

    def close(self) -> None:
        self._session.close()

    def pages(self, endpoint: Endpoint) -> Iterator[Page]:
        """The endpoint's pages in order, one at a time."""
        import requests
        from dlt.sources.helpers.rest_client.utils import join_url

        found = self._rest.paginate(
            endpoint.path,
            params=dict(endpoint.params),  # the paginator writes the next page's cursor into it
            paginator=endpoint.paging(),
            data_selector=endpoint.records,
        )
        number, url = 1, _url(join_url(self.api.url, endpoint.path), endpoint.params)
        while True:
            if time.monotonic() > self.deadline:
                raise FetchFailed(
                    f"{self._where(endpoint, number, url)}: the fetch's deadline of "
                    f"{self.bounds.deadline_seconds:g} s ({variable('deadline_seconds')}) passed"
                )
            try:
                page = next(found)
            except StopIteration:
                return
            except (requests.RequestException, ValueError) as err:
                raise FetchFailed(f"{self._where(endpoint, number, url)}: {self._why(err)}") from err
            more = page.paginator.has_next_page
            yield Page(number, page, more, page.response)
            if not more:
                return
            # The request dlt sends next (page.request.url may already be the next page's).
            number, url = number + 1, _url(page.request.url, page.request.params)

    def _rate_limited(self, response, error) -> bool:
        """A 429 worth waiting for: its Retry-After is within the bound and the time the fetch has
        left, or it has none (backoff)."""
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response)
        return wait is None or wait <= min(self.bounds.max_wait_seconds, self.deadline - time.monotonic())

    def _where(self, endpoint: Endpoint, number: int, url: str) -> str:
        return f"{self.api.system} {endpoint.name}, page {number} ({redact(url)})"

    def _why(self, err: Exception) -> str:
        import requests

        bounds = self.bounds
        tries = f"after {bounds.attempts} attempt(s)"
        response = getattr(err, "response", None)
        if isinstance(err, requests.HTTPError) and response is not None:
            status = response.status_code
            if status in (401, 403):
                what = "refused the credentials" if status == 401 else "does not let the credentials read it"
                names = " and ".join(self.api.credentials)
                return f"{self.api.system} {what} (HTTP {status}); check {names}. Not retried."
            if status == 429:
                wait = retry_after(response)
                if wait is not None and wait > bounds.max_wait_seconds:
                    return (
                        f"rate-limited (HTTP 429) with a Retry-After of {wait:g} s, longer than the "
                        f"{bounds.max_wait_seconds:g} s a fetch waits; fetch again later"
                    )
                return f"still rate-limited (HTTP 429) {tries}"
            if status >= 500:
                return f"HTTP {status} {response.reason} {tries}"
            return f"HTTP {status} {response.reason}: the API refused the request. Not retried."
        if isinstance(err, requests.Timeout):
            return (
                f"no connection within {bounds.connect_seconds:g} s or no answer within "
                f"{bounds.read_seconds:g} s, {tries}"
            )
        if isinstance(err, requests.JSONDecodeError):
            return f"the answer was cut short or is not JSON, {tries}"
        if isinstance(err, requests.RequestException):
            return f"the connection failed or dropped mid-answer ({type(err).__name__}), {tries}"
        return f"the answer is not a page of this API: {str(err)[:300]}"


def _cut_short(response, error) -> bool:
    """A 2xx answer whose body is not whole JSON: the connection closed in the middle of it."""
    if response is None or not response.ok:
        return False
    try:
        response.json()
    except ValueError:
        return True
    return False


def retry_after(response) -> float | None:
    """The seconds a response asks to wait (Retry-After: seconds, or an HTTP date); None when it
    does not say."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _url(url: str, params: dict | None) -> str:
    """The URL a GET of `url` with `params` requests (credentials travel in headers, not here)."""
    import requests

    return requests.Request("GET", url, params=params).prepare().url
