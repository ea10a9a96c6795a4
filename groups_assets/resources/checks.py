"""The check resource: the limits the asset checks apply."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field


class ChecksResource(ConfigurableResource):
    """How strict the checks are, and how long a table check may take."""

    max_reject_ratio: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="GROUPS_MAX_REJECT_RATIO: a day whose share of rejected records is above this, "
        "or that has no valid group, is blocked before anything is written.",
    )
    timeout_seconds: float = Field(
        default=300.0,
        ge=1,
        description="GROUPS_CHECK_TIMEOUT_SECONDS: the time budget of each table check; one that "
        "would take longer fails as WARN saying so.",
    )
