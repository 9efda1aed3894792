"""Accrual of a closed month over 300,000 daily consumption rows: the portal's set-based engine (every
program, ledger entries in the same statements) against one hand-written ``INSERT … SELECT … GROUP BY`` of
the base bonus straight from the daily rows, measured in the same run, each repeated and rolled back.

The portal's engine reads the daily rows (the rate is the term in force on each day) and, for the quarterly
specialization rebate, the monthly aggregates; the line "aggregates + accrual" adds rebuilding those. The
last two lines time the correction pass: a second run with nothing changed, and one after a tenth of the
month's days were re-imported with other figures.

Run with `bench/run accrual`; ROWS=100000 bench/run accrual for a quicker look.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

from bench.list_pages import use_bench_database  # noqa: E402

ROWS = int(os.environ.get("ROWS", "300000"))
SUBACCOUNTS = 3000
REPEAT = 5
MONTH = datetime.date(2026, 10, 1)

BASELINE = """
INSERT INTO finance_accrual (partner_id, subaccount_id, period, program, source, basis, rate, amount,
                             currency, created_at)
SELECT c.partner_id, c.subaccount_id, %(month)s, 'partner_bonus', 'bench', sum(c.cost + c.credit), 0.1,
       round(sum(c.cost + c.credit) * 0.1, 2), c.currency, now()
