"""The money oracle (tests/finance/oracle.py) on small worlds worked out by hand.

Pure Python, no database: every expected figure is computed in the comment next to it, never by asking the
oracle a second time."""

import datetime
from decimal import Decimal as D

import pytest

from tests.finance.oracle import (
    Account,
    Exclusion,
    Invoice,
    PartnerSpecialization,
    ReferredCustomer,
    Registration,
    Row,
    Subaccount,
    Term,
    World,
    accruals,
    accruals_between,
    balances,
    money,
    row_reward,
    term_for,
)

day = datetime.date
P, OTHER = 1, 2
ACC, SUB = 10, 100  # a resold customer of P, its subaccount
OWN_ACC, OWN = 11, 110  # P's own consumption
REF_ACC, REF_SUB = 20, 200  # a customer who came through P's referral link
OTHER_ACC, OTHER_SUB = 30, 300  # another partner's customer

AUG, SEP, OCT, NOV, DEC = (day(2026, m, 1) for m in (8, 9, 10, 11, 12))
START = day(2026, 1, 1)

BONUS = Term("partner_bonus", D("0.10"), valid_from=START)  # plain rate: any currency
DEAL = Term("deal_extra", D("0.05"), valid_from=START)
PROJECT_RUB = Term("project_rebate", D("0.15"), "RUB", threshold=D("30000"), valid_from=START)
PROJECT_KZT = Term("project_rebate", D("0.15"), "KZT", threshold=D("150000"), valid_from=START)
SPEC = Term("specialization_rebate", D("0.10"), valid_from=START)
REF_RUB = Term("referral", D("0.10"), "RUB", cap=D("100000"), valid_from=START)
REF_KZT = Term("referral", D("0.10"), "KZT", cap=D("500000"), valid_from=START)
TERMS = (BONUS, DEAL, PROJECT_RUB, PROJECT_KZT, SPEC, REF_RUB, REF_KZT)

ACCOUNTS = (Account(ACC, P), Account(OWN_ACC, P), Account(REF_ACC, P), Account(OTHER_ACC, OTHER))
SUBACCOUNTS = (
    Subaccount(SUB, ACC, P, day(2026, 1, 10)),
    Subaccount(OWN, OWN_ACC, P, day(2026, 1, 10), is_partner_own=True),
    Subaccount(REF_SUB, REF_ACC, P, day(2026, 9, 14)),
    Subaccount(OTHER_SUB, OTHER_ACC, OTHER, day(2026, 1, 10)),
)
REFERRED = ReferredCustomer(7, REF_ACC, P, signed_up_on=day(2026, 9, 14), consent=True)


def world(**kwargs):
    """The base world (terms, accounts, subaccounts) with ``kwargs`` added or replacing."""
    base = {"terms": TERMS, "accounts": ACCOUNTS, "subaccounts": SUBACCOUNTS}
    extra_subaccounts = kwargs.pop("extra_subaccounts", ())
    base.update(kwargs)
    base["subaccounts"] = tuple(base["subaccounts"]) + tuple(extra_subaccounts)
    return World(**base)


def row(subaccount, on, cost, credit="0", currency="RUB", **kwargs):
    return Row(subaccount, on, D(cost), D(credit), currency, **kwargs)


def extra_key(registration, month=OCT, subaccount=SUB):
    return (P, subaccount, month, "deal_extra", f"registration:{registration}", "RUB")


def of(result, program):
    return {key: amount for key, amount in result.items() if key[3] == program}


def test_base_bonus_with_negative_credit():
    rows = (
        row(SUB, day(2026, 10, 3), "1000.00", "-200.00"),  # paid 800.00
        row(SUB, day(2026, 10, 4), "500.50"),  # paid 500.50
        row(SUB, day(2026, 10, 5), "100.00", "-150.00"),  # a grant over the day's cost: paid -50.00
    )
    w = world(rows=rows)
    # basis 800.00 + 500.50 - 50.00 = 1,250.50; x 10% = 125.05
    assert accruals(w, OCT) == {(P, SUB, OCT, "partner_bonus", "", "RUB"): D("125.05")}
    assert balances(w, OCT, OCT) == {(P, "bonus", "RUB"): D("125.05")}
    assert row_reward(w, rows[0]) == D("80")  # 800 x 10%
    assert row_reward(w, rows[2]) == D("-5")  # -50 x 10%


