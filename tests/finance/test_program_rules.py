"""The programs' rules that the accrual once broke (issue 11), each worked out by hand from DESIGN.md."""

import datetime
from decimal import Decimal

import pytest

from finance.accruals import accrue_month
from finance.models import Accrual, Program
from finance.services import monthly_consumption_rebuild
from tests.factories import (
    AccountFactory,
    ConsumptionFactory,
    PartnerFactory,
    PartnerSpecializationFactory,
    RebateTermFactory,
    SpecializationFactory,
    SubaccountFactory,
)

SEP = datetime.date(2026, 9, 1)


@pytest.fixture
def terms(db):
    RebateTermFactory(program=Program.PARTNER_BONUS, rate=Decimal("0.1000"))
    RebateTermFactory(program=Program.DEAL_EXTRA, rate=Decimal("0.1500"))
    RebateTermFactory(program=Program.PROJECT_REBATE, rate=Decimal("0.1500"), threshold=Decimal("30000.00"))
    RebateTermFactory(program=Program.SPECIALIZATION_REBATE, rate=Decimal("0.1000"))


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
