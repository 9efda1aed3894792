"""Role changes, removal, the last-administrator rule, the two-factor requirement and the audit trail."""

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django_scopes import scopes_disabled
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, get_objects_for_user

from access.models import AuditEvent
from accounts.models import Account, AccountUserObjectPermission
from portal.permissions import Role
from profiles.models import PayoutDetails
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    PayoutDetailsFactory,
    SubaccountFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ROLES = list(Role)


def edit(client, membership, role, restricted=False, accounts=()):
    data = {"role": role, "accounts": [a.pk for a in accounts]}
    if restricted:
        data["restricted"] = "on"
    return client.post(reverse("access:member_edit", args=[membership.pk]), data)


@pytest.mark.parametrize("before", ROLES, ids=str)
@pytest.mark.parametrize("after", ROLES, ids=str)
def test_every_role_change_is_applied_and_audited(member, client_for, before, after):
    admin = member(Role.ADMINISTRATOR)
    target = member(before)
    response = edit(client_for(admin), target, after)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == after
    entry = AuditEvent.objects.get(action="membership.change", target=target.user.email)
    assert entry.actor == admin.user and entry.ip_address == "127.0.0.1"
    assert (entry.details["before"]["role"], entry.details["after"]["role"]) == (before, after)


@pytest.mark.parametrize("after", [r for r in ROLES if r != Role.ADMINISTRATOR], ids=str)
def test_the_last_administrator_cannot_be_demoted(member, client_for, after):
    admin = member(Role.ADMINISTRATOR)
    response = edit(client_for(admin), admin, after)
    assert "A partner needs at least one Administrator." in str(response.context["form"].errors)
    admin.refresh_from_db()
    assert admin.role == Role.ADMINISTRATOR
    assert not AuditEvent.objects.exists()


def test_the_last_administrator_cannot_be_removed_but_a_second_one_can(member, client_for):
    admin, second = member(Role.ADMINISTRATOR), member(Role.ADMINISTRATOR)
    client = client_for(admin)
    client.post(reverse("access:member_remove", args=[second.pk]))
    response = client.post(reverse("access:member_remove", args=[admin.pk]), follow=True)
    assert "A partner needs at least one Administrator." in response.content.decode()
    admin.refresh_from_db(), second.refresh_from_db()
    assert admin.removed_at is None and second.removed_at is not None


def test_a_removed_user_loses_access_at_once_and_shows_as_removed(member, client_for):
    admin, viewer = member(Role.ADMINISTRATOR), member(Role.VIEWER)
    viewer_client = client_for(viewer)
    assert viewer_client.get(reverse("dashboard")).status_code == 200
    client_for(admin).post(reverse("access:member_remove", args=[viewer.pk]))
    assert viewer_client.get(reverse("dashboard")).status_code == 403
    rows = client_for(admin).get(reverse("access:members"), {"status": "removed"}).context["table"].rows
    assert [r.record.pk for r in rows] == [viewer.pk]
    assert AuditEvent.objects.filter(action="membership.remove", target=viewer.user.email).exists()


def test_restricting_grants_exactly_the_chosen_accounts(member, client_for, partner):
    admin, editor = member(Role.ADMINISTRATOR), member(Role.EDITOR)
    a, b, c = (AccountFactory(partner=partner) for _ in range(3))
    client = client_for(admin)
    edit(client, editor, Role.EDITOR, restricted=True, accounts=[a, b])
    editor.refresh_from_db()
    shown = {r.record.pk for r in client_for(editor).get(reverse("accounts:list")).context["table"].rows}
    assert shown == {a.pk, b.pk}
    edit(client, editor, Role.EDITOR, restricted=True, accounts=[c])
    shown = {r.record.pk for r in client_for(editor).get(reverse("accounts:list")).context["table"].rows}
    assert shown == {c.pk}
    edit(client, editor, Role.EDITOR, restricted=False)
    shown = {r.record.pk for r in client_for(editor).get(reverse("accounts:list")).context["table"].rows}
    assert shown == {a.pk, b.pk, c.pk}


def test_a_grant_lives_and_dies_with_its_account(member, client_for, partner):
    """A restricted member's grants are rows of the account's own permission table (a real foreign key: an
    integer join whenever the member's accounts are read, never a text cast of every account id): an
    account deleted takes its grants with it, and the member sees only what is left."""
    admin, editor = member(Role.ADMINISTRATOR), member(Role.EDITOR)
    a, b = AccountFactory(partner=partner), AccountFactory(partner=partner)
    edit(client_for(admin), editor, Role.EDITOR, restricted=True, accounts=[a, b])
    grants = AccountUserObjectPermission.objects.filter(user=editor.user).values_list(
        "content_object", flat=True
    )
    assert set(grants) == {a.pk, b.pk}
    assert not UserObjectPermission.objects.exists()  # (django-guardian's generic table: none there)
    a.delete()
    assert set(grants.all()) == {b.pk}
    shown = {r.record.pk for r in client_for(editor).get(reverse("accounts:list")).context["table"].rows}
    assert shown == {b.pk}


