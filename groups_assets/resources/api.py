"""The API resource: where a fetch reads a day from (each system's URL and credentials) and how
long it may take. The credentials are secrets: given as dagster.EnvVar (settings.py), the UI
shows the name of their variable, never the value."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field

from groups_assets.fetching import DEADLINE_SECONDS, Bounds


class ApiResource(ConfigurableResource):
    """The settings of `groups-pipeline fetch` and of a fetch in Dagster."""

    servicenow_url: str | None = Field(
        default=None, description="GROUPS_SERVICENOW_URL: the instance, e.g. https://acme.service-now.com."
    )
    servicenow_user: str | None = Field(
        default=None, description="GROUPS_SERVICENOW_USER: the user of basic authentication."
    )
    servicenow_password: str | None = Field(
        default=None,
        description="GROUPS_SERVICENOW_PASSWORD (a secret: shown by its variable's name): its password.",
    )
    servicenow_token: str | None = Field(
        default=None,
        description="GROUPS_SERVICENOW_TOKEN (a secret: shown by its variable's name): an OAuth bearer "
        "token, used instead of the user and password.",
    )
    zendesk_url: str | None = Field(
        default=None, description="GROUPS_ZENDESK_URL: the account, e.g. https://acme.zendesk.com."
    )
    zendesk_email: str | None = Field(
        default=None, description="GROUPS_ZENDESK_EMAIL: the email of the API token's user."
    )
    zendesk_token: str | None = Field(
        default=None,
        description="GROUPS_ZENDESK_TOKEN (a secret: shown by its variable's name): an API token, "
        "sent as {email}/token:{token}.",
    )
    zendesk_oauth_token: str | None = Field(
        default=None,
        description="GROUPS_ZENDESK_OAUTH_TOKEN (a secret: shown by its variable's name): an OAuth "
        "bearer token, used instead of the email and API token.",
    )
    deadline_seconds: float = Field(
        default=DEADLINE_SECONDS,
        gt=0,
        description="GROUPS_FETCH_DEADLINE_SECONDS: a fetch that is not done in this long fails "
        "(checked between pages).",
    )

    def settings(self) -> dict[str, str | None]:
        """The fields a system's fetch reads (formats/<system>/fetch.py), secrets read from their
        variables."""
        from groups_assets.settings import secret  # settings.py builds this resource

        return {
            name: secret(getattr(self, name))
            for name in type(self).model_fields
            if name != "deadline_seconds"
        }

    def bounds(self) -> Bounds:
        return Bounds(deadline_seconds=self.deadline_seconds)
