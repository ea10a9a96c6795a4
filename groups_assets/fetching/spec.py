"""What a fetch is given: the API and its credentials, the endpoints that make a day, and the
bounds on time and tries; and the two ways it ends without a day.

A system's package (formats/<system>/fetch.py) describes its API in these terms; fetching/ does
the rest. Messages are plain sentences that name variables, never their values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from groups_assets.variables import variable_of

DEADLINE_SECONDS = 3600.0


class FetchFailed(Exception):
    """The fetch stopped and left no day behind; the message says where and why."""


class DayExists(FetchFailed):
    """The day's folder is there, and the fetch was not told to replace it."""


class MissingSetting(ValueError):
    """A setting the fetch needs is not set or breaks its rule; the message names its variable."""


@dataclass(frozen=True)
class Api:
    """An API to fetch from: its URL, its credentials (a bearer token, or a user and password for
    basic authentication) and the variables that hold them, named when the API refuses them."""

    system: str  # as messages name it: ServiceNow, Zendesk
    url: str
    credentials: tuple[str, ...]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Endpoint:
    """One table of the API and where its pages land in the day.

    `paging` makes a new dlt paginator for it; `page` makes the file of one page from its records
    and whether more pages follow, in a shape the format reads; `total`, when the API says how
    many records it has, reads that from the first page's response (None: it did not say)."""

    name: str  # the API's table, as the summary and errors name it
    folder: str  # the day's folder its pages go to
    path: str  # relative to the API's URL
    params: dict[str, Any]
    records: str  # the key of the records in a response
    paging: Callable[[], Any]
    page: Callable[[list, bool], dict]
    total: Callable[[Any], int | None] | None = None


@dataclass(frozen=True)
class Bounds:
    """How long a fetch may take and how hard it tries."""

    deadline_seconds: float = DEADLINE_SECONDS  # the whole fetch, checked between pages
    connect_seconds: float = 10.0  # each request: to connect
    read_seconds: float = 60.0  # each request: the longest silence while it answers
    attempts: int = 5  # tries of one request, the first included
    backoff_seconds: float = 1.0  # the wait before the second try, doubling after
    max_wait_seconds: float = 60.0  # the longest wait between tries; a longer Retry-After fails


@dataclass(frozen=True)
class Fetched:
    """What a fetch wrote of one endpoint."""

    name: str
    folder: str
    records: int
    pages: int


def variable(field: str) -> str:
    """The variable that sets the API resource's `field` (servicenow_url: GROUPS_SERVICENOW_URL)."""
    return variable_of(f"api.{field}")
