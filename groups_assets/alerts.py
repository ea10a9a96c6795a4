"""Alerts: a Slack-compatible JSON message to a webhook when a check or a run fails.

Every alert is logged; it is also POSTed to GROUPS_ALERT_WEBHOOK_URL when that is set. A webhook
that is down or slow never breaks the caller: each POST has a timeout, failures are retried a
bounded number of times with a short backoff, then logged and given up. After a give-up the
webhook is left alone for a cool-down, so one sensor tick with many alerts stays well inside
Dagster's sensor timeout (60 s by default).

Only the standard library talks HTTP here (urllib), so there is no new dependency.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from dagster import ConfigurableResource, EnvVar

from groups_assets.resources.postgres import mask_url

WEBHOOK_ENV = "GROUPS_ALERT_WEBHOOK_URL"
UI_BASE_ENV = "GROUPS_UI_BASE_URL"
DEFAULT_UI_BASE_URL = "http://127.0.0.1:3000"
TEXT_MAX = 600  # characters of a description or error message kept in an alert

_logger = logging.getLogger(__name__)
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>|]+")
_CONNINFO_PASSWORD_RE = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


class Log(Protocol):
    """What alerts need of a logger: Dagster's context.log and logging.Logger both fit."""

    def info(self, msg: str) -> Any: ...
    def warning(self, msg: str) -> Any: ...
    def error(self, msg: str) -> Any: ...


