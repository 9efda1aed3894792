"""Withdrawals: never above the balance, even when requests race; a rejection gives the money back."""

import threading
from decimal import Decimal
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access.models import Membership
from finance import services
from finance.forms import WithdrawalForm
from finance.models import LedgerEntry, Pool, Program, Withdrawal
from finance.selectors import balance
from portal.permissions import Role
from tests import factories
from tests.factories import (
    PartnerFactory,
    PayoutDetailsFactory,
    UserFactory,
)

BANK = Withdrawal.Destination.BANK


def accrue(partner, amount: str, program=Program.PROJECT_REBATE, source="t"):
    return factories.accrue(partner, amount, program, source=source)


def withdraw(partner, amount: str, pool=Pool.REBATES, requested_by=None):
    return services.withdrawal_request(
        partner=partner,
        pool=pool,
        amount=Decimal(amount),
        currency="RUB",
        destination=BANK,
        requested_by=requested_by,
    )


@pytest.mark.django_db
def test_a_withdrawal_holds_the_amount_and_a_rejection_reverses_it(partner):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    user = UserFactory()
    withdrawal = withdraw(partner, "400.00", requested_by=user)
    assert balance(
        membership=Membership.whole_partner(partner), pool=Pool.REBATES, currency="RUB"
    ) == Decimal("600.00")
    assert withdrawal.payout_details_snapshot["account_number"] == "40702810200000012345"
    services.withdrawal_decide(withdrawal=withdrawal, step="reject", actor=user, reason="Wrong bank")
    assert balance(
        membership=Membership.whole_partner(partner), pool=Pool.REBATES, currency="RUB"
    ) == Decimal("1000.00")
    assert list(LedgerEntry.objects.order_by("id").values_list("kind", "amount")) == [
        ("accrual", Decimal("1000.00")),
        ("withdrawal", Decimal("-400.00")),
        ("reversal", Decimal("400.00")),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [("1000.01", "At most 1,000.00 RUB is available."), ("0", "Enter an amount above zero.")],
)
def test_too_much_or_nothing_is_refused_and_nothing_is_written(partner, amount, message):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    with pytest.raises(ValidationError, match=message):
        withdraw(partner, amount)
    assert not Withdrawal.objects.exists() and LedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_the_referral_program_pays_out_from_500_rub(partner):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00", program=Program.REFERRAL)
    with pytest.raises(ValidationError, match="pays out from 500.00 RUB"):
        withdraw(partner, "499.99", pool=Pool.REFERRAL)
    withdraw(partner, "500.00", pool=Pool.REFERRAL)


@pytest.mark.django_db
def test_pools_do_not_mix(partner):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00", program=Program.REFERRAL)
    with pytest.raises(ValidationError, match="nothing to withdraw in RUB: 0.00 RUB is available"):
        withdraw(partner, "10.00")