def test_credits_wiping_out_the_month_accrue_nothing():
    # paid 100 - 100 = 0: basis <= 0
    w = world(rows=(row(SUB, day(2026, 10, 3), "100", "-100"),))
    assert accruals(w, OCT) == {}


def test_excluded_marketplace_service_and_single_sku():
    rows = (
        row(SUB, day(2026, 10, 7), "1000"),  # compute/vcpu: counts
        row(SUB, day(2026, 10, 7), "5000", service_id="marketplace", sku_id="app-1"),  # every SKU excluded
        row(SUB, day(2026, 10, 7), "700", service_id="marketplace", sku_id="app-2"),
        row(SUB, day(2026, 10, 7), "3000", service_id="compute", sku_id="gpu-a100"),  # this SKU excluded
        row(SUB, day(2026, 10, 7), "200", service_id="compute", sku_id="ram"),  # counts
    )
    w = world(rows=rows, exclusions=(Exclusion("marketplace"), Exclusion("compute", "gpu-a100")))
    # basis 1,000 + 200 = 1,200; x 10% = 120.00
    assert accruals(w, OCT) == {(P, SUB, OCT, "partner_bonus", "", "RUB"): D("120.00")}
    assert [row_reward(w, r) for r in rows] == [D("100"), D("0"), D("0"), D("0"), D("20")]


def test_own_subaccount_earns_nothing():
    rows = (
        row(OWN, day(2026, 10, 1), "10000"),
        row(OWN, day(2026, 10, 2), "40000", cloud_id="own-project"),
    )
    project = Registration(
        90, P, OWN_ACC, "project", "approved", day(2026, 10, 1), project_scope="own-project"
    )
    deal = Registration(91, P, OWN_ACC, "deal", "approved", day(2026, 9, 1))
    w = world(rows=rows, registrations=(project, deal))
    # own consumption counts for no consumption program: no bonus, no deal extra, no project rebate
    assert accruals(w, OCT) == {}
    assert row_reward(w, rows[0]) == 0


def test_referred_account_earns_referral_not_bonus():
    no_consent = ReferredCustomer(8, 21, P, signed_up_on=day(2026, 9, 1), consent=False)
    rows = (
        row(REF_SUB, day(2026, 10, 2), "2000"),
        row(REF_SUB, day(2026, 10, 3), "40000", cloud_id="proj"),
        row(210, day(2026, 10, 2), "3000"),
    )
    w = world(
        accounts=(*ACCOUNTS, Account(21, P)),
        extra_subaccounts=(Subaccount(210, 21, P, day(2026, 9, 1)),),
        referred=(REFERRED, no_consent),
        rows=rows,
        registrations=(
            Registration(80, P, REF_ACC, "deal", "approved", day(2026, 9, 1)),  # fulfilled, but referred
            Registration(81, P, REF_ACC, "project", "approved", day(2026, 10, 1), project_scope="proj"),
        ),
        invoices=(
            Invoice(REF_SUB, OCT, "RUB", D("2400"), D("2400")),  # 2,000 + VAT, paid in full
            Invoice(210, OCT, "RUB", D("3600"), D("3600")),
        ),
    )
    assert accruals(w, OCT) == {
        # no partner bonus, no deal extra on a referred account; the project rebate still pays:
        # 40,000 >= 30,000; x 15% = 6,000.00
        (P, REF_SUB, OCT, "project_rebate", "registration:81", "RUB"): D("6000.00"),
        # referral: 2,400 x 10% = 240.00 (Oct is the 2nd month of the window from Sep)
        (P, REF_SUB, OCT, "referral", "referral:7", "RUB"): D("240.00"),
        # customer 8 (account 21, no consent): no bonus, no referral
    }
    assert row_reward(w, rows[0]) == 0
    assert row_reward(w, rows[2]) == 0
    assert balances(w, OCT, OCT) == {(P, "rebates", "RUB"): D("6000.00"), (P, "referral", "RUB"): D("240.00")}


