"""Every program against the oracle (tests/finance/oracle.py, a plain-Python model written from DESIGN.md's
rules, not from the SQL): random multi-partner, multi-currency quarters — grants, excluded services, the
partners' own use, referred customers with unpaid and part-paid invoices, deals including procurement,
projects on both sides of the threshold, a specialization across a quarter, terms that change mid-month —
accrued month by month, then a period re-imported with other figures and a changed exclusion list, and
accrued again. Each time every accrual (original plus corrections), every ledger balance, the commission
report's rows and Subaccount details' totals must be what the model says, to the kopeck.

CI runs twenty worlds (each accrued twice, four months of one to two partners);
``MONEY_EXAMPLES=400 scripts/test tests/finance/test_money_oracle.py`` is the long run.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.accruals import accrue_month
from finance.models import POOL_OF_PROGRAM, Accrual, Consumption, Exclusion, LedgerEntry
from finance.services import exclusions_apply, monthly_consumption_rebuild
from portal.permissions import Role
from subaccounts.models import Subaccount
from tests.factories import (
    AccountFactory,
    ConsumptionFactory,
    CustomerInvoiceFactory,
    MembershipFactory,
    PartnerFactory,
    PartnerSpecializationFactory,
    RebateTermFactory,
    ReferredCustomerFactory,
    RegistrationFactory,
    SpecializationFactory,
    SubaccountFactory,
    created_on,
)
from tests.finance import oracle

EXAMPLES = int(os.environ.get("MONEY_EXAMPLES", "20"))

MONTHS = [datetime.date(2026, m, 1) for m in (7, 8, 9, 10)]  # a whole quarter and the month after
FIRST, LAST = datetime.date(2026, 6, 1), datetime.date(2026, 10, 31)
SERVICES = ("compute", "storage", "market")
D = Decimal


def money_st(low: str, high: str, places: int = 4):
    return st.decimals(D(low), D(high), places=places, allow_nan=False, allow_infinity=False)


def days(first: datetime.date, last: datetime.date):
    return st.dates(min_value=first, max_value=last)


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


@st.composite
def terms(draw):
    """The programs' terms; the partner bonus and deal extra rates may change on a day inside the period."""
    out = []
    for program, rate in (("partner_bonus", "0.10"), ("deal_extra", "0.15")):
        change = draw(st.none() | days(datetime.date(2026, 7, 2), datetime.date(2026, 10, 30)))
        if change is None:
            out.append(oracle.Term(program, D(rate), valid_from=datetime.date(2024, 1, 1)))
        else:
            overlap = draw(st.booleans())
            before = oracle.Term(
                program,
                D(rate),
                valid_from=datetime.date(2024, 1, 1),
                valid_to=None if overlap else change - datetime.timedelta(days=1),
            )
            after = draw(st.sampled_from([D("0.08"), D("0.12"), D("0.0725")]))
            out += [before, oracle.Term(program, after, valid_from=change)]
    out += [
        oracle.Term("project_rebate", D("0.15"), "RUB", threshold=D("30000"), valid_from=FIRST),
        oracle.Term("project_rebate", D("0.15"), "KZT", threshold=D("150000"), valid_from=FIRST),
        oracle.Term("specialization_rebate", D("0.10"), valid_from=FIRST),
        oracle.Term("referral", D("0.10"), "RUB", cap=D("100000"), valid_from=FIRST),
        oracle.Term("referral", D("0.10"), "KZT", cap=D("500000"), valid_from=FIRST),
    ]
    return out


