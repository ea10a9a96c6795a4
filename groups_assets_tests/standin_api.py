"""Stand-ins for ServiceNow's Table API and Zendesk's Support API on 127.0.0.1, written from their
documented shapes, serving generated records in pages and failing on demand.

ServiceNow: `GET /api/now/table/<table>` with sysparm_fields, sysparm_query=ORDERBYsys_id,
sysparm_limit and sysparm_offset; `{"result": [...]}`, `X-Total-Count` and a `Link` header with
rel="first", "prev", "next" (while rows remain) and "last", as the instance writes it.
Zendesk: `GET /api/v2/<table>` with page[size] and page[after]; `{"<table>": [...], "meta":
{"has_more", "after_cursor", "before_cursor"}, "links": {"prev", "next"}}`. The groups list leaves
out deleted groups unless asked for them (`exclude_deleted=false`).

Each server answers at most `page_size` records a page whatever the request asks, records every
request (`requests`), and applies the first `Fault` that matches a request instead of answering.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Fault:
    """What the server does instead of answering a request of `table` (None: any) for page
    `page` (None: any), `times` times (None: every time):
    - "status": answers `status` with `headers` (a Retry-After, say);
    - "cut": sends a Content-Length and half the body, then closes;
    - "truncate": sends half the body without a Content-Length, then closes (a body cut short
      that the HTTP layer cannot tell);
    - "drop": closes the connection without answering;
    - "slow": answers after `seconds`;
    - "hang": waits `seconds`, then closes without answering."""

    kind: str = "status"
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    table: str | None = None
    page: int | None = None
    times: int | None = 1
    seconds: float = 0.0


class StandIn(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    unauthorized: ClassVar[dict] = {}  # the body of a 401

    def __init__(self, tables: dict[str, list[dict]], authorizations: set[str], page_size: int) -> None:
        """`tables`: the API's records by table; `authorizations`: the Authorization headers it
        accepts."""
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tables = tables
        self.authorizations = authorizations
        self.page_size = page_size
        self.faults: list[Fault] = []
        self.requests: list[dict] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def fail(self, **fault) -> Fault:
        self.faults.append(Fault(**fault))
        return self.faults[-1]

    def requested(self, table: str, page: int | None = None) -> int:
        """How many requests the server had for `table` (and `page`)."""
        return sum(1 for r in self.requests if r["table"] == table and page in (None, r["page"]))

    def __enter__(self):
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hung up on a hanging or slow answer

    def fault_for(self, table: str, page: int) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times != 0 and fault.table in (None, table) and fault.page in (None, page):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    # What a system's stand-in says: the table and page a request asks for (None: no such table),
    # and its answer (headers and body).
    def locate(self, path: str, query: dict[str, str]) -> tuple[str, int] | None:
        raise NotImplementedError

    def answer(self, table: str, query: dict[str, str], base: str) -> tuple[dict[str, str], dict]:
        raise NotImplementedError


class ServiceNow(StandIn):
    unauthorized = {
        "error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
        "status": "failure",
    }

    def __init__(self, tables, authorizations, page_size: int = 40) -> None:
        super().__init__(tables, authorizations, page_size)
        self.extra_total: dict[str, int] = {}  # a table's X-Total-Count says this many more
        self._sorted: dict[str, tuple] = {}

    def _limit(self, query: dict[str, str]) -> int:
        return min(int(query.get("sysparm_limit", 10000)), self.page_size)

    def locate(self, path, query):
        table = path.removeprefix("/api/now/table/")
        if table not in self.tables:
            return None
        return table, int(query.get("sysparm_offset", 0)) // self._limit(query) + 1

    def _ordered(self, table: str) -> list[dict]:
        """The table in sys_id order, sorted once for as long as its list is the same (the records
        are the table's own: a change to one shows)."""
        rows = self.tables[table]
        key = (id(rows), len(rows))
        if self._sorted.get(table, (None,))[0] != key:
            self._sorted[table] = (key, sorted(rows, key=lambda r: r["sys_id"]))
        return self._sorted[table][1]

    def answer(self, table, query, base):
        ordered = "ORDERBYsys_id" in query.get("sysparm_query", "")
        rows = self._ordered(table) if ordered else self.tables[table]
        limit, offset = self._limit(query), int(query.get("sysparm_offset", 0))
        page = rows[offset : offset + limit]
        if fields := query.get("sysparm_fields"):
            page = [{f: r[f] for f in fields.split(",") if f in r} for r in page]

        def link(at: int, rel: str) -> str:
            # As the instance writes it: the query as asked, commas left as they are.
            query_at = urlencode(query | {"sysparm_limit": limit, "sysparm_offset": at}, safe=",")
            return f'<{base}?{query_at}>;rel="{rel}"'

        headers = {"X-Total-Count": str(len(rows) + self.extra_total.get(table, 0))}
        if len(rows) > limit:  # one page only: no Link header at all
            links = [link(0, "first")]
            if offset > 0:
                links.append(link(max(0, offset - limit), "prev"))
            if offset + limit < len(rows):
                links.append(link(offset + limit, "next"))
            links.append(link((len(rows) - 1) // limit * limit, "last"))
            headers["Link"] = ",".join(links)
        return headers, {"result": page}


class Zendesk(StandIn):
    unauthorized = {"error": "Couldn't authenticate you"}

    def __init__(self, tables, authorizations, page_size: int = 25) -> None:
        super().__init__(tables, authorizations, page_size)

    def _size(self, query: dict[str, str]) -> int:
        return min(int(query.get("page[size]", 100)), 100, self.page_size)

    def locate(self, path, query):
        table = path.removeprefix("/api/v2/")
        if table not in self.tables:
            return None
        return table, _offset(query.get("page[after]")) // self._size(query) + 1

    def answer(self, table, query, base):
        rows = self.tables[table]
        if table == "groups" and query.get("exclude_deleted") != "false":
            rows = [r for r in rows if not r.get("deleted")]
        size, offset = self._size(query), _offset(query.get("page[after]"))
        end = min(offset + size, len(rows))

        def link(cursor: dict[str, str]) -> str:
            return f"{base}?{urlencode({'page[size]': size} | cursor)}"

        body = {
            table: rows[offset:end],
            "meta": {
                "has_more": end < len(rows),
                "after_cursor": _cursor(end),
                "before_cursor": _cursor(offset),
            },
            "links": {
                "prev": link({"page[before]": _cursor(offset)}),
                "next": link({"page[after]": _cursor(end)}),
            },
        }
        return {}, body


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":")[1]) if cursor else 0


class _Handler(BaseHTTPRequestHandler):
    server: StandIn

    def log_message(self, format, *args) -> None:  # noqa: A002 - http.server's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        found = self.server.locate(parts.path, query)
        if found is None:
            self._send(404, {}, {"error": "InvalidEndpoint"})
            return
        table, page = found
        authorization = self.headers.get("Authorization", "")
        request = {"table": table, "page": page, "query": query, "authorization": authorization}
        self.server.requests.append(request)
        if authorization not in self.server.authorizations:
            self._send(401, {}, self.server.unauthorized)
            return
        fault = self.server.fault_for(table, page)
        if fault and fault.kind in ("drop", "hang"):
            time.sleep(fault.seconds)
            self.close_connection = True
            return
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault and fault.kind == "status":
            self._send(fault.status, fault.headers, {"error": f"status {fault.status}"})
            return
        base = f"{self.server.url}{parts.path}"
        headers, body = self.server.answer(table, query, base)
        if fault and fault.kind in ("cut", "truncate"):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            if fault.kind == "cut":
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        self._send(200, headers, body)

    def _send(self, status: int, headers: dict[str, str], body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def bearer(token: str) -> str:
    return f"Bearer {token}"


def _sys_id(kind: str, n: int) -> str:
    return hashlib.md5(f"{kind}{n}".encode()).hexdigest()  # a key, not a secret


def servicenow_tables(
    groups: int = 100, users: int = 70, members: int | None = None
) -> dict[str, list[dict]]:
    """A ServiceNow instance's three tables: groups in a hierarchy (every tenth deactivated),
    users (every seventh inactive), two or three members a group (or `members`); every value a
    string, and fields the format does not read besides."""
    group_rows = [
        {
            "sys_id": _sys_id("group", n),
            "name": f"Group {n}",
            "parent": _sys_id("group", n // 3) if n >= 3 else "",
            "sys_created_on": "2026-11-01 08:00:00",
            "sys_updated_on": f"2026-11-{1 + n % 28:02d} 09:30:00",
            "active": "false" if n % 10 == 9 else "true",
            "description": f"the group number {n}",
            "manager": _sys_id("user", n % users),
        }
        for n in range(groups)
    ]
    user_rows = [
        {
            "sys_id": _sys_id("user", n),
            "name": f"Agent {n}",
            "email": f"agent{n}@example.com",
            "active": "false" if n % 7 == 6 else "true",
            "sys_updated_on": "2026-11-02 10:00:00",
            "user_name": f"agent{n}",
            "phone": "+1 555 0100",
        }
        for n in range(users)
    ]
    member_rows = [
        {
            "sys_id": _sys_id("member", n * 10 + k),
            "group": _sys_id("group", n),
            "user": _sys_id("user", (n * 3 + k) % users),
            "sys_created_on": "2026-11-01 08:00:00",
        }
        for n in range(groups)
        for k in range(members or 2 + n % 2)
    ]
    return {"sys_user_group": group_rows, "sys_user_grmember": member_rows, "sys_user": user_rows}


def zendesk_tables(
    groups: int = 60, users: int = 80, deleted_users: int = 6, members: int = 2
) -> dict[str, list[dict]]:
    """A Zendesk account's lists: groups (every tenth deleted), users of every role (admins,
    agents, end-users; some suspended or inactive), deleted users, and `members` memberships of
    agents a group;
    ids beyond 32 bits, and fields the format does not read besides."""
    roles = ("admin", "agent", "agent", "end-user")
    group_rows = [
        {
            "id": 360000000000 + n,
            "name": f"Group {n}",
            "deleted": n % 10 == 9,
            "created_at": "2026-11-01T08:00:00Z",
            "updated_at": f"2026-11-{1 + n % 28:02d}T09:30:00Z",
            "url": f"https://acme.zendesk.com/api/v2/groups/{360000000000 + n}.json",
            "description": "",
            "default": n == 0,
        }
        for n in range(groups)
    ]
    user_rows = [
        {
            "id": 9000000000 + n,
            "name": f"User {n}",
            "email": f"user{n}@example.com",
            "role": roles[n % len(roles)],
            "active": n % 9 != 8,
            "suspended": n % 11 == 10,
            "updated_at": "2026-11-02T10:00:00Z",
            "phone": None,
            "locale": "en-US",
        }
        for n in range(users)
    ]
    deleted_rows = [
        {
            "id": 9500000000 + n,
            "name": f"Deleted {n}",
            "email": None,
            "role": "end-user",
            "active": False,
            "updated_at": "2026-11-03T10:00:00Z",
            "locale": "en-US",
        }
        for n in range(deleted_users)
    ]
    agents = [u["id"] for u in user_rows if u["role"] != "end-user"]
    member_rows = [
        {
            "id": 460000000000 + n * 10 + k,
            "group_id": 360000000000 + n,
            "user_id": agents[(n * 3 + k) % len(agents)],
            "default": k == 0,
            "created_at": "2026-11-01T08:00:00Z",
        }
        for n in range(groups)
        for k in range(members)
    ]
    return {
        "groups": group_rows,
        "group_memberships": member_rows,
        "users": user_rows,
        "deleted_users": deleted_rows,
    }