def test_each_currency_keeps_its_own_key():
    rows = (row(SUB, day(2026, 10, 1), "1000"), row(SUB, day(2026, 10, 1), "5000", currency="KZT"))
    w = world(rows=rows)
    # the plain 10% rate applies to any currency: 100.00 RUB and 500.00 KZT
    assert accruals(w, OCT) == {
        (P, SUB, OCT, "partner_bonus", "", "RUB"): D("100.00"),
        (P, SUB, OCT, "partner_bonus", "", "KZT"): D("500.00"),
    }


def test_term_prefers_condition_then_currency_then_latest():
    rub = Term("partner_bonus", D("0.10"), "RUB", valid_from=day(2026, 6, 1))
    kzt = Term("partner_bonus", D("0.08"), "KZT", valid_from=day(2026, 1, 1))
    w = world(terms=(rub, kzt))
    assert term_for(w, "partner_bonus", day(2026, 10, 1), "KZT") == kzt  # same currency before later start
    assert term_for(w, "partner_bonus", day(2026, 10, 1), "USD") == rub  # neither: latest valid_from
    assert term_for(w, "partner_bonus", day(2025, 12, 31), "RUB") is None
    ml_rub = Term("specialization_rebate", D("0.15"), "RUB", condition="mlai", valid_from=START)
    any_kzt = Term("specialization_rebate", D("0.10"), "KZT", valid_from=day(2026, 6, 1))
    w = world(terms=(any_kzt, ml_rub))
    # the asked condition before the same currency (the plain "mlai" rate applies to KZT)
    assert term_for(w, "specialization_rebate", day(2026, 10, 1), "KZT", "mlai") == ml_rub
    assert term_for(w, "specialization_rebate", day(2026, 10, 1), "KZT") == any_kzt  # condition "" asked
    capped = Term("referral", D("0.10"), "RUB", cap=D("100000"), valid_from=START)
    assert term_for(world(terms=(capped,)), "referral", day(2026, 10, 1), "KZT") is None  # not a plain rate


def test_specialization_keeps_rub_and_kzt():
    rows = (
        row(SUB, day(2026, 5, 10), "100000"),  # Q2 RUB
        row(SUB, day(2026, 5, 10), "500000", currency="KZT"),  # Q2 KZT
        row(SUB, day(2026, 8, 10), "160000"),  # Q3 RUB
        row(REF_SUB, day(2026, 9, 20), "10000"),  # Q3 RUB, a referred subaccount: counts here
        row(OWN, day(2026, 8, 10), "150000"),  # own: does not count
        row(OTHER_SUB, day(2026, 8, 10), "50000"),  # another partner's: does not count
        row(SUB, day(2026, 8, 10), "800000", currency="KZT"),  # Q3 KZT
    )
    infra = PartnerSpecialization(P, "infra", active_since=day(2026, 1, 15))
    w = world(rows=rows, referred=(REFERRED,), specializations=(infra,))
    sep = accruals(w, SEP)
    # RUB: Q3 160,000 + 10,000 = 170,000 - Q2 100,000 = 70,000; x 10% = 7,000.00
    # KZT: Q3 800,000 - Q2 500,000 = 300,000; x 10% = 30,000.00
    assert of(sep, "specialization_rebate") == {
        (P, None, SEP, "specialization_rebate", "specialization:infra:2026Q3", "RUB"): D("7000.00"),
        (P, None, SEP, "specialization_rebate", "specialization:infra:2026Q3", "KZT"): D("30000.00"),
    }
    assert of(accruals(w, AUG), "specialization_rebate") == {}  # only with a quarter's last month
    assert balances(w, SEP, SEP)[(P, "rebates", "KZT")] == D("30000.00")
    assert balances(w, SEP, SEP)[(P, "rebates", "RUB")] == D("7000.00")