@st.composite
def customer(draw):
    """One customer of a partner: its subaccounts' days, and what it registered or was referred by."""
    subaccounts = []
    for _ in range(draw(st.integers(1, 2))):
        cost = money_st("0", "25000")
        rows = draw(
            st.lists(
                st.tuples(
                    days(MONTHS[0], LAST),
                    st.sampled_from(SERVICES),
                    st.sampled_from(("a", "b")),
                    st.sampled_from(("f1", "f2")),
                    cost,
                    st.sampled_from((D(0), D("0.3"), D(1))),  # the share of the cost a grant pays
                ),
                max_size=8,
                unique_by=lambda r: (r[0], r[2], r[3]),
            )
        )
        subaccounts.append(
            {"created": draw(days(datetime.date(2026, 4, 1), LAST)), "rows": rows, "own": draw(st.booleans())}
        )
    kind = draw(st.sampled_from(("plain", "deal", "procurement", "project", "referred")))
    currency = draw(st.sampled_from(("RUB", "RUB", "KZT")))
    decided = draw(
        days(datetime.date(2026, 5, 1), datetime.date(2026, 10, 20))
        | days(datetime.date(2025, 8, 1), datetime.date(2025, 10, 31))
        if kind in ("project", "referred")  # windows: the 12th month and the one after it
        else days(datetime.date(2026, 5, 1), datetime.date(2026, 10, 20))
    )
    if kind == "project":
        # a month of the project's scope just under, at or over the threshold; for a project decided a year
        # before, the window's last month or the first month after it
        threshold = D("30000") if currency == "RUB" else D("150000")
        first = decided.replace(day=1)
        month = draw(
            st.sampled_from(
                [oracle.add_months(first, 11), oracle.add_months(first, 12)]
                if decided.year == 2025
                else MONTHS
            )
        )
        amount = threshold + draw(st.sampled_from((D("-0.01"), D(0), D("1234.5678"))))
        subaccounts[0]["own"] = False
        subaccounts[0]["rows"].append(
            (month + datetime.timedelta(days=14), "compute", "p", "f1", amount, D(0))
        )
    return {
        "currency": currency,
        "subaccounts": subaccounts,
        "kind": kind,
        "decided": decided,
        "second_deal": draw(
            st.none()
            | st.tuples(
                days(datetime.date(2026, 5, 1), datetime.date(2026, 8, 31)),
                st.booleans(),
                st.lists(days(FIRST, LAST), min_size=2, max_size=2).map(sorted),
            )
        ),
        "contract": sorted(draw(st.lists(days(FIRST, LAST), min_size=2, max_size=2))),
        "scope": draw(st.sampled_from(("f1", "cloud"))),
        "consent": draw(st.sampled_from((True, True, True, False))),
        "invoices": draw(
            st.lists(
                st.tuples(
                    money_st("1", "1500000", 2),
                    st.sampled_from(("paid", "part", "none")),
                    st.sampled_from(MONTHS),
                ),
                min_size=1,
                max_size=4,
            )
        ),
    }


@st.composite
def worlds(draw):
    return {
        "terms": draw(terms()),
        "partners": draw(st.lists(st.lists(customer(), min_size=1, max_size=3), min_size=1, max_size=2)),
        "specialization": draw(st.sampled_from(((), ("compute",)))),
        "exclusion": draw(st.sampled_from((("market", ""), ("storage", "b")))),
    }


