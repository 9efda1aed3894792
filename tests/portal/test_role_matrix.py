"""Every role against every portal view, GET and POST, as DESIGN.md's role table says."""

import pytest
from django.urls import reverse

from portal.permissions import ROLE_RIGHTS, Right, Role
from tests.factories import ApiTokenFactory
from tests.portal.urlwalk import fill, portal_urls

A, EPD, E, VPD, V = Role.ADMINISTRATOR, Role.EDITOR_PD, Role.EDITOR, Role.VIEWER_PD, Role.VIEWER
ALL = {A, EPD, E, VPD, V}

# DESIGN.md "Roles", written out independently of portal/permissions.py: column -> roles that hold it.
DESIGN_TABLE = {
    "portal": ALL,
    "accounts.view": ALL,
    "accounts.manage": {A, EPD, E},
    "personal_data": {A, EPD, VPD},
    "finance.view": {A, EPD, VPD},
    "finance.withdraw": {A, EPD},
    # issue 17: "administrators and editors may set it up" — the editors who see usage details
    "finance.export": {A, EPD},
    "tools.view": ALL,
    "tools.use": {A, EPD, E},
    "profile.view": ALL,
    "profile.edit": {A},
    "access.manage": {A},
}

# Which column of the table each page belongs to. A new page must be placed here, or this test fails.
PAGE_COLUMN = {
    "dashboard": "portal",
    "switch_partner": "portal",
    "search": "portal",
    "search_suggest": "portal",
    "accounts:list": "accounts.view",
    "accounts:search": "accounts.view",
    "accounts:detail": "accounts.view",
    "accounts:create": "accounts.manage",
    "accounts:edit": "accounts.manage",
    "accounts:archive": "accounts.manage",
    "accounts:restore": "accounts.manage",
    "subaccounts:list": "accounts.view",
    "subaccounts:search": "accounts.view",
    "subaccounts:detail": "accounts.view",
    "subaccounts:create_pick": "accounts.manage",
    "subaccounts:create": "accounts.manage",
    "subaccounts:resend": "accounts.manage",
    "subaccounts:suspend": "accounts.manage",
    "subaccounts:resume": "accounts.manage",
    "subaccounts:deactivate": "accounts.manage",
    "subaccounts:cancel": "accounts.manage",
    "tools:index": "tools.view",
    "tools:registration_detail": "tools.view",
    "tools:registration_create": "tools.use",
    "tools:registration_edit": "tools.use",
    "tools:registration_submit": "tools.use",
    "tools:registration_withdraw": "tools.use",
    "tools:registration_comment": "tools.use",
    "tools:registration_attach": "tools.use",
    "tools:presale_create": "tools.use",
    "tools:presale_comment": "tools.use",
    "tools:presale_attach": "tools.use",
    "tools:attachment": "tools.view",
    "tools:presale_list": "tools.view",
    "tools:presale_detail": "tools.view",
    "tools:resources": "tools.view",
    "tools:resource_file": "tools.view",
    "finance:index": "finance.view",
    "finance:accrual_detail": "finance.view",
    "finance:balance": "finance.view",
    "finance:usage": "finance.view",
    "finance:clouds": "finance.view",
    "finance:folders": "finance.view",
    "finance:withdraw": "finance.withdraw",
    "finance:commission": "finance.view",
    "finance:bonuses": "finance.view",
    "finance:statements": "finance.view",
    "finance:statement_request": "finance.view",
    "finance:report": "finance.view",
    "finance:partner_bonus": "finance.view",
    "finance:subaccount_bonus": "finance.view",
    "finance:commission_report_request": "finance.view",
    "finance:bucket_export": "finance.export",
    "referral:links": "tools.view",
    "referral:statistics": "tools.view",
    "referral:customers": "tools.view",
    "referral:link_create": "tools.use",
    "referral:link_deactivate": "tools.use",
    "referral:link_send": "tools.use",
    "profiles:profile": "profile.view",
    "profiles:edit": "profile.edit",
    "profiles:payout": "profile.edit",
    "access:members": "access.manage",
    "access:member_edit": "access.manage",
    "access:member_remove": "access.manage",
    "access:invitations": "access.manage",
    "access:invite": "access.manage",
    "access:invitation_resend": "access.manage",
    "access:invitation_revoke": "access.manage",
    "access:security": "access.manage",
    "access:audit": "access.manage",
    "access:notifications": "portal",
    "access:notification": "portal",
    "access:notifications_read": "portal",
    "access:notification_settings": "portal",
    # each member's own API tokens (an administrator sees and revokes every member's)
    "access:tokens": "portal",
    "access:token_create": "portal",
    "access:token_revoke": "portal",
}

URLS = portal_urls()

# pages of the member's own objects (another member's answer 404 to all but an administrator): filled with one
# of the requesting member's
OWN_OBJECTS = {"access:token_revoke": lambda membership: ApiTokenFactory(membership=membership).pk}


def test_the_code_table_is_design_table():
    columns = {
        "portal": Right.PORTAL,
        "accounts.view": Right.ACCOUNTS_VIEW,
        "accounts.manage": Right.ACCOUNTS_MANAGE,
        "personal_data": Right.PERSONAL_DATA,
        "finance.view": Right.FINANCE_VIEW,
        "finance.withdraw": Right.FINANCE_WITHDRAW,
        "finance.export": Right.FINANCE_EXPORT,
        "tools.view": Right.TOOLS_VIEW,
        "tools.use": Right.TOOLS_USE,
        "profile.view": Right.PROFILE_VIEW,
        "profile.edit": Right.PROFILE_EDIT,
        "access.manage": Right.ACCESS_MANAGE,
    }
    assert set(columns.values()) == set(Right)
    for column, roles in DESIGN_TABLE.items():
        assert {r for r in Role if columns[column] in ROLE_RIGHTS[r]} == roles, column


def test_every_page_is_placed_in_the_table():
    assert {u.name for u in URLS} == set(PAGE_COLUMN)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("url", URLS, ids=lambda u: u.name)
def test_role_gets_what_the_table_grants(url, role, partner, member, client_for):
    allowed = role in DESIGN_TABLE[PAGE_COLUMN[url.name]]
    membership = member(role)
    client = client_for(membership)
    if url.name in OWN_OBJECTS:
        path = reverse(url.name, kwargs={"pk": OWN_OBJECTS[url.name](membership)})
    else:
        path = reverse(url.name, kwargs=fill(url, partner))

    if "get" in url.view_class.http_method_names and url.name != "switch_partner":
        get = client.get(path)
        assert get.status_code == (200 if allowed else 403)

    post = client.post(path, {})
    if allowed:
        assert post.status_code in (200, 302, 405), post.status_code  # form errors, done, or GET-only page
    else:
        assert post.status_code == 403