def test_specialization_quarter_increase_with_service_filter():
    ml_term = Term(
        "specialization_rebate", D("0.15"), "RUB", cap=D("5000"), condition="mlai", valid_from=START
    )
    ai = ("ai-studio",)
    specs = (
        PartnerSpecialization(P, "mlai", ai, active_since=day(2026, 4, 1)),
        PartnerSpecialization(P, "infra", active_since=day(2026, 1, 1)),  # every service
        PartnerSpecialization(P, "devops", ai, active_since=day(2026, 10, 1)),  # active only after Q3
        PartnerSpecialization(P, "data", ai, active_since=START, active_until=day(2026, 6, 30)),  # before Q3
        PartnerSpecialization(P, "sec", ai, active_since=None),  # never active
        PartnerSpecialization(P, "edge", ai, active_since=START, active_until=day(2026, 7, 1)),  # 1 day of Q3
    )

    def rows(q3_ai):
        return (
            row(SUB, day(2026, 6, 1), "10000", service_id="ai-studio"),
            row(SUB, day(2026, 6, 1), "50000"),
            row(SUB, day(2026, 9, 30), q3_ai, service_id="ai-studio"),
            row(SUB, day(2026, 9, 30), "10000"),
        )

    w = world(terms=(*TERMS, ml_term), rows=rows("30000"), specializations=specs)
    source = "specialization:{}:2026Q3"
    assert of(accruals(w, SEP), "specialization_rebate") == {
        # ai-studio: 30,000 - 10,000 = 20,000; the "mlai" term (15%) before the unconditional one: 3,000.00
        (P, None, SEP, "specialization_rebate", source.format("mlai"), "RUB"): D("3000.00"),
        # infra, every service: (30,000 + 10,000) - (10,000 + 50,000) = -20,000: nothing
        # edge: active on 1 Jul, ai-studio 20,000 x the unconditional 10% = 2,000.00
        (P, None, SEP, "specialization_rebate", source.format("edge"), "RUB"): D("2000.00"),
    }
    capped = world(terms=(*TERMS, ml_term), rows=rows("60000"), specializations=specs[:1])
    # 60,000 - 10,000 = 50,000; x 15% = 7,500.00 > cap 5,000.00
    assert of(accruals(capped, SEP), "specialization_rebate") == {
        (P, None, SEP, "specialization_rebate", source.format("mlai"), "RUB"): D("5000.00"),
    }


def test_procurement_deal_pays_only_days_in_the_contract():
    deal = Registration(
        50,
        P,
        ACC,
        "deal",
        "approved",
        day(2026, 9, 20),
        procurement=True,
        contract_start=day(2026, 10, 10),
        contract_end=day(2026, 10, 20),
    )
    rows = (
        *(row(SUB, day(2026, 10, d), "1000") for d in (9, 10, 20, 21)),
        row(SUB, day(2026, 11, 5), "1000"),
    )
    w = world(rows=rows, registrations=(deal,))
    assert accruals(w, OCT) == {
        (P, SUB, OCT, "partner_bonus", "", "RUB"): D("400.00"),  # 4 x 1,000 x 10%
        (P, SUB, OCT, "deal_extra", "registration:50", "RUB"): D("100.00"),  # 10 and 20 Oct: 2,000 x 5%
    }
    # the contract does not overlap November: bonus only, 1,000 x 10%
    assert accruals(w, NOV) == {(P, SUB, NOV, "partner_bonus", "", "RUB"): D("100.00")}
    assert [row_reward(w, r) for r in rows] == [D("100"), D("150"), D("150"), D("100"), D("100")]
    assert balances(w, OCT, NOV) == {(P, "bonus", "RUB"): D("600.00")}  # 400 + 100 + 100


@pytest.mark.parametrize(
    ("created_on", "status", "extra"),
    [
        (day(2026, 11, 19), "approved", D("50.00")),  # decided 20 Sep + 60 days = 19 Nov: in time
        (day(2026, 11, 19), "expired", D("50.00")),
        (day(2026, 11, 20), "approved", None),  # a day late: the deal was never fulfilled
        (day(2026, 11, 19), "submitted", None),
        (day(2026, 11, 19), "rejected", None),
        (day(2026, 11, 19), "withdrawn", None),
    ],
)
def test_deal_needs_a_timely_subaccount(created_on, status, extra):
    deal = Registration(51, P, 40, "deal", status, day(2026, 9, 20))
    rows = (row(400, day(2026, 12, 1), "1000"),)
    w = world(
        accounts=(*ACCOUNTS, Account(40, P)),
        extra_subaccounts=(Subaccount(400, 40, P, created_on),),
        rows=rows,
        registrations=(deal,),
    )
    expected = {(P, 400, DEC, "partner_bonus", "", "RUB"): D("100.00")}  # 1,000 x 10%
    if extra is not None:
        expected[(P, 400, DEC, "deal_extra", "registration:51", "RUB")] = extra  # 1,000 x 5%
    assert accruals(w, DEC) == expected