@pytest.mark.django_db
def test_paid_is_final(partner):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "100.00")
    w = withdraw(partner, "100.00")
    services.withdrawal_decide(withdrawal=w, step="approve", actor=None)
    services.withdrawal_decide(withdrawal=w, step="pay", actor=None)
    with pytest.raises(ValidationError, match="cannot be reject"):
        services.withdrawal_decide(withdrawal=w, step="reject", actor=None, reason="late")


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_from_separate_connections_never_exceed_the_balance():
    partner = PartnerFactory()
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    barrier = threading.Barrier(8)
    outcomes = []

    def request_300():
        try:
            barrier.wait()
            with scope(partner=partner.pk):  # as each request runs
                withdraw(partner, "300.00")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()  # each thread had its own PostgreSQL connection

    threads = [threading.Thread(target=request_300) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] * 3 + ["refused"] * 5  # 3 × 300 fit in 1000, a 4th would not
    assert balance(
        membership=Membership.whole_partner(partner), pool=Pool.REBATES, currency="RUB"
    ) == Decimal("100.00")


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("accrue"), st.decimals("0.01", "500.00", places=2)),
        st.tuples(st.just("withdraw"), st.decimals("0.01", "800.00", places=2)),
        st.tuples(st.just("reject"), st.integers(0, 10)),
    ),
    max_size=15,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_sequence_keeps_the_balance_the_sum_of_entries_and_never_negative(ops):
    from django.db import transaction

    with transaction.atomic():
        partner = PartnerFactory()
        PayoutDetailsFactory(partner=partner)
        expected, requested = Decimal("0.00"), []
        for n, (op, value) in enumerate(ops):
            if op == "accrue":
                accrue(partner, str(value), source=f"op{n}")
                expected += value
            elif op == "withdraw":
                try:
                    requested.append(
                        services.withdrawal_request(
                            partner=partner,
                            pool=Pool.REBATES,
                            amount=value,
                            currency="RUB",
                            destination=BANK,
                            requested_by=None,
                        )
                    )
                    expected -= value
                except ValidationError:
                    assert value > expected
            elif requested:
                w = requested[value % len(requested)]
                try:
                    services.withdrawal_decide(withdrawal=w, step="reject", actor=None, reason="r")
                    expected += w.amount
                except ValidationError:
                    pass  # already rejected
            current = balance(membership=Membership.whole_partner(partner), pool=Pool.REBATES, currency="RUB")
            assert current == expected
            assert current >= 0
            total = sum(
                LedgerEntry.objects.filter(partner=partner).values_list("amount", flat=True), Decimal("0")
            )
            assert current == total
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_page_asks_for_confirmation_before_holding(partner, member, client_for):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    client = client_for(member(Role.EDITOR_PD))
    data = {"pool": "rebates", "amount": "250.00", "currency": "RUB", "destination": "bank"}
    first = client.post(reverse("finance:withdraw"), data)
    assert "You are about to withdraw" in first.content.decode() and not Withdrawal.objects.exists()
    key = first.context["request_key"]
    done = client.post(reverse("finance:withdraw"), {**data, "confirmed": "on", "request_key": key})
    assert done.status_code == 302 and Withdrawal.objects.get().amount == Decimal("250.00")
    too_much = client.post(
        reverse("finance:withdraw"), {**data, "amount": "900.00", "confirmed": "on", "request_key": uuid4()}
    )
    assert "At most 750.00 RUB is available." in too_much.content.decode()
    assert Withdrawal.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.ADMINISTRATOR, True), (Role.EDITOR_PD, True), (Role.VIEWER_PD, False), (Role.EDITOR, False)],
)
def test_only_administrators_and_editors_with_personal_data_withdraw(
    partner, member, client_for, role, allowed
):
    assert (client_for(member(role)).get(reverse("finance:withdraw")).status_code == 200) is allowed


@pytest.mark.django_db
def test_admin_rejects_with_a_reversal(partner, admin_client):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    w = withdraw(partner, "100.00")
    admin_client.post(
        reverse("admin:finance_withdrawal_changelist"),
        {"action": "reject", "_selected_action": [w.pk], "reason": "Duplicate"},
    )
    w.refresh_from_db()
    assert w.status == Withdrawal.Status.REJECTED and w.reason == "Duplicate"
    assert LedgerEntry.objects.filter(kind="reversal", amount=Decimal("100.00")).exists()


@pytest.mark.django_db
def test_a_withdrawal_of_one_kopeck_goes_through_both_steps(partner, member, client_for):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "0.01")
    client = client_for(member(Role.ADMINISTRATOR))
    data = {"pool": "rebates", "amount": "0.01", "currency": "RUB", "destination": "bank"}
    first = client.post(reverse("finance:withdraw"), data)
    assert first.context["form"].errors == {} and first.context["confirm"]
    key = first.context["request_key"]
    done = client.post(reverse("finance:withdraw"), {**data, "confirmed": "on", "request_key": key})
    assert done.status_code == 302 and Withdrawal.objects.get().amount == Decimal("0.01")
    assert balance(
        membership=Membership.whole_partner(partner), pool=Pool.REBATES, currency="RUB"
    ) == Decimal("0.00")


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "valid"), [("0.01", True), ("0.00", False), ("-0.01", False)])
def test_the_form_takes_amounts_from_one_kopeck(partner, amount, valid):
    data = {"pool": "rebates", "amount": amount, "currency": "RUB", "destination": "bank"}
    assert WithdrawalForm(data, partner=partner, pool=Pool.REBATES).is_valid() is valid


