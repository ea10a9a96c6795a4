"""Who owns the assets, as the Dagster UI shows it (owners and tags on every asset)."""

OWNERS = ["team:data-platform"]
TAGS = {"domain": "helpdesk", "source": "admin-groups-export"}
