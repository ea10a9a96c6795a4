"""ServiceNow: groups, memberships and users as the instance exports them (mapping.py), fetched
from its Table API (fetch.py), and a synthetic day in that shape (synthetic.py)."""

from groups_assets.contract.format import Format
from groups_assets.formats.servicenow import fetch, synthetic
from groups_assets.formats.servicenow.mapping import GROUPS_TABLE, MEMBERS_TABLE, USERS_TABLE

FORMAT = Format(
    name="servicenow",
    tables=(GROUPS_TABLE, MEMBERS_TABLE, USERS_TABLE),
    keys="text",
    by_day=True,
    description="ServiceNow exports: sys_user_group/, sys_user_grmember/, sys_user/",
    write_day=synthetic.write_day,
    fetch=fetch.fetch,
)