def test_two_deals_pay_one_extra():
    deals = (
        Registration(60, P, ACC, "deal", "approved", day(2026, 8, 1)),
        Registration(61, P, ACC, "deal", "expired", day(2026, 7, 15)),  # earliest qualifying
        Registration(62, P, ACC, "deal", "rejected", day(2026, 6, 1)),  # does not qualify
    )
    w = world(rows=(row(SUB, day(2026, 10, 2), "2000"),), registrations=deals)
    # 2,000 x 5% = 100.00, once, from deal 61
    assert of(accruals(w, OCT), "deal_extra") == {extra_key(61): D("100.00")}
    tie = (
        Registration(64, P, ACC, "deal", "approved", day(2026, 7, 15)),
        Registration(63, P, ACC, "deal", "approved", day(2026, 7, 15)),  # same day: the lower id
    )
    w = world(rows=(row(SUB, day(2026, 10, 2), "2000"),), registrations=tie)
    assert of(accruals(w, OCT), "deal_extra") == {extra_key(63): D("100.00")}


def test_deal_pays_from_its_decision_month():
    deal = Registration(65, P, ACC, "deal", "approved", day(2026, 10, 25))
    rows = (row(SUB, day(2026, 9, 30), "1000"), row(SUB, day(2026, 10, 1), "1000"))
    w = world(rows=rows, registrations=(deal,))
    assert of(accruals(w, SEP), "deal_extra") == {}  # decided after September's last day
    # October counts whole (the rules ask only decided_on <= the month's last day): 1,000 x 5% = 50.00
    assert of(accruals(w, OCT), "deal_extra") == {extra_key(65): D("50.00")}


def test_project_window_is_exactly_twelve_months():
    project = Registration(70, P, ACC, "project", "approved", day(2026, 9, 15), project_scope="proj-cloud")
    rows = (
        row(SUB, day(2026, 8, 31), "40000", cloud_id="proj-cloud"),  # before the window
        row(SUB, day(2026, 9, 1), "20000", cloud_id="proj-cloud"),  # month 1 (before the 15th: still in)
        row(SUB, day(2026, 9, 30), "20000", cloud_id="other", folder_id="proj-cloud"),  # the folder matches
        row(SUB, day(2026, 9, 30), "50000", cloud_id="other"),  # not the project
        row(SUB, day(2027, 8, 31), "40000", cloud_id="proj-cloud"),  # month 12
        row(SUB, day(2027, 9, 1), "40000", cloud_id="proj-cloud"),  # month 13
    )
    w = world(rows=rows, registrations=(project,))
    assert of(accruals_between(w, AUG, day(2027, 9, 1)), "project_rebate") == {
        # September 2026: 20,000 + 20,000 = 40,000 >= 30,000; x 15% = 6,000.00
        (P, SUB, SEP, "project_rebate", "registration:70", "RUB"): D("6000.00"),
        # August 2027, the 12th month: 40,000 x 15% = 6,000.00; September 2027 pays nothing
        (P, SUB, day(2027, 8, 1), "project_rebate", "registration:70", "RUB"): D("6000.00"),
    }


