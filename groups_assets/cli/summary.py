"""A short text summary of one day's run, read from its Dagster events."""

from __future__ import annotations

from dagster import ExecuteInProcessResult

from groups_assets import metadata as meta
from groups_assets import names
from groups_assets.contract.format import AGENTS, GROUPS, MEMBERS
from groups_assets.errors import user_message


def _metadata(result: ExecuteInProcessResult) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        out["/".join(mat.asset_key.path)] = {k: v.value for k, v in mat.metadata.items()}
    return out


def _reasons(check_meta: dict[str, object]) -> str:
    """The non-zero reject reasons of a malformed check, in the check's (the contract's) order."""
    parts = [
        f"{k} {v}" for k, v in check_meta.items() if k not in ("rejected", "day") and isinstance(v, int) and v
    ]
    return f" ({', '.join(parts)})" if parts else ""


def failure_messages(result: ExecuteInProcessResult) -> list[str]:
    return [
        f"step {event.step_key}: {user_message(event.step_failure_data.error)}"
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error
    ]


def summarize(day: str, result: ExecuteInProcessResult, seconds: float) -> str:
    found = _metadata(result)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    status = "succeeded" if result.success else "FAILED"
    lines = [f"day {day}: {status} in {seconds:.1f} s"]
    if spark := found.get(names.RAW[GROUPS], {}).get(meta.SPARK):
        lines.append(f"  spark: {spark}")
    accounted = checks.get(names.RECORDS_ACCOUNTED)
    accounted_meta = {k: v.value for k, v in accounted.metadata.items()} if accounted else {}
    for raw, check in ((names.RAW[kind], names.MALFORMED[kind]) for kind in (GROUPS, MEMBERS, AGENTS)):
        folder = found.get(raw, {}).get(meta.FOLDER)
        if folder is None:  # not read (a failed day) or not a table of this format
            continue
        check_meta = {k: v.value for k, v in checks[check].metadata.items()} if check in checks else {}
        loaded = accounted_meta.get(f"{folder}_loaded", "-")
        skipped = accounted_meta.get(f"{folder}_skipped")
        again = found[raw].get(meta.TASKS_RUN_AGAIN)
        lines.append(
            f"  {folder}: read {found[raw].get(meta.RECORDS, '-')}, loaded {loaded}, "
            f"rejected {check_meta.get('rejected', '-')}{_reasons(check_meta)}"
            + (f", skipped {skipped} (not agents)" if skipped else "")
            + (f"; {again} Spark task(s) run again, staged once" if again else "")
        )
    if names.TABLE[MEMBERS] in found:
        m = found[names.TABLE[MEMBERS]]
        line = f"  memberships: {m[meta.MEMBERSHIPS_ADDED]} added, {m[meta.MEMBERSHIPS_REMOVED]} removed"
        if names.HISTORY[MEMBERS] in found:
            h = found[names.HISTORY[MEMBERS]]
            line += f"; {h[meta.VERSIONS_OPENED]} versions opened, {h[meta.VERSIONS_CLOSED]} closed"
        lines.append(line)
    if names.TABLE[GROUPS] in found and names.INACTIVE_FLAGS in found:
        g, f = found[names.TABLE[GROUPS]], found[names.INACTIVE_FLAGS]
        lines.append(
            f"  groups: {g[meta.GROUPS_WRITTEN]} written ({g[meta.GROUPS_NEW]} new); "
            f"{f[meta.BECAME_INACTIVE]} became inactive, {f[meta.BECAME_ACTIVE]} became active; "
            f"{f[meta.INACTIVE_GROUPS]} of {g[meta.GROUPS_TOTAL]} inactive"
        )
    if names.HISTORY[GROUPS] in found:
        parts = []
        for asset, what in ((names.HISTORY[GROUPS], "groups"), (names.HISTORY[AGENTS], "agents")):
            if asset in found:
                opened, closed = found[asset][meta.VERSIONS_OPENED], found[asset][meta.VERSIONS_CLOSED]
                parts.append(f"{opened} versions opened, {closed} closed ({what})")
        lines.append(f"  history: {'; '.join(parts)}")
    if checks:
        lines.append("  checks:")
        width = max(len(name) for name in checks)
        for name, evaluation in sorted(checks.items()):
            verdict = "passed" if evaluation.passed else evaluation.severity.value
            said = (evaluation.description or "").removeprefix(f"day {day}: ")  # the first line says the day
            lines.append(f"    {name:<{width}} {verdict:<6} {said}")
    for message in failure_messages(result):
        lines.append(f"  error: {message}")
    return "\n".join(lines)
