"""Accounts: every validation message a user can act on, duplicates, archive, personal data by role."""

import re

import pytest
from django.urls import reverse

from accounts.models import Account, AccountContact
from portal.permissions import Role
from subaccounts.models import Subaccount
from tests.factories import AccountContactFactory, AccountFactory, SubaccountFactory

pytestmark = pytest.mark.django_db

VALID = {
    "country": "RU",
    "tax_id": "7707083893",
    "name": "Gamma Retail",
    "legal_name": "Gamma Retail LLC",
    "legal_address": "",
    "mailing_address": "",
    "stage": "prospect",
    "description": "",
    "contacts-TOTAL_FORMS": "1",
    "contacts-INITIAL_FORMS": "0",
    "contacts-MIN_NUM_FORMS": "0",
    "contacts-MAX_NUM_FORMS": "1000",
    "contacts-0-name": "",
    "contacts-0-email": "",
    "contacts-0-phone": "",
}


def create(client, **changes):
    return client.post(reverse("accounts:create"), {**VALID, **changes})


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_a_valid_account_with_a_contact_is_created(member, client_for):
    admin = member()
    response = create(
        client_for(admin),
        **{
            "contacts-0-name": "Anna",
            "contacts-0-email": "anna@gamma.example",
            "contacts-0-phone": "+7 495 123-45-67",
        },
    )
    account = Account.objects.get(name="Gamma Retail")
    assert response.status_code == 302 and response["Location"] == account.get_absolute_url()
    assert account.partner == admin.partner and account.owner == admin.user
    assert str(AccountContact.objects.get(account=account).phone) == "+74951234567"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"tax_id": ""}, "tax_id", "This field is required."),
        (
            {"tax_id": "77070838"},
            "tax_id",
            "A Russian INN has 10 digits (organisation) or 12 digits (individual).",
        ),
        ({"tax_id": "7707083894"}, "tax_id", "This INN fails its check digits; please check for a typo."),
        ({"country": "KZ", "tax_id": "99034000597"}, "tax_id", "A Kazakhstan BIN or IIN has 12 digits."),
        (
            {"country": "KZ", "tax_id": "990340005978"},
            "tax_id",
            "This BIN or IIN fails its check digit; please check for a typo.",
        ),
        (
            {"country": "DE", "tax_id": "@@"},
            "tax_id",
            "Use 4 to 20 letters, digits or dashes, as on the company's registration.",
        ),
        ({"country": "XX"}, "country", "Select a valid choice. XX is not one of the available choices."),
    ],
)
def test_each_invalid_field_gets_its_message_and_nothing_is_written(
    member, client_for, changes, field, message
):
    response = create(client_for(member()), **changes)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"contacts-0-name": "Anna", "contacts-0-email": "not-an-email"},
            "email",
            "Enter a valid email address.",
        ),
        (
            {"contacts-0-name": "Anna", "contacts-0-email": "a@b.example", "contacts-0-phone": "12"},
            "phone",
            "Enter a valid phone number (e.g. 0301 23-45-67) or a number with an international call prefix.",
        ),
    ],
)
def test_contact_errors_are_shown_and_nothing_is_written(member, client_for, changes, field, message):
    response = create(client_for(member()), **changes)
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors[field]
    assert errors and errors[0].startswith(message.split(" (")[0])
    assert not Account.objects.exists()


def test_kazakh_and_other_tax_ids_pass_their_rules(member, client_for):
    client = client_for(member())
    assert create(client, country="KZ", tax_id="990340005977").status_code == 302
    assert create(client, country="DE", tax_id="de-123456789", name="Delta GmbH").status_code == 302
    assert set(Account.objects.values_list("tax_id", flat=True)) == {"990340005977", "DE-123456789"}


def test_a_duplicate_tax_id_is_refused_with_a_link_to_the_existing_account(partner, member, client_for):
    existing = AccountFactory(partner=partner, name="Gamma (existing)", tax_id="7707083893")
    response = create(client_for(member()))
    [error] = field_errors(response, "tax_id")
    assert f'href="{existing.get_absolute_url()}"' in error and "Gamma (existing)" in error
    assert Account.objects.count() == 1


def test_the_same_tax_id_at_another_partner_is_not_a_duplicate(other_partner, member, client_for):
    AccountFactory(partner=other_partner, tax_id="7707083893")
    response = create(client_for(member()))
    assert response.status_code == 302
    assert "Omega" not in response.content.decode()


def test_archive_and_restore(partner, member, client_for):
    account = AccountFactory(partner=partner)
    client = client_for(member())
    client.post(reverse("accounts:archive", args=[account.pk]))
    account.refresh_from_db()
    assert account.archived_at is not None
    assert account.pk not in {r.record.pk for r in client.get(reverse("accounts:list")).context["table"].rows}
    client.post(reverse("accounts:restore", args=[account.pk]))
    account.refresh_from_db()
    assert account.archived_at is None


def test_an_account_with_a_live_subaccount_is_not_archived(partner, member, client_for):
    account = AccountFactory(partner=partner)
    SubaccountFactory(account=account, status=Subaccount.Status.SUSPENDED)
    response = client_for(member()).post(reverse("accounts:archive", args=[account.pk]), follow=True)
    assert "Deactivate them first." in response.content.decode()
    account.refresh_from_db()
    assert account.archived_at is None


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.ADMINISTRATOR, True),
        (Role.EDITOR_PD, True),
        (Role.VIEWER_PD, True),
        (Role.EDITOR, False),
        (Role.VIEWER, False),
    ],
)
def test_contacts_are_masked_for_roles_without_personal_data(partner, member, client_for, role, shown):
    account = AccountFactory(partner=partner)
    AccountContactFactory(account=account, name="Anna Smirnova", email="anna@gamma.example")
    page = client_for(member(role)).get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert ("anna@gamma.example" in page) is shown
    assert ("a***@gamma.example" in page) is not shown
    assert ("Anna Smirnova" in page) is shown