class Built:
    """The generated world in the database, and the same world as the oracle's plain data."""

    def __init__(self, spec):
        self.partners = []
        for term in spec["terms"]:
            RebateTermFactory(
                program=term.program,
                rate=term.rate,
                currency=term.currency,
                cap=term.cap,
                threshold=term.threshold,
                valid_from=term.valid_from,
                valid_to=term.valid_to,
            )
        Exclusion.objects.create(
            kind="marketplace", service_id=spec["exclusion"][0], sku_id=spec["exclusion"][1]
        )
        world = defaultdict(list)
        world["terms"] = spec["terms"]  # (consumption and exclusions are read back by world())
        for customers in spec["partners"]:
            partner = PartnerFactory()
            self.partners.append(partner)
            specialization = SpecializationFactory(
                code=f"devops-{partner.pk}", service_ids=",".join(spec["specialization"])
            )
            PartnerSpecializationFactory(
                partner=partner, specialization=specialization, active_since=datetime.date(2026, 7, 1)
            )
            world["specializations"].append(
                oracle.PartnerSpecialization(
                    partner.pk, specialization.code, spec["specialization"], datetime.date(2026, 7, 1)
                )
            )
            for c in customers:
                self.add_customer(partner, c, world)
        self.world_parts = world
        exclusions_apply(service_ids=[*SERVICES])  # the import's rule, applied to the rows made here
        monthly_consumption_rebuild(start=MONTHS[0], end=LAST)

    def add_customer(self, partner, c, world):
        account = AccountFactory(partner=partner)
        world["accounts"].append(oracle.Account(account.pk, partner.pk))
        subs = []
        for s in c["subaccounts"]:
            sub = created_on(
                SubaccountFactory(account=account, partner=partner, is_partner_own=s["own"]), s["created"]
            )
            subs.append(sub)
            world["subaccounts"].append(
                oracle.Subaccount(sub.pk, account.pk, partner.pk, s["created"], s["own"])
            )
            for day, service, sku, folder, cost, share in s["rows"]:
                credit = -(cost * share).quantize(D("0.0001"))
                ConsumptionFactory(
                    subaccount=sub,
                    date=day,
                    service_id=service,
                    sku_id=sku,
                    folder_id=folder,
                    cloud_id=f"cloud-{sub.pk}",
                    cost=cost,
                    credit=credit,
                    currency=c["currency"],
                )
        decided = c["decided"]
        deals = []
        if c["kind"] in ("deal", "procurement"):
            deals.append((decided, c["kind"] == "procurement", c["contract"]))
            if c["second_deal"] is not None:
                deals.append(c["second_deal"])
        for decided, procurement, contract in deals:
            start, end = contract if procurement else (None, None)
            deal = RegistrationFactory(
                account=account,
                kind="deal",
                status="approved",
                decided_at=noon(decided),
                procurement=procurement,
                contract_start=start,
                contract_end=end,
            )
            world["registrations"].append(
                oracle.Registration(
                    deal.pk,
                    partner.pk,
                    account.pk,
                    "deal",
                    "approved",
                    decided,
                    procurement,
                    start,
                    end,
                )
            )
        decided = c["decided"]
        if c["kind"] == "project" and subs:
            scope = "f1" if c["scope"] == "f1" else f"cloud-{subs[0].pk}"
            project = RegistrationFactory(
                account=account,
                kind="project",
                status="approved",
                decided_at=noon(decided),
                project_scope=scope,
            )
            world["registrations"].append(
                oracle.Registration(
                    project.pk, partner.pk, account.pk, "project", "approved", decided, project_scope=scope
                )
            )
        if c["kind"] == "referred":
            referred = ReferredCustomerFactory(
                link__partner=partner,
                account=account,
                signed_up_at=decided,
                consent_at=noon(decided) if c["consent"] else None,
            )
            world["referred"].append(
                oracle.ReferredCustomer(referred.pk, account.pk, partner.pk, decided, c["consent"])
            )
            for n, (amount, state, month) in enumerate(c["invoices"]):
                sub = subs[n % len(subs)]
                paid = {"paid": amount, "part": (amount / 2).quantize(D("0.01")), "none": D(0)}[state]
                CustomerInvoiceFactory(
                    subaccount=sub, month=month, currency=c["currency"], amount=amount, paid_amount=paid
                )
                world["invoices"].append(oracle.Invoice(sub.pk, month, c["currency"], amount, paid))

    def world(self) -> oracle.World:
        """The oracle's world as the database holds it now (consumption and exclusions re-read)."""
        parts = dict(self.world_parts)
        parts["exclusions"] = [oracle.Exclusion(e.service_id, e.sku_id) for e in Exclusion.objects.all()]
        parts["rows"] = [
            oracle.Row(
                c.subaccount_id,
                c.date,
                c.cost,
                c.credit,
                c.currency,
                c.service_id,
                c.sku_id,
                c.cloud_id,
                c.folder_id,
            )
            for c in Consumption.objects.all()
        ]
        return oracle.World(**parts)

    def accrue(self):
        for partner in self.partners:
            for month in MONTHS:
                accrue_month(partner_id=partner.pk, month=month)


