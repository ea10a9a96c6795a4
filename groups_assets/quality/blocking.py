"""The blocking check: a day that is mostly garbage is stopped before anything is written."""

from __future__ import annotations

from groups_assets import names
from groups_assets.contract.format import GROUPS, Format
from groups_assets.counts import DayCounts
from groups_assets.quality.verdict import ERROR, Verdict


def reject_ratio(counts: DayCounts, max_ratio: float, fmt: Format) -> Verdict:
    """Passed, or failed (ERROR) with a description that says why the day is blocked. Over the
    records of every table of the day, as the staging pass judged them (a membership row of an
    unknown group is judged in the day's transaction, after this check)."""
    folder = fmt.table(GROUPS).folder
    records = sum(counts.read(s) for s in counts.sources)
    rejected = sum(sum(counts.rejected(s).values()) for s in counts.sources)
    valid_groups = counts.valid(folder)
    ratio = rejected / records if records else 0.0
    reasons = {f"{s}:{r}": n for s in counts.sources for r, n in counts.rejected(s).items()}
    top = ", ".join(f"{k} {n}" for k, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:5])
    if valid_groups == 0:
        verdict = (
            f"no valid group record in {folder}/ ({counts.read(folder)} records read there, "
            f"{records} in the day); top reasons: {top or 'none'}"
        )
    elif ratio > max_ratio:
        verdict = (
            f"{ratio:.1%} of {records} records rejected, above the limit of "
            f"{max_ratio:.0%} (GROUPS_MAX_REJECT_RATIO); top reasons: {top}"
        )
    else:
        verdict = ""
    return Verdict(
        check=names.REJECT_RATIO,
        asset=names.VALIDATED[GROUPS],
        passed=not verdict,
        severity=ERROR,
        description=verdict or f"{ratio:.1%} rejected (limit {max_ratio:.0%})",
        metadata={
            "records": records,
            "rejected": rejected,
            "valid_groups": valid_groups,
            "reject_ratio": ratio,
            "max_reject_ratio": max_ratio,
        },
    )
