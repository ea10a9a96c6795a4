"""The alert webhook: a Slack-compatible JSON message POSTed to GROUPS_ALERT_WEBHOOK_URL.

A webhook that is down or slow never breaks the caller: each POST has a timeout, failures are
retried a bounded number of times with a short backoff, then given up (the caller decides what
happens to an alert that was not delivered). After a give-up the webhook is left alone for a
cool-down, so one sensor tick with many alerts stays well inside Dagster's sensor timeout.

Only the standard library talks HTTP here (urllib), so there is no new dependency.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from dagster import ConfigurableResource
from pydantic import Field

_logger = logging.getLogger(__name__)


class Log(Protocol):
    """What alerts need of a logger: Dagster's context.log and logging.Logger both fit."""

    def info(self, msg: str) -> Any: ...
    def warning(self, msg: str) -> Any: ...
    def error(self, msg: str) -> Any: ...


def webhook_target(url: str) -> str:
    """The webhook for logs: scheme and host only (a webhook's path is often its secret)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" + ("/…" if parts.path not in ("", "/") else "")


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

    `url` is given as dagster.EnvVar (defs/resources.py), so the UI shows the variable's name,
    not the URL: a Slack webhook URL is a secret.
    """

    url: str | None = Field(
        default=None,
        description="GROUPS_ALERT_WEBHOOK_URL (a secret: shown by its variable's name). Unset: "
        "alerts are only logged.",
    )
    ui_base_url: str = Field(
        default="http://127.0.0.1:3000", description="GROUPS_UI_BASE_URL: the run links in alerts."
    )
    retry_hours: float = Field(
        default=24.0,
        ge=0,
        description="GROUPS_ALERT_RETRY_HOURS: an alert the webhook does not take is tried again "
        "for this long, then logged as lost.",
    )
    timeout_seconds: float = Field(default=5.0, gt=0, description="seconds a POST may take")
    attempts: int = Field(default=3, ge=1, description="tries of one alert before it is left pending")
    backoff_seconds: float = Field(default=0.5, ge=0, description="wait before the 2nd try, doubling")
    cooldown_seconds: float = Field(
        default=60.0, ge=0, description="after a give-up, the webhook is left alone this long"
    )

    def run_url(self, run_id: str) -> str:
        return f"{self.ui_base_url.rstrip('/')}/runs/{run_id}"

    def post(self, payload: Mapping[str, Any], log: Log = _logger) -> bool:
        """POST `payload`. True when the webhook took it; False when unset, resting or failing."""
        if not self.url:
            return False
        with _down_lock:
            down_until = _down_until.get(self.url, 0.0)
        if time.monotonic() < down_until:
            log.warning(
                f"alert not posted: the webhook {webhook_target(self.url)} failed less than "
                f"{self.cooldown_seconds:.0f} s ago"
            )
            return False
        delivered = post_json(
            self.url,
            payload,
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