def test_a_members_accounts_are_those_granted_in_its_own_partner(member, partner):
    """One user restricted in two partners: each membership's accounts — read once, the list every query of
    its requests filters by — are its partner's grants only, whatever the user holds in the other, and a
    group's grant (django-guardian's group permissions) counts as a user's."""
    editor = member(Role.EDITOR, restricted=True)
    other = MembershipFactory(user=editor.user, role=Role.EDITOR, restricted=True)
    mine, grouped = AccountFactory(partner=partner), AccountFactory(partner=partner)
    theirs = AccountFactory(partner=other.partner)
    assign_perm("accounts.access_account", editor.user, mine)
    assign_perm("accounts.access_account", editor.user, theirs)
    group = Group.objects.create(name="Customer success")
    editor.user.groups.add(group)
    assign_perm("accounts.access_account", group, grouped)
    with scopes_disabled():
        assert editor.allowed_account_ids == sorted([mine.pk, grouped.pk])
        assert other.allowed_account_ids == [theirs.pk]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_grants_made_before_it(partner):
    """Grants kept in django-guardian's generic table before the direct tables existed are moved into them:
    the member still sees exactly the accounts granted, and the generic rows are gone."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()  # every app's (the apps that depend on it go back with it)
    viewer = UserFactory()
    a, b, hidden = (AccountFactory(partner=partner) for _ in range(3))
    try:
        executor.migrate([("accounts", "0003_trigram_search")])
        kind = ContentType.objects.get_for_model(Account)
        permission = Permission.objects.get(codename="access_account", content_type=kind)
        for account in (a, b):
            UserObjectPermission.objects.create(
                user=viewer, permission=permission, content_type=kind, object_pk=str(account.pk)
            )
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)
    assert not UserObjectPermission.objects.exists()
    assert set(AccountUserObjectPermission.objects.values_list("user", "content_object")) == {
        (viewer.pk, a.pk),
        (viewer.pk, b.pk),
    }
    assert set(get_objects_for_user(viewer, "accounts.access_account", Account.objects.all())) == {a, b}
    assert hidden not in get_objects_for_user(viewer, "accounts.access_account", Account.objects.all())


def test_the_audit_trail_is_append_only_in_the_database(member, client_for):
    admin = member()
    edit(client_for(admin), member(Role.VIEWER), Role.EDITOR)
    entry = AuditEvent.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(action="nothing")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).delete()


def test_subaccount_status_changes_reach_the_audit_trail(member, client_for, partner):
    admin = member()
    sub = SubaccountFactory(account=AccountFactory(partner=partner))
    client_for(admin).post(reverse("subaccounts:suspend", args=[sub.pk]), {"reason": "Unpaid"})
    entry = AuditEvent.objects.get(action="subaccount.status")
    assert entry.details == {"from": "active", "to": "suspended", "reason": "Unpaid"}


def test_the_audit_page_filters_and_exports(member, client_for):
    admin = member()
    edit(client_for(admin), member(Role.VIEWER), Role.EDITOR)
    client_for(admin).post(reverse("access:security"), {"require_two_factor": ""})
    client = client_for(admin)
    rows = client.get(reverse("access:audit"), {"action": "membership.change"}).context["table"].rows
    assert [r.record.action for r in rows] == ["membership.change"]
    export = b"".join(client.get(reverse("access:audit"), {"export": "csv"}).streaming_content).decode()
    assert export.count("\n") == 1 + AuditEvent.objects.count()


def with_totp(user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def test_a_partner_can_require_two_factor_for_every_user(member, client_for, partner):
    admin, viewer = member(Role.ADMINISTRATOR), member(Role.VIEWER)
    client_for(admin).post(reverse("access:security"), {"require_two_factor": "on"})
    partner.refresh_from_db()
    assert partner.require_two_factor

    response = client_for(viewer).get(reverse("accounts:list"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    with_totp(viewer.user)
    assert client_for(viewer).get(reverse("accounts:list")).status_code == 200
    assert AuditEvent.objects.filter(action="security.change").exists()


def test_payout_details_need_the_second_factor_when_the_user_has_one(member, client_for, partner):
    admin = member()
    PayoutDetailsFactory(partner=partner, account_number="40702810200000012345")
    secret = with_totp(admin.user)
    client = client_for(admin)
    data = {
        "bank_name": "New Bank",
        "bic": "044525999",
        "account_number": "40702810600000099999",
        "correspondent_account": "",
    }
    refused = client.post(reverse("profiles:payout"), {**data, "code": "000000"})
    assert "Enter the current code from your authenticator app." in str(refused.context["form"].errors)
    assert PayoutDetails.objects.get().account_number == "40702810200000012345"

    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    assert client.post(reverse("profiles:payout"), {**data, "code": code}).status_code == 302
    assert PayoutDetails.objects.get().account_number == "40702810600000099999"
    entry = AuditEvent.objects.get(action="payout.change")
    assert entry.details["after"]["account_number"] == "4***"  # the trail never keeps the number itself


def test_profile_changes_are_audited(member, client_for, partner):
    admin = member()
    client_for(admin).post(
        reverse("profiles:edit"),
        {
            "name": "Alpha Renamed",
            "legal_address": "",
            "mailing_address": "",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
        },
    )
    entry = AuditEvent.objects.get(action="profile.change")
    assert entry.details["name"] == {"before": "Alpha Integrator", "after": "Alpha Renamed"}


def test_behind_a_trusted_proxy_the_audit_trail_records_the_clients_address_not_the_proxys(
    member, client_for, settings
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    admin, target = member(Role.ADMINISTRATOR), member(Role.VIEWER)
    client = client_for(admin)
    client.post(
        reverse("access:member_edit", args=[target.pk]),
        {"role": Role.EDITOR, "accounts": []},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.20",
    )
    assert AuditEvent.objects.get(action="membership.change").ip_address == "198.51.100.20"
