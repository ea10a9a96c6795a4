"""Zendesk: groups, group memberships and users as the Support API and its connectors write them
(mapping.py, pages.py), fetched from the Support API (fetch.py), and a synthetic day in that
shape (synthetic.py)."""

from groups_assets.contract.format import Format
from groups_assets.formats.zendesk import fetch, synthetic
from groups_assets.formats.zendesk.mapping import GROUPS_TABLE, MEMBERS_TABLE, USERS_TABLE

FORMAT = Format(
    name="zendesk",
    tables=(GROUPS_TABLE, MEMBERS_TABLE, USERS_TABLE),
    keys="id",
    by_day=True,
    description="Zendesk exports: groups/, group_memberships/, users/",
    write_day=synthetic.write_day,
    fetch=fetch.fetch,
)