def test_search_finds_by_name_legal_name_tax_id_and_contact_email(partner, member, client_for):
    a = AccountFactory(partner=partner, name="Zeta", legal_name="Zeta Holdings", tax_id="7707083893")
    AccountContactFactory(account=a, email="boss@zeta.example")
    AccountFactory(partner=partner, name="Other")
    client = client_for(member())
    for q in ("zeta", "holdings", "70708389", "boss@zeta"):
        rows = client.get(reverse("accounts:list"), {"q": q}).context["table"].rows
        assert [r.record.pk for r in rows] == [a.pk], q


def test_the_search_can_read_the_trigram_indexes(partner, member):
    """Where pg_trgm is installed, every part of the accounts search can use an index (none of it forces a
    scan of the partner's accounts or of every contact): name, legal name, tax id and the contacts found."""
    from types import SimpleNamespace

    from django.db import connection

    from accounts.filters import AccountFilter

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            pytest.skip("no pg_trgm on this server (the embedded one): the search scans")
        cursor.execute("SET LOCAL enable_seqscan = off")  # only the search's own conditions find the rows
        cursor.execute("SET LOCAL enable_indexscan = off")
    request = SimpleNamespace(membership=member(), partner=partner)
    search = AccountFilter({"q": "zeta"}, queryset=Account.objects.all(), request=request)
    plan = search.qs.order_by().explain()
    for index in (
        "account_name_trgm",
        "account_legal_name_trgm",
        "account_tax_id_trgm",
        "account_contact_name_trgm",
        "account_contact_email_trgm",
    ):
        assert index in plan, index
    assert "Seq Scan on accounts_" not in plan


def test_the_country_filter_offers_the_countries_of_the_partners_own_customers(
    partner, other_partner, member, client_for
):
    AccountFactory(partner=partner, country="KZ")
    AccountFactory(partner=other_partner, country="DE")
    page = client_for(member()).get(reverse("accounts:list")).content.decode()
    select = re.search(r'<select name="country"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == ["---------", "Kazakhstan"]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_list_and_its_export_name_each_customers_country_in_the_language(
    partner, member, client_for, language
):
    """The country column names the country from its code, once per table (the same name as the field's)."""
    from django.utils import translation

    accounts = [AccountFactory(partner=partner, country=code) for code in ("KZ", "KZ", "DE", "")]
    client = client_for(member())
    client.cookies["django_language"] = language
    with translation.override(language):
        names = [str(a.country.name) if a.country else "—" for a in accounts]
        page = client.get(reverse("accounts:list"), HTTP_ACCEPT_LANGUAGE=language)
        export = client.get(reverse("accounts:list"), {"export": "csv"}, HTTP_ACCEPT_LANGUAGE=language)
        csv = b"".join(export.streaming_content).decode()  # the rows are written as the response streams
    cells = {r.record.pk: r.get_cell("country") for r in page.context["table"].rows}
    assert [cells[a.pk] for a in accounts] == names
    assert ("Kazakhstan" if language == "en" else "Казахстан") in names
    assert csv.count(names[0]) == 2 and names[2] in csv


def test_the_list_counts_each_accounts_subaccounts_and_sorts_by_the_count(partner, member, client_for):
    """Counted per row (none is 0), every status included, and sortable both ways."""
    _, two, one = (AccountFactory(partner=partner, name=name) for name in ("A none", "B two", "C one"))
    SubaccountFactory(account=two, partner=partner)
    SubaccountFactory(account=two, partner=partner, status=Subaccount.Status.SUSPENDED)
    SubaccountFactory(account=one, partner=partner)
    client = client_for(member())

    def listed(**params):
        rows = client.get(reverse("accounts:list"), params).context["table"].rows
        return [(r.record.name, r.get_cell("subaccount_count")) for r in rows]

    assert listed() == [("A none", 0), ("B two", 2), ("C one", 1)]
    assert [n for n, _ in listed(sort="subaccount_count")] == ["A none", "C one", "B two"]
    assert [n for n, _ in listed(sort="-subaccount_count")] == ["B two", "C one", "A none"]


@pytest.mark.django_db
def test_the_owner_filter_offers_the_partners_users_in_one_plain_query(
    partner, other_partner, member, client_for
):
    """The owners are read with one query, not a server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE: the
    page's template renders after the request's transaction); another partner's users are not offered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MembershipFactory

    admin = member()
    colleague = member(Role.VIEWER)
    stranger = MembershipFactory(partner=other_partner)
    client = client_for(admin)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("accounts:list"), {"owner": colleague.user.pk}).content.decode()
    assert not [q for q in captured.captured_queries if "DECLARE" in q["sql"]]
    owner = re.search(r'<select name="owner".*?</select>', page, re.S).group(0)
    assert f'<option value="{colleague.user.pk}" selected>' in owner
    assert f'value="{admin.user.pk}"' in owner and f'value="{stranger.user.pk}"' not in owner
    assert owner.count("<option") == 3  # the empty choice and the two users
