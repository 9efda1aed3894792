from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from access.models import Membership
from finance.models import Accrual, CustomerInvoice, Program
from portal.permissions import Role
from profiles.models import Partner, PayoutDetails, Specialization
from subaccounts.models import Subaccount


def model_counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label
        in {"profiles", "access", "accounts", "subaccounts", "tools", "referral", "finance"}
    }


@pytest.mark.django_db
def test_seed_demo_fills_every_status_and_role_and_a_second_run_changes_nothing():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = model_counts()
    assert Partner.objects.count() == 2
    for partner in Partner.objects.all():
        assert set(Membership.objects.filter(partner=partner).values_list("role", flat=True)) == set(Role)
        assert set(partner.subaccounts.values_list("status", flat=True)) == set(Subaccount.Status)
    assert first["finance.Consumption"] > 0 and first["finance.Accrual"] > 0
    assert first["finance.MonthlyConsumption"] >= 2 * 24  # 24 months of aggregates per partner at least
    # referral: each partner's two referred customers earn commission on their paid months, and the one
    # unpaid month waits for its payment
    for partner in Partner.objects.all():
        referral = Accrual.objects.filter(partner=partner, program=Program.REFERRAL)
        assert not referral.filter(subaccount__account__referral__isnull=True).exists()
        assert referral.values("subaccount__account").distinct().count() == 2
        unpaid = CustomerInvoice.objects.get(partner=partner, paid_on=None)
        assert not referral.filter(subaccount=unpaid.subaccount, period=unpaid.month).exists()
        assert referral.filter(period=unpaid.month).count() == 1

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert model_counts() == first


@pytest.mark.django_db
def test_seed_demo_payout_details_pass_the_bank_checks():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    details = PayoutDetails.objects.select_related("partner")
    assert {d.partner.country for d in details} == {"RU", "KZ"}
    for payout in details:
        payout.full_clean()


@pytest.mark.django_db
def test_the_demo_obeys_the_programs_rules():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    thresholds = dict(Specialization.objects.values_list("code", "yearly_threshold"))
    assert (thresholds["infrastructure"], thresholds["devops"], thresholds["data-platform"]) == (
        Decimal("12000000.00"),
        Decimal("2000000.00"),
        Decimal("2000000.00"),
    )
    # project rebates come from the engine, only in months at or over the threshold of their term
    rebates = Accrual.objects.filter(program=Program.PROJECT_REBATE, corrects=None).select_related("term")
    assert rebates.exists()
    assert all(r.term.threshold and r.basis >= r.term.threshold for r in rebates)
    assert not rebates.filter(source="demo").exists()
