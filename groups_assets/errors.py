"""A failed step's error as its user should read it (the run's summary, the alerts)."""

from __future__ import annotations

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