def scrub(text: str | None, limit: int = TEXT_MAX) -> str:
    """`text` safe to send: passwords in URLs and conninfo strings masked, cut to `limit` characters."""
    if not text:
        return ""
    text = _URL_RE.sub(lambda m: mask_url(m.group(0)), text)
    text = _CONNINFO_PASSWORD_RE.sub(r"\1***", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def webhook_target(url: str) -> str:
    """The webhook for logs: scheme and host only (a webhook's path is often its secret)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" + ("/…" if parts.path not in ("", "/") else "")


def run_url(ui_base_url: str, run_id: str) -> str:
    return f"{ui_base_url.rstrip('/')}/runs/{run_id}"


def numeric_counts(metadata: Mapping[str, Any]) -> dict[str, int | float]:
    """The numeric entries of a check's metadata (Dagster MetadataValues or plain values)."""
    counts: dict[str, int | float] = {}
    for key, entry in metadata.items():
        value = getattr(entry, "value", entry)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            continue
        counts[key] = value
    return counts


@dataclass(frozen=True)
class Alert:
    """One alert: a failed check of a run, or a failed run."""

    kind: str  # "check_failed" or "run_failed"
    severity: str  # "WARN" or "ERROR"
    run_id: str
    run_url: str
    job: str
    day: str | None = None
    asset: str | None = None
    check: str | None = None
    description: str = ""
    counts: dict[str, int | float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What makes the alert unique within its run (used to send it once)."""
        return f"{self.asset}:{self.check}" if self.kind == "check_failed" else "run"

    def headline(self) -> str:
        day = f"day {self.day}" if self.day else f"job {self.job}"
        if self.kind == "check_failed":
            return f"groups {day}: check {self.check} on {self.asset} failed ({self.severity})"
        return f"groups {day}: run of {self.job} failed"

    def text(self) -> str:
        """Slack mrkdwn: headline, what happened, the non-zero counts, a link to the run."""
        icon = ":warning:" if self.severity == "WARN" else ":rotating_light:"
        parts = [f"{icon} *{self.headline()}*"]
        if self.description:
            parts.append(self.description)
        nonzero = [f"{k} {v}" for k, v in self.counts.items() if v]
        if nonzero:
            parts.append("counts: " + ", ".join(nonzero))
        parts.append(f"<{self.run_url}|run {self.run_id[:8]}>")
        return "\n".join(parts)

    def payload(self) -> dict[str, Any]:
        """The JSON body: Slack's `text`, then the same facts as fields for other receivers."""
        return {
            "text": self.text(),
            "kind": self.kind,
            "day": self.day,
            "asset": self.asset,
            "check": self.check,
            "severity": self.severity,
            "description": self.description,
            "counts": self.counts,
            "job": self.job,
            "run_id": self.run_id,
            "run_url": self.run_url,
        }

    def log_line(self) -> str:
        counts = " ".join(f"{k}={v}" for k, v in self.counts.items() if v)
        return (
            f"ALERT {self.kind} severity={self.severity} day={self.day or '-'} asset={self.asset or '-'} "
            f"check={self.check or '-'} run={self.run_url}"
            + (f" counts: {counts}" if counts else "")
            + (f" - {self.description}" if self.description else "")
        )


def post_json(
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: float = 5.0,
    attempts: int = 3,
    backoff: float = 0.5,
    log: Log = _logger,
) -> bool:
    """POST `payload` as JSON to `url`. True when delivered (2xx); never raises.

    A connection error, a timeout, 408, 429 and 5xx are retried up to `attempts` times in all,
    waiting backoff, 2*backoff, ... between tries; any other 4xx is not (the request is wrong).
    """
    target = webhook_target(url)
    if urlsplit(url).scheme not in ("http", "https"):
        log.error(f"alert not sent: the webhook {target} is not an http(s) URL")
        return False
    body = json.dumps(payload, ensure_ascii=False, allow_nan=False, default=str).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "groups-pipeline-alerts"}
    problem = "not tried"
    for attempt in range(1, max(1, attempts) + 1):
        # The scheme is checked above: only http(s) reaches Request and urlopen.
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                response.read(65536)
            return True
        except urllib.error.HTTPError as err:
            problem = f"HTTP {err.code} {err.reason}"
            if err.code < 500 and err.code not in (408, 429):
                log.error(
                    f"alert not delivered to {target}: {problem} (not retried: the request was refused)"
                )
                return False
        except (OSError, http.client.HTTPException) as err:  # URLError, timeouts, resets
            problem = f"{type(err).__name__}: {getattr(err, 'reason', None) or err}"
        if attempt < attempts:
            log.warning(f"alert to {target} failed (attempt {attempt} of {attempts}): {problem}; retrying")
            time.sleep(backoff * 2 ** (attempt - 1))
    log.error(f"alert not delivered to {target} after {attempts} attempt(s): {problem}; giving up")
    return False


# Webhook URL -> time.monotonic() before which it is not tried again (after a give-up).
_down_until: dict[str, float] = {}
_down_lock = threading.Lock()


class AlertWebhook(ConfigurableResource):
    """Where alerts go. `url` unset: alerts are only logged.

    Build it with `alert_webhook_from_env()`: the webhook URL then stays an EnvVar, so the UI
    shows the variable's name, not the URL (a Slack webhook URL is a secret).
    """

    url: str | None = None
    ui_base_url: str = DEFAULT_UI_BASE_URL
    timeout_seconds: float = 5.0
    attempts: int = 3
    backoff_seconds: float = 0.5
    cooldown_seconds: float = 60.0

    def run_url(self, run_id: str) -> str:
        return run_url(self.ui_base_url, run_id)

    def send(self, alert: Alert, log: Log = _logger) -> bool:
        """Log the alert, then post it. True when the webhook took it; never raises."""
        (log.warning if alert.severity == "WARN" else log.error)(alert.log_line())
        if not self.url:
            log.info(f"{WEBHOOK_ENV} is not set: alert logged only")
            return False
        with _down_lock:
            down_until = _down_until.get(self.url, 0.0)
        if time.monotonic() < down_until:
            log.warning(
                f"alert not posted: the webhook {webhook_target(self.url)} failed less than "
                f"{self.cooldown_seconds:.0f} s ago (logged above instead)"
            )
            return False
        delivered = post_json(
            self.url,
            alert.payload(),
            timeout=self.timeout_seconds,
            attempts=self.attempts,
            backoff=self.backoff_seconds,
            log=log,
        )
        with _down_lock:
            if delivered:
                _down_until.pop(self.url, None)
            else:
                _down_until[self.url] = time.monotonic() + self.cooldown_seconds
        return delivered


def alert_webhook_from_env() -> AlertWebhook:
    """The `alerts` resource from GROUPS_ALERT_WEBHOOK_URL and GROUPS_UI_BASE_URL."""
    return AlertWebhook(
        url=EnvVar(WEBHOOK_ENV) if os.environ.get(WEBHOOK_ENV) else None,
        ui_base_url=os.environ.get(UI_BASE_ENV) or DEFAULT_UI_BASE_URL,
    )
