"""Billing's invoices and referral sign-up files: checked whole (every bad line named, nothing written),
then written in one transaction; a paid month starts its accrual; a sign-up naming a code attributes the
customer."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from accounts.models import Account
from finance.billing import load_invoices, load_referral_signups
from finance.importer import ImportRejected
from finance.models import Accrual, ConsumptionImport, CustomerInvoice, Program
from finance.services import monthly_consumption_rebuild
from referral.models import ReferredCustomer
from subaccounts.models import Subaccount
from tests.factories import (
    ConsumptionFactory,
    CustomerInvoiceFactory,
    RebateTermFactory,
    ReferralLinkFactory,
    ReferredCustomerFactory,
    SubaccountFactory,
)

pytestmark = pytest.mark.django_db
INVOICES = "number,billing_account_id,month,currency,amount,paid_amount,paid_on"
SIGNUPS = "referral_code,billing_account_id,name,country,tax_id,contact_name,email,signed_up_on,consent_at"


def write(tmp_path, header, *lines):
    path = tmp_path / "billing.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def errors(rejected):
    return [str(e) for e in rejected.value.checked.errors]


@pytest.fixture
def referred():
    RebateTermFactory(program=Program.REFERRAL, rate=Decimal("0.1000"), cap=Decimal("100000.00"))
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=Decimal("0.1000"))
    customer = ReferredCustomerFactory(signed_up_at=datetime.date(2026, 9, 1))
    sub = SubaccountFactory(
        account=customer.account, partner=customer.link.partner, billing_account_id="ba-7"
    )
    ConsumptionFactory(subaccount=sub, date=datetime.date(2026, 10, 5), cost=Decimal("1000.00"))
    monthly_consumption_rebuild(start=datetime.date(2026, 10, 1), end=datetime.date(2026, 10, 31))
    return customer


@time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC))
def test_a_paid_invoice_is_stored_and_its_closed_month_accrued(
    tmp_path, referred, celery_eager, django_capture_on_commit_callbacks
):
    path = write(tmp_path, INVOICES, "INV-1,ba-7,2026-10,RUB,1220.00,1220.00,2026-11-10")
    with django_capture_on_commit_callbacks(execute=True):
        assert load_invoices(path).rows == 1
    invoice = CustomerInvoice.objects.get()
    # only the referral commission: the month's consumption may still be arriving for the other programs
    assert set(Accrual.objects.values_list("program", flat=True)) == {"referral"}
    assert (invoice.month, invoice.amount, invoice.is_paid) == (
        datetime.date(2026, 10, 1),
        Decimal("1220.00"),
        True,
    )
    assert Accrual.objects.get(program=Program.REFERRAL).amount == Decimal("122.00")


@time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC))
def test_a_later_file_completes_a_partly_paid_invoice(
    tmp_path, referred, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        load_invoices(write(tmp_path, INVOICES, "INV-1,ba-7,2026-10,RUB,1220.00,200.00,2026-11-10"))
    assert not Accrual.objects.filter(program=Program.REFERRAL).exists()
    with django_capture_on_commit_callbacks(execute=True):
        load_invoices(write(tmp_path, INVOICES, "INV-1,ba-7,2026-10,RUB,1220.00,1220.00,2026-11-24"))
    assert CustomerInvoice.objects.get().paid_on == datetime.date(2026, 11, 24)
    assert Accrual.objects.get(program=Program.REFERRAL).amount == Decimal("122.00")


def test_a_bad_invoices_file_names_every_bad_line_and_writes_nothing(tmp_path, referred):
    CustomerInvoiceFactory(number="INV-OLD", subaccount=Subaccount.objects.get(billing_account_id="ba-7"))
    path = write(
        tmp_path,
        INVOICES,
        "INV-1,ba-7,2026-10,RUB,1220.00,,",
        "INV-2,ba-unknown,2026-10,RUB,10.00,,",
        "INV-3,ba-7,October,RUB,-5,5.00,",
        "INV-1,ba-7,2026-10,RUB,1.00,,",
        "INV-OLD,ba-7,2026-09,RUB,1.00,,",
    )
    with pytest.raises(ImportRejected) as rejected:
        load_invoices(path)
    assert errors(rejected) == [
        "line 3: no subaccount has billing account id ba-unknown",
        "line 4: month: Enter a valid date.",
        "line 4: amount: Ensure this value is greater than or equal to 0.",
        "line 4: paid_on: A payment needs its date.",
        "line 5: invoice INV-1 appears twice in the file",
        "line 6: invoice INV-OLD was imported for another subaccount or month",
    ]
    assert list(CustomerInvoice.objects.values_list("number", flat=True)) == ["INV-OLD"]


def test_a_file_without_its_columns_is_refused(tmp_path):
    with pytest.raises(ImportRejected) as rejected:
        load_invoices(write(tmp_path, "number,amount", "INV-1,10.00"))
    assert errors(rejected) == ["line 1: missing columns: billing_account_id, currency, month"]


@pytest.fixture
def link():
    return ReferralLinkFactory(code="spring26")


def signup_line(code="spring26", ba="ba-new", tax_id="7707083893", consent="2026-11-02T09:30:00+03:00"):
    return f"{code},{ba},Acme,RU,{tax_id},Anna Petrova,anna@acme.example,2026-11-02,{consent}"


def test_a_signup_naming_the_code_becomes_a_referred_account_with_its_subaccount(tmp_path, link):
    loaded = load_referral_signups(write(tmp_path, SIGNUPS, signup_line()))
    assert (loaded.rows, loaded.skipped) == (1, [])
    customer = ReferredCustomer.objects.select_related("account").get()
    assert (customer.link, customer.account.partner, customer.signed_up_at) == (
        link,
        link.partner,
        datetime.date(2026, 11, 2),
    )
    assert customer.consent_at == datetime.datetime(2026, 11, 2, 6, 30, tzinfo=datetime.UTC)
    sub = Subaccount.objects.get(billing_account_id="ba-new")
    assert (sub.account, sub.status, sub.partner) == (
        customer.account,
        Subaccount.Status.ACTIVE,
        link.partner,
    )


def test_signups_that_cannot_be_attributed_are_skipped_with_their_reason(tmp_path, link):
    SubaccountFactory(billing_account_id="ba-known")
    using = SubaccountFactory(account__tax_id="500100732259", status=Subaccount.Status.ACTIVE)
    stopped = SubaccountFactory(account__tax_id="7736050003", status=Subaccount.Status.SUSPENDED)
    ConsumptionFactory(subaccount=stopped, date=datetime.date.today() - datetime.timedelta(days=40))
    loaded = load_referral_signups(
        write(
            tmp_path,
            SIGNUPS,
            signup_line(ba="ba-a", consent=""),
            signup_line(ba="ba-known"),
            signup_line(ba="ba-b", tax_id=using.account.tax_id),
            signup_line(ba="ba-c", tax_id=stopped.account.tax_id),  # stopped, no usage for 40 days: counts
        )
    )
    assert loaded.rows == 1
    assert [str(e) for e in loaded.skipped] == [
        "line 2: the customer has not consented to the partner seeing their consumption",
        "line 3: billing account ba-known is already in the portal",
        "line 4: This company already uses the cloud, so it cannot join through a referral link. Only new "
        "customers, or customers whose services have been stopped with no usage for more than 32 days, can.",
    ]
    assert list(ReferredCustomer.objects.values_list("account__tax_id", flat=True)) == ["7736050003"]


def test_a_bad_signups_file_writes_nothing(tmp_path, link):
    path = write(
        tmp_path,
        SIGNUPS,
        signup_line(),
        signup_line(code="nosuchcode", ba="ba-2"),
        signup_line(ba="ba-3", tax_id="1234567890"),
    )
    with pytest.raises(ImportRejected) as rejected:
        load_referral_signups(path)
    assert errors(rejected)[0] == "line 3: no referral link has the code nosuchcode"
    assert errors(rejected)[1].startswith("line 4: tax_id: ")
    assert not Account.objects.exists() and not ReferredCustomer.objects.exists()


def test_the_admin_uploads_each_kind_of_billing_file(
    tmp_path, link, admin_client, django_capture_on_commit_callbacks, celery_eager
):
    path = write(tmp_path, SIGNUPS, signup_line(), signup_line(ba="ba-2", consent=""))
    with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/finance/consumptionimport/add/", {"kind": "referral_signups", "file": handle}
        )
    job = ConsumptionImport.objects.get()
    assert (job.status, job.rows, job.lines_checked) == (ConsumptionImport.Status.DONE, 1, 2)
    assert job.skipped == ["line 3: the customer has not consented to the partner seeing their consumption"]
    page = admin_client.get(f"/admin/finance/consumptionimport/{job.pk}/change/")
    assert "has not consented" in page.content.decode()
