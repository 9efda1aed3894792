"""The accrual engine: worked examples checked by hand, exclusions, idempotency, crash-and-retry."""

import csv
import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from finance import accruals
from finance.accruals import accrue_month
from finance.models import Accrual, LedgerEntry, Pool, Program
from finance.services import monthly_consumption_rebuild
from tests.factories import (
    AccountFactory,
    ConsumptionFactory,
    CustomerInvoiceFactory,
    PartnerFactory,
    PartnerSpecializationFactory,
    RebateTermFactory,
    ReferredCustomerFactory,
    RegistrationFactory,
    SpecializationFactory,
    SubaccountFactory,
    created_on,
)

OCT = datetime.date(2026, 10, 1)


def consume(sub, *, cost, credit="0", marketplace=False, folder="f1", day=OCT, sku=None):
    ConsumptionFactory(
        subaccount=sub,
        date=day,
        cost=Decimal(cost),
        credit=Decimal(credit),
        is_marketplace=marketplace,
        folder_id=folder,
        sku_id=sku or f"{folder}-{cost}-{marketplace}",
    )
    monthly_consumption_rebuild(start=day, end=day)


def accrued(partner, program):
    return {
        (a.subaccount_id, a.source): a.amount
        for a in Accrual.objects.filter(partner=partner, program=program)
    }


@pytest.mark.django_db
def test_base_bonus_counts_only_paid_consumption_and_never_the_partners_own(terms):
    partner = PartnerFactory()
    sub = SubaccountFactory(account=AccountFactory(partner=partner))
    own = SubaccountFactory(account=AccountFactory(partner=partner), is_partner_own=True)
    consume(sub, cost="1000.00", credit="-100.00")  # a grant of 100 (billing's credits are negative)
    consume(sub, cost="200.00", marketplace=True)  # a marketplace product
    consume(own, cost="5000.00")
    accrue_month(partner_id=partner.pk, month=OCT)
    # paid = 1000 + 200 - 100 (grant) - 200 (marketplace) = 900; 10% = 90.00
    assert accrued(partner, Program.PARTNER_BONUS) == {(sub.pk, ""): Decimal("90.00")}
    assert LedgerEntry.objects.get(accrual__program=Program.PARTNER_BONUS).pool == Pool.BONUS


@pytest.mark.django_db
def test_an_approved_deal_adds_its_extra(terms):
    partner = PartnerFactory()
    account = AccountFactory(partner=partner)
    sub = SubaccountFactory(account=account)
    deal = RegistrationFactory(
        account=account,
        kind="deal",
        status="approved",
        decided_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
    )
    created_on(sub, datetime.date(2026, 9, 20))  # within the deal's 60 days
    consume(sub, cost="1234.56")
    accrue_month(partner_id=partner.pk, month=OCT)
    # 15% of 1234.56 = 185.184 -> 185.18
    assert accrued(partner, Program.DEAL_EXTRA) == {(sub.pk, f"registration:{deal.pk}"): Decimal("185.18")}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cost", "expected"),
    [("29999.99", None), ("30000.00", Decimal("4500.00")), ("30000.05", Decimal("4500.01"))],
)
def test_project_rebate_only_in_months_at_or_over_the_threshold(terms, cost, expected):
    partner = PartnerFactory()
    account = AccountFactory(partner=partner)
    sub = SubaccountFactory(account=account)
    project = RegistrationFactory(
        account=account,
        kind="project",
        status="approved",
        project_scope="folder-new",
        decided_at=datetime.datetime(2026, 9, 15, tzinfo=datetime.UTC),
    )
    consume(sub, cost=cost, folder="folder-new")
    consume(sub, cost="7777.00", folder="other-folder")  # outside the project: not counted
    accrue_month(partner_id=partner.pk, month=OCT)
    got = accrued(partner, Program.PROJECT_REBATE)
    assert got == ({} if expected is None else {(sub.pk, f"registration:{project.pk}"): expected})
    if expected:
        assert LedgerEntry.objects.get(accrual__program=Program.PROJECT_REBATE).pool == Pool.REBATES


