"""A failed step's error as its user should read it: an expected failure in its own words, without
frames (the UI's run page, the logs), and any error as one sentence (the run's summary, the alerts)."""

from __future__ import annotations

import sys

from dagster import Failure
from dagster._utils.error import SerializableErrorInfo

# The errors of a step stopped from outside: Python's, and Dagster's name for it inside a step.
INTERRUPTED = ("KeyboardInterrupt", "DagsterExecutionInterruptedError")


def innermost(error: SerializableErrorInfo) -> SerializableErrorInfo:
    """The error the step raised itself (a dagster Failure), or else the deepest cause: Dagster
    wraps a step's exception in errors of its own."""
    while error.cause is not None and "Failure" not in error.cls_name:
        error = error.cause
    return error


def user_message(error: SerializableErrorInfo) -> str:
    """The sentence of the error. A Failure is the step's own sentence, shown as it is; any
    other error keeps its class's short name (`RuntimeError: ...`), not its module path."""
    found = innermost(error)
    if found.cls_name in INTERRUPTED:
        return "stopped (Ctrl-C or SIGTERM) before it finished"
    text = found.message.strip()
    head, sep, rest = text.partition(": ")
    if not sep or head.rsplit(".", 1)[-1] != found.cls_name:
        return text
    return rest.strip() if found.cls_name == "Failure" else f"{found.cls_name}: {rest.strip()}"


_LIMITS: list[int | None] = []  # Python's traceback limit before an expected failure set it to 0


def expected_failure(message: str) -> Failure:
    """A failure the step expects (the day cannot load as it is, the database does not answer),
    told in its own words. Dagster records the traceback of a step's error as it catches it, and
    the UI shows that record's frames, Dagster's own among them: with Python's traceback limit at
    0 until the next step starts (restore_tracebacks), the record holds the message and no frame.
    Unexpected errors keep their frames."""
    if not _LIMITS:
        _LIMITS.append(getattr(sys, "tracebacklimit", None))
    sys.tracebacklimit = 0
    return Failure(message, allow_retries=False)


def restore_tracebacks() -> None:
    """Put back the traceback limit an expected failure set (at the start of each step, and after
    a run in process)."""
    if not _LIMITS:
        return
    limit = _LIMITS.pop()
    if limit is None:
        del sys.tracebacklimit
    else:
        sys.tracebacklimit = limit