def accrued() -> dict:
    """Each natural key's amount as it stands: the original and its corrections summed."""
    rows = (
        Accrual.objects.values_list("partner_id", "subaccount_id", "period", "program", "source", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {tuple(key): total for *key, total in rows if total}


def ledger() -> dict:
    rows = (
        LedgerEntry.objects.values_list("partner_id", "pool", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {tuple(key): total for *key, total in rows if total}


def check_against(world: oracle.World, partners):
    expected = oracle.accruals_between(world, MONTHS[0], MONTHS[-1])
    assert accrued() == expected
    assert set(oracle.POOLS.items()) == {(p, str(pool)) for p, pool in POOL_OF_PROGRAM.items()}
    assert ledger() == {key: a for key, a in oracle.balances(world, MONTHS[0], MONTHS[-1]).items() if a}
    billing = dict(Subaccount.objects.values_list("pk", "billing_account_id"))
    for partner in partners:
        membership = MembershipFactory(partner=partner, role=Role.ADMINISTRATOR)
        client = Client()
        client.force_login(membership.user)
        for month in MONTHS:
            finish = oracle.month_end(month)
            period = {"start": month.isoformat(), "finish": finish.isoformat()}
            # the commission report: every row's unrounded reward is the model's
            report = client.get(reverse("finance:commission"), {**period, "export": "csv"})
            got = defaultdict(Decimal)
            for line in csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode())):
                got[line["billing_account_id"], line["date"], line["sku_id"], line["folder_id"]] = D(
                    line["reward"]
                )
            want = defaultdict(Decimal)
            for row in world.rows:
                if (
                    world.subaccount(row.subaccount).partner == partner.pk
                    and oracle.month_of(row.date) == month
                ):
                    key = (billing[row.subaccount], row.date.isoformat(), row.sku_id, row.folder_id)
                    want[key] = oracle.row_reward(world, row)
            assert got == want
            # Subaccount details: the month's reward is what was accrued as partner bonus and deal extra
            usage = client.get(reverse("finance:usage"), {"period": "custom", **period})
            totals = {t["currency"]: t["reward"] for t in usage.context["details"].totals}
            bonus = defaultdict(Decimal)
            for key, amount in expected.items():
                if key[0] == partner.pk and key[2] == month and key[3] in ("partner_bonus", "deal_extra"):
                    bonus[key[5]] += amount
            assert {c: t for c, t in totals.items() if t} == {c: a for c, a in bonus.items() if a}


@pytest.mark.django_db
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=worlds(), data=st.data())
def test_every_figure_agrees_with_the_model_of_the_rules(spec, data):
    with transaction.atomic():
        built = Built(spec)
        built.accrue()
        check_against(built.world(), built.partners)

        # billing re-sends a month with other figures, and the exclusion list changes: a re-run corrects
        month = data.draw(st.sampled_from(MONTHS), label="re-imported month")
        factor = data.draw(st.sampled_from((D(0), D("0.5"), D("1.7"))), label="factor")
        for row in Consumption.objects.filter(date__gte=month, date__lte=oracle.month_end(month)):
            Consumption.objects.filter(pk=row.pk).update(cost=row.cost * factor, credit=row.credit * factor)
        monthly_consumption_rebuild(start=month, end=month)
        Exclusion.objects.all().delete()
        Exclusion.objects.create(kind="storedoc", service_id="compute", sku_id="b")
        exclusions_apply(service_ids=[*SERVICES])
        built.accrue()
        check_against(built.world(), built.partners)
        transaction.set_rollback(True)