@pytest.mark.django_db
def test_referral_commission_is_capped_per_customer_and_month(terms):
    partner = PartnerFactory()
    referred = ReferredCustomerFactory(link__partner=partner, signed_up_at=datetime.date(2026, 6, 10))
    first = SubaccountFactory(account=referred.account, partner=partner)
    second = SubaccountFactory(account=referred.account, partner=partner)
    # two subaccounts of one customer: 600,000 + 600,000 invoiced would earn 120,000; the cap is per customer
    CustomerInvoiceFactory(subaccount=first, amount=Decimal("600000.00"))
    CustomerInvoiceFactory(subaccount=second, amount=Decimal("600000.00"))
    accrue_month(partner_id=partner.pk, month=OCT)
    assert accrued(partner, Program.REFERRAL) == {(first.pk, f"referral:{referred.pk}"): Decimal("100000.00")}
    # 12 months from sign-up, the sign-up month being the first: May 2027 is the last, June 2027 is not
    for month in (datetime.date(2027, 5, 1), datetime.date(2027, 6, 1)):
        CustomerInvoiceFactory(subaccount=first, month=month, amount=Decimal("10.00"))
        accrue_month(partner_id=partner.pk, month=month)
    periods = Accrual.objects.filter(program=Program.REFERRAL).values_list("period", flat=True)
    assert sorted(periods) == [OCT, datetime.date(2027, 5, 1)]


@pytest.mark.django_db
def test_referral_commission_is_ten_percent_of_the_invoice_with_vat_once_the_customer_paid_it(terms):
    partner = PartnerFactory()
    referred = ReferredCustomerFactory(link__partner=partner, signed_up_at=datetime.date(2026, 9, 3))
    sub = SubaccountFactory(account=referred.account, partner=partner)
    other = SubaccountFactory(account=referred.account, partner=partner)
    consume(sub, cost="1000.00")  # consumption alone earns the partner bonus, never the commission
    paid = CustomerInvoiceFactory(subaccount=sub, amount=Decimal("1220.00"))  # 1,000 + VAT 22%
    unpaid = CustomerInvoiceFactory(
        subaccount=other, amount=Decimal("610.00"), paid_amount=Decimal("600.00"), paid_on=None
    )
    accrue_month(partner_id=partner.pk, month=OCT)
    assert accrued(partner, Program.REFERRAL) == {}  # the month is not paid until every invoice is
    unpaid.paid_amount, unpaid.paid_on = Decimal("610.00"), datetime.date(2026, 11, 20)
    unpaid.save()
    accrue_month(partner_id=partner.pk, month=OCT)
    accrue_month(partner_id=partner.pk, month=OCT)  # and again: nothing more
    assert accrued(partner, Program.REFERRAL) == {(sub.pk, f"referral:{referred.pk}"): Decimal("183.00")}
    accrual = Accrual.objects.get(program=Program.REFERRAL)
    assert (accrual.basis, paid.is_paid) == (Decimal("1830.00"), True)
    assert LedgerEntry.objects.get(accrual=accrual).pool == Pool.REFERRAL
    assert "including VAT" in accrual.basis_explained


@pytest.mark.django_db
def test_no_commission_without_the_customers_consent_or_for_a_customer_not_referred(terms):
    partner = PartnerFactory()
    referred = ReferredCustomerFactory(link__partner=partner, consent_at=None)
    CustomerInvoiceFactory(subaccount=SubaccountFactory(account=referred.account, partner=partner))
    CustomerInvoiceFactory(subaccount=SubaccountFactory(account=AccountFactory(partner=partner)))
    accrue_month(partner_id=partner.pk, month=OCT)
    assert accrued(partner, Program.REFERRAL) == {}