def test_project_threshold_boundary_rub_and_kzt():
    project = Registration(71, P, ACC, "project", "approved", day(2026, 10, 1), project_scope="p")
    rows = (
        row(SUB, day(2026, 10, 5), "30000.00", "-0.01", cloud_id="p"),  # 29,999.99: under
        row(SUB, day(2026, 11, 5), "30000.00", cloud_id="p"),  # 30,000.00: at
        row(SUB, day(2026, 12, 5), "150000.00", currency="KZT", cloud_id="p"),  # at 150,000 KZT
        row(SUB, day(2027, 1, 5), "149999.99", currency="KZT", cloud_id="p"),  # under
    )
    w = world(rows=rows, registrations=(project,))
    assert of(accruals_between(w, OCT, day(2027, 1, 1)), "project_rebate") == {
        (P, SUB, NOV, "project_rebate", "registration:71", "RUB"): D("4500.00"),  # 30,000 x 15%
        (P, SUB, DEC, "project_rebate", "registration:71", "KZT"): D("22500.00"),  # 150,000 x 15%
    }
    # without a KZT term the RUB one (it has a threshold) does not apply to KZT
    rub_only = world(terms=(BONUS, PROJECT_RUB), rows=rows, registrations=(project,))
    assert of(accruals(rub_only, DEC), "project_rebate") == {}


@pytest.mark.parametrize(
    "terms",
    [
        (
            Term("partner_bonus", D("0.10"), valid_from=START, valid_to=day(2026, 10, 15)),
            Term("partner_bonus", D("0.12"), valid_from=day(2026, 10, 16)),
        ),
        # overlapping: the latest valid_from wins from the 16th
        (
            Term("partner_bonus", D("0.10"), valid_from=START),
            Term("partner_bonus", D("0.12"), valid_from=day(2026, 10, 16)),
        ),
    ],
)
def test_rate_changing_on_the_16th_applies_per_day(terms):
    rows = (row(SUB, day(2026, 10, 15), "1000"), row(SUB, day(2026, 10, 16), "1000"))
    w = world(terms=terms, rows=rows)
    # 1,000 x 10% + 1,000 x 12% = 100 + 120 = 220.00
    assert accruals(w, OCT) == {(P, SUB, OCT, "partner_bonus", "", "RUB"): D("220.00")}
    assert [row_reward(w, r) for r in rows] == [D("100"), D("120")]


def test_month_term_decides_cap_and_threshold():
    rows = (row(SUB, day(2026, 10, 15), "1000"), row(SUB, day(2026, 10, 16), "1000"))
    until_15 = Term("partner_bonus", D("0.10"), valid_from=START, valid_to=day(2026, 10, 15))
    capped = Term("partner_bonus", D("0.12"), "RUB", cap=D("150"), valid_from=day(2026, 10, 16))
    # raw 100 + 120 = 220, capped by the last day's term at 150.00
    w = world(terms=(until_15, capped), rows=rows)
    assert accruals(w, OCT) == {(P, SUB, OCT, "partner_bonus", "", "RUB"): D("150.00")}
    # no term before the 16th: the 15th adds 0 to raw but 1,000 to the basis (2,000 >= 1,500): 120.00
    from_16 = Term("partner_bonus", D("0.12"), "RUB", threshold=D("1500"), valid_from=day(2026, 10, 16))
    assert accruals(world(terms=(from_16,), rows=rows), OCT) == {
        (P, SUB, OCT, "partner_bonus", "", "RUB"): D("120.00"),
    }
    high = Term("partner_bonus", D("0.12"), "RUB", threshold=D("2000.01"), valid_from=day(2026, 10, 16))
    assert accruals(world(terms=(high,), rows=rows), OCT) == {}  # basis 2,000 < 2,000.01
    # no term at all in November: nothing
    assert accruals(world(terms=(until_15,), rows=(row(SUB, day(2026, 11, 1), "1000"),)), NOV) == {}


@pytest.mark.parametrize(
    ("costs", "expected"),
    [
        (("0.333", "0.333", "0.333"), D("0.10")),  # 0.999 x 10% = 0.0999 -> 0.10 (per row: 3 x 0.03 = 0.09)
        (("0.05",), D("0.01")),  # 0.005 -> 0.01: half up, not to even
        (("0.04",), None),  # 0.004 -> 0.00: not accrued
        (("1234.5678901234",), D("123.46")),  # 123.45678901234 -> 123.46
        (("0.0000000001",) * 3, None),  # 3e-11 -> 0.00
    ],
)
def test_rounding_once(costs, expected):
    rows = tuple(row(SUB, day(2026, 10, i + 1), c) for i, c in enumerate(costs))
    w = world(rows=rows)
    want = {} if expected is None else {(P, SUB, OCT, "partner_bonus", "", "RUB"): expected}
    assert accruals(w, OCT) == want


