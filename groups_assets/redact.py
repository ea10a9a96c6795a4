"""The one password mask: any text (a URL, a conninfo string, an error message) made safe to show.

A URL's password is masked without trusting the URL to parse: a password with an unencoded
':', '@' or '/' would move the host for a URL parser, so everything between `scheme://user:`
and the last '@' of the URL is hidden. In a key=value conninfo, the value of `password=` is;
in a Spark Connect URL (sc://host:port/;token=...), the value of `token=`.
"""

from __future__ import annotations

import re

MASK = "***"
# scheme://user:password@host... ; the password runs to the LAST '@' of the URL (greedy).
_URL_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"<>|]*:)(?P<secret>[^\s'\"<>|]*)@")
_CONNINFO_PASSWORD = re.compile(
    r"(?P<head>\bpassword\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE
)

_URL_TOKEN = re.compile(r"(?P<head>;\s*token\s*=)(?P<secret>[^;\s'\"<>|]*)", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every password in a URL or a conninfo string, and every Spark Connect token,
    replaced by ***."""
    text = _URL_USERINFO.sub(lambda m: f"{m['head']}{MASK}@", text)
    text = _URL_TOKEN.sub(lambda m: f"{m['head']}{MASK}", text)
    return _CONNINFO_PASSWORD.sub(lambda m: f"{m['head']}{MASK}", text)