@pytest.mark.django_db
def test_a_terms_cap_and_threshold_are_in_its_currency_and_a_plain_rate_fits_any(terms):
    """The RUB terms' 100,000 cap and 30,000 threshold never apply to tenge; the 10% bonus rate does."""
    partner = PartnerFactory(currency="KZT")
    referred = ReferredCustomerFactory(link__partner=partner)
    sub = SubaccountFactory(account=referred.account, partner=partner)
    RegistrationFactory(
        account=referred.account,
        kind="project",
        status="approved",
        project_scope="f1",
        decided_at=datetime.datetime(2026, 9, 15, tzinfo=datetime.UTC),
    )
    ConsumptionFactory(subaccount=sub, date=OCT, cost=Decimal("50000.00"), currency="KZT", folder_id="f1")
    # a customer the partner resells earns the partner bonus (a referred one earns the commission instead)
    resold = SubaccountFactory(account=AccountFactory(partner=partner), partner=partner)
    ConsumptionFactory(subaccount=resold, date=OCT, cost=Decimal("50000.00"), currency="KZT")
    monthly_consumption_rebuild(start=OCT, end=OCT)
    CustomerInvoiceFactory(subaccount=sub, amount=Decimal("6000000.00"), currency="KZT")
    accrue_month(partner_id=partner.pk, month=OCT)
    got = Accrual.objects.filter(partner=partner)
    # only the plain rate: 10% of 50,000 KZT; no KZT project or referral term, so neither is accrued
    assert sorted(got.values_list("program", "amount", "currency")) == [
        ("partner_bonus", Decimal("5000.00"), "KZT")
    ]

    RebateTermFactory(
        program=Program.REFERRAL, rate=Decimal("0.1000"), cap=Decimal("550000.00"), currency="KZT"
    )
    RebateTermFactory(
        program=Program.PROJECT_REBATE, rate=Decimal("0.1500"), threshold=Decimal("165000.00"), currency="KZT"
    )
    accrue_month(partner_id=partner.pk, month=OCT)
    # the KZT cap holds the commission to 550,000 KZT; 50,000 KZT is under the KZT project threshold
    assert got.get(program=Program.REFERRAL).amount == Decimal("550000.00")
    assert not got.filter(program=Program.PROJECT_REBATE).exists()


def ledger(partner):
    return sorted(
        LedgerEntry.objects.filter(partner=partner).values_list("program", "amount", "accrual__source")
    )


@pytest.mark.django_db
def test_running_a_month_twice_adds_nothing(terms):
    partner = PartnerFactory()
    consume(SubaccountFactory(account=AccountFactory(partner=partner)), cost="500.00")
    first = accrue_month(partner_id=partner.pk, month=OCT)
    before = ledger(partner)
    second = accrue_month(partner_id=partner.pk, month=OCT)
    assert first[Program.PARTNER_BONUS] == 1 and second[Program.PARTNER_BONUS] == 0
    assert ledger(partner) == before


@pytest.mark.django_db
def test_a_run_that_dies_midway_leaves_nothing_and_a_retry_completes(terms, monkeypatch):
    partner = PartnerFactory()
    account = AccountFactory(partner=partner)
    sub = SubaccountFactory(account=account)
    RegistrationFactory(
        account=account,
        kind="deal",
        status="approved",
        decided_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
    )
    created_on(sub, datetime.date(2026, 9, 20))
    consume(sub, cost="1000.00")
    real = dict(accruals.BASES)
    # the worker "dies" on the second program, after the first has inserted its rows
    broken = {
        **real,
        Program.DEAL_EXTRA: real[Program.DEAL_EXTRA].replace(" AS raw,", " / 0 AS raw,"),
    }
    monkeypatch.setattr(accruals, "BASES", broken)
    with pytest.raises(Exception, match="division by zero"):
        accrue_month(partner_id=partner.pk, month=OCT)
    assert not LedgerEntry.objects.filter(partner=partner).exists()  # the bonus before it rolled back too
    monkeypatch.setattr(accruals, "BASES", real)
    accrue_month(partner_id=partner.pk, month=OCT)
    assert [(p, a) for p, a, _ in ledger(partner)] == [
        ("deal_extra", Decimal("150.00")),
        ("partner_bonus", Decimal("100.00")),
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_the_same_month_accrue_once():
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=Decimal("0.1000"))
    partner = PartnerFactory()
    for _ in range(3):
        consume(SubaccountFactory(account=AccountFactory(partner=partner)), cost="100.00")
    barrier = threading.Barrier(4)

    def run():
        try:
            barrier.wait()
            accrue_month(partner_id=partner.pk, month=OCT)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Accrual.objects.filter(partner=partner).count() == 3
    assert LedgerEntry.objects.filter(partner=partner).count() == 3


