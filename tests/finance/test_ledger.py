import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from access.models import Membership
from finance.models import Accrual, LedgerEntry, Pool, Program
from finance.selectors import Balance, balances
from finance.services import accrual_record
from tests.factories import LedgerEntryFactory, SubaccountFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_to_update_or_delete_a_ledger_row():
    entry = LedgerEntryFactory(amount=Decimal("10.00"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("99.00"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.amount == Decimal("10.00")


def test_recording_an_accrual_twice_adds_nothing_and_the_balance_is_the_ledger_sum():
    sub = SubaccountFactory()
    kwargs = dict(
        partner_id=sub.partner_id,
        subaccount_id=sub.pk,
        period=datetime.date(2026, 1, 1),
        program=Program.PROJECT_REBATE,
        source="registration:1",
        basis=Decimal("33333.33"),
        rate=Decimal("0.1500"),
        currency="RUB",
    )
    first = accrual_record(**kwargs)
    second = accrual_record(**kwargs)

    assert first.amount == Decimal("5000.00")  # 4999.9995 rounded half up, once, where stored
    assert second is None
    assert Accrual.objects.count() == 1 and LedgerEntry.objects.count() == 1
    assert balances(membership=Membership.whole_partner(sub.partner)) == [
        Balance(Pool.REBATES, "RUB", Decimal("5000.00"))
    ]


def test_money_is_never_a_float():
    from portal.money import round_money

    with pytest.raises(TypeError):
        round_money(0.1)
