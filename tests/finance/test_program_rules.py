"""The programs' rules that the accrual once broke (issue 11), each worked out by hand from DESIGN.md."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils.html import escape

from finance.accruals import accrue_month
from finance.importer import COLUMNS, ImportRejected, load
from finance.models import (
    Accrual,
    Consumption,
    CorrectionReason,
    Exclusion,
    LedgerEntry,
    MonthlyConsumption,
    Pool,
    Program,
)
from finance.services import monthly_consumption_rebuild, withdrawal_request
from portal.money import round_money
from portal.periods import add_months
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

SEP = datetime.date(2026, 9, 1)


def consume(sub, day, cost, **fields):
    ConsumptionFactory(subaccount=sub, date=day, cost=Decimal(cost), **fields)
    monthly_consumption_rebuild(start=day, end=day)


@pytest.mark.django_db
def test_a_partner_with_rouble_and_tenge_customers_keeps_both_specialization_rebates(terms):
    partner = PartnerFactory()
    PartnerSpecializationFactory(
        partner=partner, specialization=SpecializationFactory(code="devops"), active_since=SEP
    )
    rub = SubaccountFactory(account=AccountFactory(partner=partner), partner=partner)
    kzt = SubaccountFactory(account=AccountFactory(partner=partner), partner=partner)
    consume(rub, SEP, "200000.00")  # Q3 grew by 200,000 RUB over an empty Q2
    consume(kzt, SEP, "900000.00", currency="KZT")  # and by 900,000 KZT
    accrue_month(partner_id=partner.pk, month=SEP)
    rebates = Accrual.objects.filter(partner=partner, program=Program.SPECIALIZATION_REBATE)
    assert sorted(rebates.values_list("currency", "amount")) == [
        ("KZT", Decimal("90000.00")),
        ("RUB", Decimal("20000.00")),
    ]


@pytest.mark.django_db
def test_a_project_rebate_runs_exactly_twelve_months_the_approval_month_first(terms):
    partner = PartnerFactory()
    account = AccountFactory(partner=partner)
    sub = SubaccountFactory(account=account, partner=partner)
    project = RegistrationFactory(
        account=account,
        kind="project",
        status="approved",
        project_scope="folder-new",
        decided_at=datetime.datetime(2026, 9, 15, 12, tzinfo=datetime.UTC),
    )
    last, after = datetime.date(2027, 8, 1), datetime.date(2027, 9, 1)
    for month in (SEP, last, after):
        consume(sub, month, "40000.00", folder_id="folder-new")
        accrue_month(partner_id=partner.pk, month=month)
    rebates = Accrual.objects.filter(program=Program.PROJECT_REBATE)
    assert sorted(rebates.values_list("period", flat=True)) == [SEP, last]  # Sep 2026 … Aug 2027
    assert project.rebate_window.months == [add_months(SEP, n) for n in range(12)]


@pytest.mark.django_db
def test_the_registration_page_names_the_twelve_rebate_months(client_for, member):
    admin = member()
    project = RegistrationFactory(
        account=AccountFactory(partner=admin.partner),
        kind="project",
        status="approved",
        decided_at=datetime.datetime(2026, 9, 30, 22, tzinfo=datetime.UTC),  # 1 October in Moscow
    )
    page = client_for(admin).get(project.get_absolute_url()).content.decode()
    assert "October 2026 – September 2027" in page


@pytest.mark.django_db
def test_a_referred_customer_earns_the_referral_commission_only(terms, client_for, member, commission_report):
    admin = member()
    partner = admin.partner
    referred = ReferredCustomerFactory(link__partner=partner, signed_up_at=SEP)
    sub = SubaccountFactory(account=referred.account, partner=partner)
    RegistrationFactory(
        account=referred.account,
        kind="deal",
        status="approved",
        decided_at=datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC),
    )
    consume(sub, SEP, "1000.00")
    CustomerInvoiceFactory(subaccount=sub, month=SEP, amount=Decimal("1220.00"))
    accrue_month(partner_id=partner.pk, month=SEP)
    assert list(Accrual.objects.filter(partner=partner).values_list("program", "amount")) == [
        (Program.REFERRAL, Decimal("122.00"))
    ]
    # and no page or report shows a reward on its consumption
    client = client_for(admin)
    days = {"period": "custom", "start": "2026-09-01", "finish": "2026-09-30"}
    usage = client.get(reverse("finance:usage"), days).context["details"].totals
    assert [t["reward"] for t in usage] == [Decimal("0")]
    rows = commission_report(client, "2026-09-01", "2026-09-30")
    assert [Decimal(r["reward"]) for r in rows] == [Decimal("0")]


def approved_deal(account, decided_on: datetime.date, **fields):
    return RegistrationFactory(
        account=account,
        kind="deal",
        status="approved",
        decided_at=datetime.datetime.combine(decided_on, datetime.time(9), tzinfo=datetime.UTC),
        **fields,
    )


@pytest.mark.django_db
def test_two_approved_deals_for_one_customer_pay_one_extra(terms):
    partner = PartnerFactory()
    account = AccountFactory(partner=partner)
    first = approved_deal(account, datetime.date(2026, 7, 1))
    approved_deal(account, datetime.date(2026, 8, 1))
    sub = created_on(SubaccountFactory(account=account, partner=partner), datetime.date(2026, 8, 15))
    consume(sub, SEP, "1000.00")
    accrue_month(partner_id=partner.pk, month=SEP)
    extra = Accrual.objects.filter(program=Program.DEAL_EXTRA)
    assert list(extra.values_list("source", "amount")) == [(f"registration:{first.pk}", Decimal("150.00"))]


@pytest.mark.django_db
def test_a_procurement_deal_pays_its_extra_for_the_contracts_months_even_when_it_starts_late(terms):
    partner = PartnerFactory()
    account = AccountFactory(partner=partner)
    # approved in March, the subaccount created in time, the contract from July (after approval + 60 days)
    deal = approved_deal(
        account,
        datetime.date(2026, 3, 2),
        procurement=True,
        contract_start=datetime.date(2026, 7, 1),
        contract_end=datetime.date(2026, 9, 30),
    )
    sub = created_on(SubaccountFactory(account=account, partner=partner), datetime.date(2026, 3, 20))
    months = [datetime.date(2026, m, 1) for m in (6, 7, 9, 10)]
    for month in months:
        consume(sub, month, "1000.00")
        accrue_month(partner_id=partner.pk, month=month)
    extra = Accrual.objects.filter(program=Program.DEAL_EXTRA).order_by("period")
    assert list(extra.values_list("period", "source", "amount")) == [
        (datetime.date(2026, 7, 1), f"registration:{deal.pk}", Decimal("150.00")),
        (SEP, f"registration:{deal.pk}", Decimal("150.00")),
    ]


@pytest.mark.django_db
def test_a_deal_whose_subaccount_came_after_its_window_pays_no_extra(terms):
    partner = PartnerFactory()
    account = AccountFactory(partner=partner)
    approved_deal(account, datetime.date(2026, 6, 1))
    sub = created_on(SubaccountFactory(account=account, partner=partner), datetime.date(2026, 8, 5))
    consume(sub, SEP, "1000.00")
    accrue_month(partner_id=partner.pk, month=SEP)
    assert not Accrual.objects.filter(program=Program.DEAL_EXTRA).exists()


MARKETPLACE = "dn2marketplace"


def billing_file(tmp_path, *rows):
    header = ",".join(COLUMNS)
    lines = [
        f"{ba},{day},c1,prod,f1,default,{service},Product,{sku},Product,1,unit,{cost},0,RUB"
        for ba, day, service, sku, cost in rows
    ]
    path = tmp_path / "billing.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.mark.django_db
def test_marketplace_consumption_earns_nothing_and_a_changed_list_is_reapplied(
    terms, tmp_path, admin_client, celery_eager, django_capture_on_commit_callbacks
):
    partner = PartnerFactory()
    account = AccountFactory(partner=partner)
    SubaccountFactory(account=account, partner=partner, billing_account_id="ba-1")
    RegistrationFactory(
        account=account,
        kind="project",
        status="approved",
        project_scope="c1",
        decided_at=datetime.datetime(2026, 9, 1, 9, tzinfo=datetime.UTC),
    )
    Exclusion.objects.create(kind=Exclusion.Kind.MARKETPLACE, service_id=MARKETPLACE)
    load(
        billing_file(
            tmp_path,
            ("ba-1", "2026-09-01", "compute", "vcpu", "20000.00"),
            ("ba-1", "2026-09-02", MARKETPLACE, "image", "15000.00"),  # would lift it over 30,000
            ("ba-1", "2026-09-03", "storage", "storedoc-page", "1000.00"),
        )
    )
    assert Consumption.objects.filter(is_marketplace=True).count() == 1
    accrue_month(partner_id=partner.pk, month=SEP)
    earned = Accrual.objects.filter(partner=partner)
    # 10% of 21,000; the project's 21,000 is under the 30,000 threshold
    assert sorted(earned.values_list("program", "amount")) == [(Program.PARTNER_BONUS, Decimal("2100.00"))]

    # an administrator excludes one SKU of the storage service: September is brought up to date
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:finance_exclusion_add"),
            {"kind": Exclusion.Kind.STOREDOC, "service_id": "storage", "sku_id": "storedoc-page", "note": ""},
        )
    assert Consumption.objects.filter(is_marketplace=True).count() == 2
    assert MonthlyConsumption.objects.get(service_id="storage").marketplace_cost == Decimal("1000.00")
    assert earned.aggregate(total=Sum("amount"))["total"] == Decimal("2000.00")  # a correction of −100


def ledger_of(partner):
    return sorted(LedgerEntry.objects.filter(partner=partner).values_list("kind", "program", "amount"))


@pytest.mark.django_db
def test_a_reimported_period_is_brought_in_by_a_correcting_entry_and_an_unchanged_rerun_adds_nothing(
    terms, tmp_path, celery_eager, django_capture_on_commit_callbacks
):
    partner = PartnerFactory()
    SubaccountFactory(account=AccountFactory(partner=partner), partner=partner, billing_account_id="ba-1")
    with django_capture_on_commit_callbacks(execute=True):
        load(billing_file(tmp_path, ("ba-1", "2026-09-01", "compute", "vcpu", "1000.00")))
    accrue_month(partner_id=partner.pk, month=SEP)
    original = Accrual.objects.get(partner=partner)
    # billing re-sends September with different figures: the closed month is re-accrued on its own
    with django_capture_on_commit_callbacks(execute=True):
        load(billing_file(tmp_path, ("ba-1", "2026-09-01", "compute", "vcpu", "1234.50")))
    assert ledger_of(partner) == [
        ("accrual", "partner_bonus", Decimal("100.00")),
        ("correction", "partner_bonus", Decimal("23.45")),
    ]
    correction = original.corrections.get()
    assert (correction.basis, correction.amount, correction.reason) == (
        Decimal("234.50"),
        Decimal("23.45"),
        CorrectionReason.DATA,
    )
    original.refresh_from_db()
    assert (original.basis, original.amount) == (Decimal("1000.00"), Decimal("100.00"))  # never updated
    assert accrue_month(partner_id=partner.pk, month=SEP)[Program.PARTNER_BONUS] == 0
    assert len(ledger_of(partner)) == 2


@pytest.mark.django_db
def test_a_paid_supplementary_invoice_adds_its_commission_and_an_unpaid_one_takes_nothing_back(terms):
    partner = PartnerFactory()
    referred = ReferredCustomerFactory(link__partner=partner, signed_up_at=SEP)
    sub = SubaccountFactory(account=referred.account, partner=partner)
    CustomerInvoiceFactory(subaccount=sub, month=SEP, amount=Decimal("1220.00"))
    accrue_month(partner_id=partner.pk, month=SEP)
    supplementary = CustomerInvoiceFactory(
        subaccount=sub, month=SEP, amount=Decimal("610.00"), paid_amount=Decimal("0"), paid_on=None
    )
    accrue_month(partner_id=partner.pk, month=SEP)
    assert ledger_of(partner) == [("accrual", "referral", Decimal("122.00"))]  # awaiting its payment
    supplementary.paid_amount = Decimal("610.00")
    supplementary.save()
    accrue_month(partner_id=partner.pk, month=SEP, programs=[Program.REFERRAL])
    assert ledger_of(partner) == [
        ("accrual", "referral", Decimal("122.00")),
        ("correction", "referral", Decimal("61.00")),
    ]


@pytest.mark.django_db
def test_a_correction_that_takes_back_more_than_is_left_shows_a_negative_balance_plainly(
    terms, client_for, member
):
    admin = member()
    partner = admin.partner
    account = AccountFactory(partner=partner)
    sub = SubaccountFactory(account=account, partner=partner)
    RegistrationFactory(
        account=account,
        kind="project",
        status="approved",
        project_scope="folder-new",
        decided_at=datetime.datetime(2026, 9, 1, 9, tzinfo=datetime.UTC),
    )
    day = ConsumptionFactory(subaccount=sub, date=SEP, cost=Decimal("40000.00"), folder_id="folder-new")
    monthly_consumption_rebuild(start=SEP, end=SEP)
    accrue_month(partner_id=partner.pk, month=SEP)  # 6,000.00 project rebate
    withdrawal_request(
        partner=partner,
        pool=Pool.REBATES,
        amount=Decimal("5000.00"),
        currency="RUB",
        destination="invoice",
        requested_by=admin.user,
    )
    Consumption.objects.filter(pk=day.pk).update(cost=Decimal("10000.00"))  # billing's figure was wrong
    monthly_consumption_rebuild(start=SEP, end=SEP)
    accrue_month(partner_id=partner.pk, month=SEP)  # under the threshold now: −6,000.00
    rebate = Accrual.objects.with_corrections().get(program=Program.PROJECT_REBATE)
    assert (rebate.amount, rebate.amount_now, rebate.corrected) == (Decimal("6000.00"), Decimal("0"), True)
    page = client_for(admin).get(reverse("finance:balance")).content.decode()
    assert "-5,000.00" in page and "took back more than was left" in page
    detail = client_for(admin).get(rebate.get_absolute_url()).content.decode()
    assert "-6,000.00" in detail and escape(str(CorrectionReason.DATA.label)) in detail


PROVIDER_HEADER = (
    "billing_account_id,billing_account_name,cloud_id,cloud_name,folder_id,folder_name,resource_id,"
    "service_id,service_name,sku_id,sku_name,date,currency,pricing_quantity,pricing_unit,cost,credit,"
    "monetary_grant_credit,volume_incentive_credit,cud_credit,misc_credit,reward,label.user_labels.env,"
    "locale,updated_at,exported_at"
)


@pytest.mark.django_db
def test_billings_own_export_is_imported_as_it_is_and_the_report_reads_alike(
    terms, tmp_path, client_for, member, commission_report
):
    admin = member()
    SubaccountFactory(
        account=AccountFactory(partner=admin.partner), partner=admin.partner, billing_account_id="ba-1"
    )
    rows = [
        # three days of 0.3333333333 RUB after a grant: each day's 10% is 0.0333…, rounded once 0.10
        f"ba-1,Shop,c1,prod,f1,default,,compute,Compute,vcpu,vCPU,2026-09-0{d},RUB,1.5,hour,"
        f"0.8333333333,-0.5,-0.5,0,0,0,0.05,prod,en,2026-09-0{d}T03:00:00Z,2026-10-01T00:00:00Z"
        for d in (1, 2, 3)
    ]
    path = tmp_path / "export.csv"
    path.write_text("\n".join([PROVIDER_HEADER, *rows]) + "\n", encoding="utf-8")
    load(path)
    day = Consumption.objects.order_by("date").first()
    assert (day.cost, day.credit, day.monetary_grant_credit) == (
        Decimal("0.8333333333"),
        Decimal("-0.5"),
        Decimal("-0.5"),
    )
    accrue_month(partner_id=admin.partner_id, month=SEP)
    assert Accrual.objects.get().amount == Decimal("0.10")  # not 3 × 0.03

    lines = commission_report(client_for(admin), "2026-09-01", "2026-09-30")
    assert set(PROVIDER_HEADER.split(",")) - {"label.user_labels.env"} <= set(lines[0])
    assert (lines[0]["cost"], lines[0]["credit"], lines[0]["monetary_grant_credit"]) == (
        "0.8333333333",
        "-0.50",
        "-0.50",
    )
    assert round_money(sum(Decimal(line["reward"]) for line in lines)) == Decimal("0.10")


@pytest.mark.django_db
def test_a_positive_credit_is_refused_as_not_billings_sign(tmp_path):
    SubaccountFactory(billing_account_id="ba-1")
    path = tmp_path / "export.csv"
    path.write_text(
        PROVIDER_HEADER + "\nba-1,Shop,c1,prod,f1,default,,compute,Compute,vcpu,vCPU,2026-09-01,RUB,1,hour,"
        "10,5,0,0,0,0,0,,en,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as rejected:
        load(path)
    assert [str(e) for e in rejected.value.checked.errors] == [
        "line 2: credit 5 is positive: billing gives credits as negative amounts"
    ]
    assert not Consumption.objects.exists()


@pytest.mark.django_db
def test_a_rate_that_changes_mid_month_and_the_deal_extra_agree_in_accrual_page_and_report(
    client_for, member, commission_report
):
    RebateTermFactory(
        program=Program.PARTNER_BONUS,
        rate=Decimal("0.1000"),
        valid_from=datetime.date(2024, 1, 1),
        valid_to=datetime.date(2026, 9, 15),
    )
    RebateTermFactory(
        program=Program.PARTNER_BONUS, rate=Decimal("0.1200"), valid_from=datetime.date(2026, 9, 16)
    )
    RebateTermFactory(program=Program.DEAL_EXTRA, rate=Decimal("0.1500"))
    admin = member()
    account = AccountFactory(partner=admin.partner)
    approved_deal(account, datetime.date(2026, 8, 3))
    sub = created_on(SubaccountFactory(account=account, partner=admin.partner), datetime.date(2026, 8, 10))
    consume(sub, datetime.date(2026, 9, 10), "1000.00")  # 10% + 15%
    consume(sub, datetime.date(2026, 9, 20), "1000.00")  # 12% + 15%
    consume(sub, datetime.date(2026, 9, 21), "0.0333333333")  # earns 0.008999999991 unrounded
    accrue_month(partner_id=admin.partner_id, month=SEP)
    accrued = dict(Accrual.objects.values_list("program", "amount"))
    # base: 100 + 120 + 0.003999999996 → 220.00; base and extra rounded once: 520.008999999991 → 520.01
    assert accrued == {Program.PARTNER_BONUS: Decimal("220.00"), Program.DEAL_EXTRA: Decimal("300.01")}

    client = client_for(admin)
    days = {"period": "custom", "start": "2026-09-01", "finish": "2026-09-30"}
    [total] = client.get(reverse("finance:usage"), days).context["details"].totals
    assert total["reward"] == Decimal("520.01")
    rows = commission_report(client, "2026-09-01", "2026-09-30")
    assert [r["reward"] for r in rows] == ["250.00", "270.00", "0.008999999991"]
    assert round_money(sum(Decimal(r["reward"]) for r in rows)) == Decimal("520.01")