@pytest.mark.django_db
def test_an_administrator_can_run_any_month_for_any_partner(
    terms, admin_client, celery_eager, django_capture_on_commit_callbacks
):
    partner = PartnerFactory()
    consume(SubaccountFactory(account=AccountFactory(partner=partner)), cost="100.00")
    with django_capture_on_commit_callbacks(execute=True):  # queued once the action commits
        admin_client.post(
            "/admin/profiles/partner/",
            {"action": "accrue_month", "_selected_action": [partner.pk], "month": "2026-10"},
        )
    assert accrued(partner, Program.PARTNER_BONUS) != {}


@pytest.fixture
def specialized(terms):
    """A partner with DevOps active since spring and ML & AI (counting only the ML service) since July."""
    partner = PartnerFactory()
    sub = SubaccountFactory(account=AccountFactory(partner=partner))
    own = SubaccountFactory(account=AccountFactory(partner=partner), is_partner_own=True)
    devops = SpecializationFactory(code="devops")
    ml = SpecializationFactory(code="ml-ai", service_ids="ml, datasphere")
    PartnerSpecializationFactory(
        partner=partner, specialization=devops, active_since=datetime.date(2026, 3, 1)
    )
    PartnerSpecializationFactory(partner=partner, specialization=ml, active_since=datetime.date(2026, 9, 30))
    # Q2: 100,000 paid (of it 20,000 ML); Q3: 160,000 paid (of it 50,000 ML) plus a marketplace product,
    # a grant and the partner's own use, none of which counts
    for day, cost, service in [
        (datetime.date(2026, 4, 10), "80000", "compute"),
        (datetime.date(2026, 5, 10), "20000", "ml"),
        (datetime.date(2026, 7, 10), "60000", "compute"),
        (datetime.date(2026, 8, 10), "50000", "ml"),
        (datetime.date(2026, 9, 10), "50000", "compute"),
    ]:
        ConsumptionFactory(subaccount=sub, date=day, cost=Decimal(cost), service_id=service)
    ConsumptionFactory(
        subaccount=sub, date=datetime.date(2026, 9, 11), cost=Decimal("9000"), is_marketplace=True
    )
    ConsumptionFactory(
        subaccount=sub, date=datetime.date(2026, 9, 12), cost=Decimal("700"), credit=Decimal("-700")
    )
    ConsumptionFactory(subaccount=own, date=datetime.date(2026, 9, 13), cost=Decimal("99999"))
    monthly_consumption_rebuild(start=datetime.date(2026, 4, 1), end=datetime.date(2026, 9, 30))
    return partner


@pytest.mark.django_db
def test_specialization_rebate_is_quarterly_on_the_increase_and_ml_counts_its_services(specialized):
    for month in (7, 8):
        assert (
            accrue_month(partner_id=specialized.pk, month=datetime.date(2026, month, 1))[
                Program.SPECIALIZATION_REBATE
            ]
            == 0
        )  # not a quarter's last month
    accrue_month(partner_id=specialized.pk, month=datetime.date(2026, 9, 1))
    rebates = {
        a.source: (a.basis, a.amount) for a in Accrual.objects.filter(program=Program.SPECIALIZATION_REBATE)
    }
    assert rebates == {
        "specialization:devops:2026Q3": (Decimal("60000.00"), Decimal("6000.00")),  # 160,000 − 100,000
        "specialization:ml-ai:2026Q3": (Decimal("30000.00"), Decimal("3000.00")),  # 50,000 − 20,000 of ML
    }
    entries = LedgerEntry.objects.filter(partner=specialized, program=Program.SPECIALIZATION_REBATE)
    assert {e.pool for e in entries} == {Pool.REBATES} and sum(e.amount for e in entries) == Decimal(
        "9000.00"
    )
    accrue_month(partner_id=specialized.pk, month=datetime.date(2026, 9, 1))  # twice: nothing more
    assert entries.count() == 2