def test_credit_with_ten_decimals():
    w = world(rows=(row(SUB, day(2026, 10, 1), "1234.5678901234", "-0.0000000234"),))
    # paid 1,234.5678901; x 10% = 123.45678901 -> 123.46
    assert accruals(w, OCT) == {(P, SUB, OCT, "partner_bonus", "", "RUB"): D("123.46")}


def test_bonus_and_deal_extra_are_rounded_once_together_as_the_rows_reward():
    deal = Registration(66, P, ACC, "deal", "approved", day(2026, 9, 1))
    r = row(SUB, day(2026, 10, 1), "0.034")
    w = world(rows=(r,), registrations=(deal,))
    # P1 0.034 x 10% = 0.0034 -> 0.00, not accrued; the reward 0.0034 + 0.0017 = 0.0051 -> 0.01, so the
    # extra is 0.01 - 0.00 = 0.01
    assert accruals(w, OCT) == {extra_key(66): D("0.01")}
    assert row_reward(w, r) == D("0.0051")
    assert money(row_reward(w, r)) == D("0.01")


def test_referral_cap_and_unpaid_or_part_paid_invoices():
    subs = (
        Subaccount(201, REF_ACC, P, day(2026, 9, 14)),
        Subaccount(209, REF_ACC, P, day(2026, 9, 14), is_partner_own=True),
    )
    inv = Invoice
    invoices = (
        inv(REF_SUB, AUG, "RUB", D("500"), D("500")),  # before the sign-up month
        inv(REF_SUB, SEP, "RUB", D("500"), D("500")),  # the sign-up month (signed on the 14th): month 1
        inv(201, OCT, "RUB", D("500000"), D("500000")),
        inv(REF_SUB, OCT, "RUB", D("600000"), D("600000")),
        inv(209, OCT, "RUB", D("1000"), D("0")),  # own subaccount: ignored, blocks nothing
        inv(REF_SUB, NOV, "RUB", D("1000"), D("1000")),
        inv(201, NOV, "RUB", D("1000"), D("999.99")),  # part paid: the month's RUB waits
        inv(REF_SUB, DEC, "RUB", D("1000"), D("0")),  # unpaid: no RUB in December
        inv(201, DEC, "KZT", D("10000"), D("10000")),  # KZT paid: its own currency
        inv(201, day(2027, 1, 1), "RUB", D("2000"), D("2500")),  # overpaid counts as paid
        inv(REF_SUB, day(2027, 8, 1), "RUB", D("1000"), D("1000")),  # month 12
        inv(REF_SUB, day(2027, 9, 1), "RUB", D("1000"), D("1000")),  # month 13
    )
    w = world(extra_subaccounts=subs, referred=(REFERRED,), invoices=invoices)
    src = "referral:7"
    assert accruals_between(w, AUG, day(2027, 9, 1)) == {
        (P, REF_SUB, SEP, "referral", src, "RUB"): D("50.00"),  # 500 x 10%
        # (500,000 + 600,000) x 10% = 110,000 > cap 100,000; the smallest subaccount, 200
        (P, REF_SUB, OCT, "referral", src, "RUB"): D("100000.00"),
        # kept on the customer's first subaccount, 200, whichever subaccount was invoiced
        (P, REF_SUB, DEC, "referral", src, "KZT"): D("1000.00"),  # 10,000 x 10%
        (P, REF_SUB, day(2027, 1, 1), "referral", src, "RUB"): D("200.00"),  # 2,000 x 10%
        (P, REF_SUB, day(2027, 8, 1), "referral", src, "RUB"): D("100.00"),  # 1,000 x 10%
    }
    # 50 + 100,000 + 200 + 100 = 100,350.00 RUB; 1,000.00 KZT
    assert balances(w, AUG, day(2027, 9, 1)) == {
        (P, "referral", "RUB"): D("100350.00"),
        (P, "referral", "KZT"): D("1000.00"),
    }