FROM finance_consumption c
WHERE c.partner_id = %(partner)s AND c.date >= %(month)s AND c.date < %(end)s
GROUP BY c.partner_id, c.subaccount_id, c.currency
"""


def seed(partner, accounts, subs) -> None:
    from django.db import connection

    columns = (
        "partner_id, subaccount_id, date, cloud_id, cloud_name, folder_id, folder_name, service_id, "
        "service_name, sku_id, sku_name, quantity, unit, cost, credit, currency, is_marketplace"
    )
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY finance_consumption ({columns}) FROM STDIN") as copy,
    ):
        for n in range(ROWS):
            i = n % len(subs)
            copy.write_row(
                (
                    partner.pk,
                    subs[i].pk,
                    MONTH + datetime.timedelta(days=(n // len(subs)) % 31),
                    f"cloud-{i}",
                    "production",
                    f"folder-{n % 3}",
                    "default",
                    f"service-{n % 4}",
                    "Compute Cloud",
                    f"sku-{n // len(subs)}",
                    "vCPU",
                    "1",
                    "core*hour",
                    f"{(n % 9000) / 10 + 100:.2f}",
                    "-5.00" if n % 10 == 0 else "0.00",  # billing's credits are negative
                    "RUB",
                    n % 40 == 0,
                )
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(action) -> float:
    """Seconds for ``action`` inside a transaction that is then rolled back, so each run starts equal."""
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        action()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def main() -> None:
    use_bench_database()
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Account
    from finance.accruals import accrue_month
    from finance.models import Accrual, CustomerInvoice, Program, RebateTerm
    from finance.services import monthly_consumption_rebuild
    from profiles.models import Partner
    from referral.models import ReferralLink, ReferredCustomer
    from subaccounts.models import Subaccount
    from tools.models import Registration

    call_command("migrate", verbosity=0)
    partner = Partner.objects.create(name="Bench partner", legal_name="Bench", tax_id="7700000002")
    for program, rate, cap, threshold in [
        (Program.PARTNER_BONUS, "0.1000", None, None),
        (Program.DEAL_EXTRA, "0.1500", None, None),
        (Program.PROJECT_REBATE, "0.1500", None, "30000.00"),
        (Program.REFERRAL, "0.1000", "100000.00", None),
    ]:
        RebateTerm.objects.create(
            program=program, rate=rate, cap=cap, threshold=threshold, valid_from=datetime.date(2024, 1, 1)
        )
    accounts = Account.objects.bulk_create(
        Account(partner=partner, name=f"Customer {i}", tax_id=f"{i:010d}") for i in range(SUBACCOUNTS)
    )
    subs = Subaccount.objects.bulk_create(
        Subaccount(
            partner=partner,
            account=a,
            billing_account_id=f"ba-{i}",
            name=f"Sub {i}",
            customer_email="x@example.com",
            is_partner_own=i % 100 == 0,
        )
        for i, a in enumerate(accounts)
    )
    approved = timezone.make_aware(datetime.datetime(2026, 6, 1))
    # the customers' subaccounts were created within the deals' 60 days, so the deals pay their extra
    Subaccount.objects.filter(partner=partner).update(created_at=approved + datetime.timedelta(days=9))
    Registration.objects.bulk_create(
        Registration(
            partner=partner,
            account=a,
            kind=Registration.Kind.PROJECT if i % 20 == 0 else Registration.Kind.DEAL,
            project_scope=f"cloud-{i}" if i % 20 == 0 else "",
            expected_monthly="45000.00",
            status="approved",
            decided_at=approved,
        )
        for i, a in enumerate(accounts)
        if i % 10 == 0
    )
    link = ReferralLink.objects.create(partner=partner, code="bench")
    ReferredCustomer.objects.bulk_create(
        ReferredCustomer(
            link=link, account=a, signed_up_at=datetime.date(2026, 3, 1), consent_at=timezone.now()
        )
        for i, a in enumerate(accounts)
        if i % 10 == 5
    )
    # the referred customers' invoices of the month, paid (the commission waits for payment); every
    # fourth one not yet in full
    CustomerInvoice.objects.bulk_create(
        CustomerInvoice(
            partner=partner,
            subaccount=s,
            number=f"inv-{i}",
            month=MONTH,
            currency="RUB",
            amount="12000.00",
            paid_amount="12000.00" if (i // 10) % 4 else "100.00",
        )
        for i, s in enumerate(subs)
        if i % 10 == 5
    )
    seed(partner, accounts, subs)
    end = datetime.date(2026, 11, 1)
    monthly_consumption_rebuild(partner_id=partner.pk, start=MONTH, end=end - datetime.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(BASELINE, {"partner": partner.pk, "month": MONTH, "end": end})

    def accrual():
        accrue_month(partner_id=partner.pk, month=MONTH)

    def whole_path():
        monthly_consumption_rebuild(partner_id=partner.pk, start=MONTH, end=end - datetime.timedelta(days=1))
        accrue_month(partner_id=partner.pk, month=MONTH)

    accrued = {}
    with transaction.atomic():
        accrue_month(partner_id=partner.pk, month=MONTH)
        for program in Program.values:
            accrued[program] = Accrual.objects.filter(program=program).count()
        transaction.set_rollback(True)

    def rerun(change) -> float:
        """Seconds of a second run, after a first one and ``change`` (the correction pass)."""
        with transaction.atomic():
            accrue_month(partner_id=partner.pk, month=MONTH)
            change()
            started = time.perf_counter()
            accrue_month(partner_id=partner.pk, month=MONTH)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        return elapsed

    def nothing():
        pass

    def reimported():
        """Billing re-sends the month with a tenth of the days changed, and the aggregates follow."""
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE finance_consumption SET cost = cost * 1.1 WHERE partner_id = %s AND date >= %s"
                " AND date < %s AND extract(day from date) %% 10 = 3",
                [partner.pk, MONTH, end],
            )
        monthly_consumption_rebuild(partner_id=partner.pk, start=MONTH, end=end - datetime.timedelta(days=1))

    corrections = {}
    with transaction.atomic():
        accrue_month(partner_id=partner.pk, month=MONTH)
        reimported()
        corrections = accrue_month(partner_id=partner.pk, month=MONTH)
        transaction.set_rollback(True)

    def mid_month():
        """The partner bonus rate changes on the 16th: the daily rows at each day's rate."""
        RebateTerm.objects.filter(program=Program.PARTNER_BONUS).update(valid_to=MONTH.replace(day=15))
        RebateTerm.objects.create(
            program=Program.PARTNER_BONUS, rate="0.1200", valid_from=MONTH.replace(day=16)
        )
        accrue_month(partner_id=partner.pk, month=MONTH)

    names = ("baseline", "accrual", "whole", "unchanged", "corrected", "mid_month")
    runs = {name: [] for name in names}
    for _ in range(REPEAT):  # interleaved, so drift on the machine hits all of them alike
        runs["baseline"].append(timed(baseline))
        runs["accrual"].append(timed(accrual))
        runs["whole"].append(timed(whole_path))
        runs["unchanged"].append(rerun(nothing))
        runs["corrected"].append(rerun(reimported))
        runs["mid_month"].append(timed(mid_month))
    base, acc, whole, unchanged, corrected, mid = (statistics.median(runs[k]) for k in names)

    print(f"Accrual of one month over {ROWS:,} daily consumption rows, {SUBACCOUNTS:,} subaccounts")
    print("  accruals written: " + ", ".join(f"{k} {v:,}" for k, v in accrued.items() if v))
    print(f"  median of {REPEAT}, measured in this run:")
    print(f"  hand-written INSERT … SELECT … GROUP BY (base bonus) : {base * 1000:8.1f} ms   (baseline)")
    print(f"  portal accrual, every program + ledger             : {acc * 1000:8.1f} ms   {acc / base:5.2f}x")
    print(
        f"  aggregates rebuilt + accrual                       : {whole * 1000:8.1f} ms"
        f"   {whole / base:5.2f}x"
    )
    print(
        f"  re-run, nothing changed (writes nothing)           : {unchanged * 1000:8.1f} ms"
        f"   {unchanged / base:5.2f}x"
    )
    print(
        f"  re-run after a re-imported month (corrections)     : {corrected * 1000:8.1f} ms"
        f"   {corrected / base:5.2f}x"
    )
    print(f"  a month whose bonus rate changes on the 16th       : {mid * 1000:8.1f} ms   {mid / base:5.2f}x")
    print("  corrections written: " + ", ".join(f"{k} {v:,}" for k, v in corrections.items() if v))


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # the benchmark seeds and checks as the provider; its requests run scoped
        main()