@pytest.mark.django_db
def test_no_specialization_rebate_without_growth_or_after_the_specialization_ended(specialized):
    specialized.specializations.filter(specialization__code="devops").update(
        active_until=datetime.date(2026, 6, 30)
    )
    specialized.specializations.filter(specialization__code="ml-ai").update(active_since=None)
    accrue_month(partner_id=specialized.pk, month=datetime.date(2026, 9, 1))
    assert not Accrual.objects.filter(program=Program.SPECIALIZATION_REBATE).exists()
    specialized.specializations.update(active_since=datetime.date(2026, 1, 1), active_until=None)
    accrue_month(partner_id=specialized.pk, month=datetime.date(2026, 12, 1))  # Q4 fell to zero: no growth
    assert not Accrual.objects.filter(program=Program.SPECIALIZATION_REBATE).exists()


@pytest.mark.django_db
def test_a_term_for_the_specialization_itself_wins_over_the_general_one(specialized):
    RebateTermFactory(program=Program.SPECIALIZATION_REBATE, condition="ml-ai", rate=Decimal("0.0500"))
    accrue_month(partner_id=specialized.pk, month=datetime.date(2026, 9, 1))
    ml = Accrual.objects.get(source="specialization:ml-ai:2026Q3")
    assert (ml.rate, ml.amount) == (Decimal("0.0500"), Decimal("1500.00"))


@pytest.mark.django_db
def test_the_accrual_page_names_the_months_of_a_specialization_rebate(specialized, client_for):
    from tests.factories import MembershipFactory

    accrue_month(partner_id=specialized.pk, month=datetime.date(2026, 9, 1))
    rebate = Accrual.objects.get(source="specialization:devops:2026Q3")
    admin = MembershipFactory(partner=specialized)  # an Administrator
    page = client_for(admin).get(rebate.get_absolute_url()).content.decode()
    assert "July 2026 – September 2026 minus April 2026 – June 2026" in page and "6000.00" in page


@pytest.mark.django_db
def test_a_currencys_own_bonus_rate_is_the_same_in_accrual_usage_and_commission(
    terms, partner, member, client_for
):
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=Decimal("0.1200"), currency="KZT")
    for currency in ("RUB", "KZT"):
        sub = SubaccountFactory(account=AccountFactory(partner=partner), partner=partner)
        ConsumptionFactory(subaccount=sub, date=OCT, cost=Decimal("1000.00"), currency=currency)
    monthly_consumption_rebuild(start=OCT, end=OCT)
    accrue_month(partner_id=partner.pk, month=OCT)
    bonus = Accrual.objects.filter(partner=partner, program=Program.PARTNER_BONUS)
    assert dict(bonus.values_list("currency", "amount")) == {
        "RUB": Decimal("100.00"),
        "KZT": Decimal("120.00"),
    }

    client = client_for(member())
    days = {"period": "custom", "start": "2026-10-01", "finish": "2026-10-31"}
    usage = client.get(reverse("finance:usage"), days).context["details"].totals
    assert {t["currency"]: t["reward"] for t in usage} == {"RUB": Decimal("100.00"), "KZT": Decimal("120.00")}
    report = client.get(
        reverse("finance:commission"), {"start": "2026-10-01", "finish": "2026-10-31", "export": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert {r["currency"]: r["reward"] for r in rows} == {"RUB": "100.00", "KZT": "120.00"}