def first_step(client, **data):
    """Step one of the withdraw page: the amount refused on the form, or the confirmation offered."""
    data = {"pool": "rebates", "currency": "RUB", "destination": "bank", **data}
    return client.post(reverse("finance:withdraw"), data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "1000.01"}, "At most 1,000.00 RUB is available."),  # grouped, as the cards show it
        (
            {"amount": "10.00", "currency": "USD"},
            "There is nothing to withdraw in USD: 0.00 USD is available.",
        ),
        (
            {"amount": "499.99", "pool": "referral"},
            "The referral program pays out from 500.00 RUB.",
        ),
    ],
    ids=["over-the-balance", "nothing-in-the-currency", "under-the-referral-minimum"],
)
def test_the_first_step_refuses_on_the_amount_and_offers_no_confirm(
    partner, member, client_for, data, message
):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    accrue(partner, "1000.00", program=Program.REFERRAL)
    response = first_step(client_for(member(Role.ADMINISTRATOR)), **data)
    assert response.context["form"].errors == {"amount": [message]}
    assert "confirm" not in response.context and "Confirm withdrawal" not in response.content.decode()
    assert not Withdrawal.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [{"amount": "1000.00"}, {"amount": "500.00", "pool": "referral"}],
    ids=["the-balance", "the-minimum"],
)
def test_the_first_step_offers_confirm_up_to_the_balance_and_from_the_minimum(
    partner, member, client_for, data
):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    accrue(partner, "1000.00", program=Program.REFERRAL)
    response = first_step(client_for(member(Role.ADMINISTRATOR)), **data)
    assert response.context["form"].errors == {} and "Confirm withdrawal" in response.content.decode()


@pytest.mark.django_db
def test_the_second_step_still_refuses_what_the_balance_no_longer_holds(partner, member, client_for):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    client = client_for(member(Role.ADMINISTRATOR))
    first = first_step(client, amount="800.00")
    assert "Confirm withdrawal" in first.content.decode()
    withdraw(partner, "300.00")  # another request held part of the balance between the two steps
    second = first_step(client, amount="800.00", confirmed="on", request_key=first.context["request_key"])
    assert second.context["form"].errors == {"amount": ["At most 700.00 RUB is available."]}
    assert Withdrawal.objects.count() == 1


@pytest.mark.django_db
def test_one_confirmation_submitted_twice_holds_the_money_once(partner, member, client_for):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    client = client_for(member(Role.ADMINISTRATOR))
    first = first_step(client, amount="300.00")
    confirm = {"amount": "300.00", "confirmed": "on", "request_key": first.context["request_key"]}
    assert first_step(client, **confirm).status_code == 302
    assert first_step(client, **confirm).status_code == 302  # a second click, a browser's resend
    assert Withdrawal.objects.count() == 1
    assert balance(
        membership=Membership.whole_partner(partner), pool=Pool.REBATES, currency="RUB"
    ) == Decimal("700.00")


@pytest.mark.django_db(transaction=True)
def test_one_confirmation_submitted_at_once_from_two_tabs_holds_the_money_once():
    partner = PartnerFactory()
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    key, barrier, made = uuid4(), threading.Barrier(4), []

    def submit():
        try:
            barrier.wait()
            with scope(partner=partner.pk):  # as each request runs
                made.append(
                    services.withdrawal_request(
                        partner=partner,
                        pool=Pool.REBATES,
                        amount=Decimal("300.00"),
                        currency="RUB",
                        destination=BANK,
                        requested_by=None,
                        request_key=key,
                    ).pk
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 1 and Withdrawal.objects.count() == 1
    assert balance(
        membership=Membership.whole_partner(partner), pool=Pool.REBATES, currency="RUB"
    ) == Decimal("700.00")


@pytest.mark.django_db
def test_a_confirmation_without_its_key_is_refused_and_holds_nothing(partner, member, client_for):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    page = first_step(client_for(member(Role.ADMINISTRATOR)), amount="300.00", confirmed="on")
    assert "This confirmation is not valid any more" in page.content.decode()
    assert not Withdrawal.objects.exists()


@pytest.mark.django_db
def test_a_member_restricted_to_some_customers_neither_sees_nor_withdraws_the_partner_wide_balance(
    partner, member, client_for
):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "1000.00")
    client = client_for(member(Role.ADMINISTRATOR, restricted=True))
    assert client.get(reverse("finance:balance")).status_code == 403
    assert client.get(reverse("finance:withdraw")).status_code == 403
    assert first_step(client, amount="10.00").status_code == 403
    assert not Withdrawal.objects.exists()
    dashboard = client.get(reverse("dashboard")).content.decode()
    finance = client.get(reverse("finance:index")).content.decode()
    assert "1,000.00" not in dashboard and reverse("finance:balance") not in dashboard + finance
    assert reverse("finance:statements") not in finance


@pytest.mark.django_db
def test_the_requested_message_groups_the_amount_as_the_balance_cards_do(partner, member, client_for):
    PayoutDetailsFactory(partner=partner)
    accrue(partner, "20000.00")
    client = client_for(member(Role.ADMINISTRATOR))
    first = first_step(client, amount="15000.00")
    done = first_step(client, amount="15000.00", confirmed="on", request_key=first.context["request_key"])
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert "Withdrawal of 15,000.00 RUB requested." in page and "15000.00 RUB" not in page
