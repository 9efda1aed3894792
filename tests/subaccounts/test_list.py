"""The subaccounts list's search: by the subaccount's name or billing account id, or by its customer's name;
within what the member may see."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from portal.permissions import Role
from tests.factories import AccountFactory, SubaccountFactory

pytestmark = pytest.mark.django_db


def found(client, q):
    rows = client.get(reverse("subaccounts:list"), {"q": q}).context["table"].rows
    return sorted(r.record.name for r in rows)


def test_the_search_finds_by_name_billing_id_or_customer(partner, other_partner, member, client_for):
    zeta = AccountFactory(partner=partner, name="Zeta Holdings")
    SubaccountFactory(account=zeta, name="Zeta main", billing_account_id="ba-zeta-1")
    SubaccountFactory(account=zeta, name="Warehouse", billing_account_id="ba-wh-2")
    SubaccountFactory(
        account=AccountFactory(partner=partner, name="Omega"), name="Omega prod", billing_account_id="ba-77"
    )
    SubaccountFactory(account=AccountFactory(partner=other_partner, name="Zeta Other"), name="Foreign")
    client = client_for(member())
    assert found(client, "zeta") == ["Warehouse", "Zeta main"]  # the customer's name, case aside
    assert found(client, "HOLDINGS") == ["Warehouse", "Zeta main"]
    assert found(client, "wh-2") == ["Warehouse"]  # the billing account id
    assert found(client, "prod") == ["Omega prod"]  # the subaccount's name
    assert found(client, "other") == []  # another partner's customer is never searched


def test_a_restricted_member_finds_only_the_customers_they_may_see(partner, member, client_for):
    seen, hidden = (
        AccountFactory(partner=partner, name="Acme seen"),
        AccountFactory(partner=partner, name="Acme hidden"),
    )
    SubaccountFactory(account=seen, name="One")
    SubaccountFactory(account=hidden, name="Two")
    restricted = member(Role.EDITOR, restricted=True)
    assign_perm("accounts.access_account", restricted.user, seen)
    assert found(client_for(restricted), "acme") == ["One"]


def test_the_search_ignores_case_in_every_alphabet(partner, member, client_for):
    """The search reads trigram indexes where the server has pg_trgm (migration 0005): the same rows as a
    scan, Cyrillic and Latin, whatever the case typed."""
    romashka, acme = AccountFactory(partner=partner, name="ООО Ромашка"), AccountFactory(partner=partner)
    SubaccountFactory(account=romashka, name="Склад", billing_account_id="ba-ru-1")
    SubaccountFactory(account=acme, name="Производство Север", billing_account_id="BA-X9")
    client = client_for(member())
    assert found(client, "ромашка") == ["Склад"]  # the customer's name
    assert found(client, "РОМАШ") == ["Склад"]
    assert found(client, "СЕВЕР") == ["Производство Север"]  # the subaccount's name, inside a word
    assert found(client, "ba-x") == ["Производство Север"]  # the billing account id
    assert found(client, "ск") == ["Склад"]  # shorter than a trigram: still found
    assert found(client, "тундра") == []


def test_the_search_can_read_the_trigram_indexes(partner, member):
    """Where pg_trgm is installed, every part of the search can use an index (none of it forces a scan of the
    partner's subaccounts): the OR of the name, the billing account id and the customers found."""
    from types import SimpleNamespace

    from django.db import connection

    from subaccounts.filters import SubaccountFilter
    from subaccounts.models import Subaccount

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            pytest.skip("no pg_trgm on this server (the embedded one): the search scans")
        # a few test rows would be read whole anyway: ask for the plan without scans, so that only the
        # search's own conditions can find the rows
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    request = SimpleNamespace(membership=member())
    search = SubaccountFilter({"q": "zeta"}, queryset=Subaccount.objects.all(), request=request)
    plan = search.qs.order_by().explain()
    assert "subaccount_name_trgm" in plan
    assert "subaccount_billing_id_trgm" in plan
    assert "subaccounts_subaccount_account_id" in plan  # the customers found, by the account's index
    assert "Seq Scan on subaccounts_subaccount" not in plan


def test_the_trigram_migration_creates_nothing_without_pg_trgm():
    """On a server without pg_trgm (pgserver) the migration leaves the search as it was: no index."""
    from portal.migration_sql import has_trigrams

    class Cursor:
        def __init__(self):
            self.executed = []

        def execute(self, sql, params=None):
            self.executed.append(sql)

        def fetchone(self):
            return None  # pg_available_extensions has no pg_trgm

    cursor = Cursor()
    assert has_trigrams(cursor) is False
    assert not any("CREATE" in sql for sql in cursor.executed)


def test_the_list_counts_its_pages_from_the_status_tabs(partner, other_partner, member, client_for):
    """Unfiltered or filtered by status, the list takes its row count from the tabs' counts (one COUNT
    fewer); the page numbers are the same as counting the rows: every subaccount, or those of the status, of
    this partner only; a search still counts what it found."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    SubaccountFactory.create_batch(30, account=AccountFactory(partner=partner), status="active")
    SubaccountFactory.create_batch(3, account=AccountFactory(partner=partner), status="suspended")
    SubaccountFactory.create_batch(40, account=AccountFactory(partner=other_partner), status="active")
    client = client_for(member())

    def listed(params):
        with CaptureQueriesContext(connection) as captured:
            table = client.get(reverse("subaccounts:list"), params).context["table"]
        counts = [q["sql"] for q in captured if q["sql"].startswith('SELECT COUNT(*) AS "__count"')]
        return table.paginator.count, table.paginator.num_pages, len(table.page.object_list), len(counts)

    assert listed({}) == (33, 2, 25, 0)
    assert listed({"page": 2, "sort": "-name"}) == (33, 2, 8, 0)
    assert listed({"status": "suspended"}) == (3, 1, 3, 0)
    assert listed({"status": "inactive"}) == (0, 1, 0, 0)
    assert listed({"status": "bogus"}) == (0, 1, 0, 0)  # refused: nothing shown, counted the usual way
    assert listed({"q": "Subaccount"}) == (33, 2, 25, 1)  # a search counts the rows it found
