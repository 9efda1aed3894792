"""The size DESIGN.md plans for: one partner with 10,000 subaccounts under 2,000 customer accounts, 365 days ×
3 SKUs of daily consumption (about 11 M rows), and 200 small partners beside it (about 1.3 M rows) — built
through the portal's real paths: billing files imported month by month with the importer (whole-file check,
COPY, monthly aggregates) and every closed month accrued by the accrual (run inline, as the worker would).

    bench/seed_scale                         # the full size, into the database DATABASE_URL names
    bench/seed_scale --subaccounts 500 --days 92 --small-partners 10

Used by `bench/run pages` (the pages benchmark seeds its own database at the size asked for).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

LARGEST = "Largest partner"
ADMIN_EMAIL = "administrator@largest.example"
# three SKUs a subaccount uses every day (service id, service name, sku id, sku name, unit, price per unit)
SKUS = [
    ("compute", "Compute Cloud", "vcpu", "Intel Ice Lake, 100% vCPU", "core*hour", Decimal("1.20")),
    ("storage", "Object Storage", "std", "Standard storage", "GB*month", Decimal("0.08")),
    ("mdb", "Managed PostgreSQL", "pg-host", "PostgreSQL host, s3-c2-m8", "hour", Decimal("4.10")),
]


@dataclass(frozen=True)
class Size:
    subaccounts: int = 10_000
    accounts: int = 2_000
    days: int = 365
    small_partners: int = 200
    small_subaccounts: int = 6
    deals: int = 200  # approved deal registrations of the largest partner (customers earning the extra)

    @property
    def rows(self) -> int:
        return (self.subaccounts + self.small_partners * self.small_subaccounts) * self.days * len(SKUS)

    def label(self) -> str:
        return (
            f"{self.subaccounts:,} subaccounts / {self.accounts:,} accounts, {self.days} days × {len(SKUS)} "
            f"SKUs, {self.small_partners} small partners: {self.rows:,} daily rows"
        )


def seed(size: Size, *, log=print) -> dict:
    """Build the data; returns what the pages benchmark needs (the largest partner, its administrator, a
    subaccount and an accrual of it)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from access.models import Membership
    from accounts.models import Account, AccountContact
    from config.celery import app
    from demo.management.commands.seed_demo import Command as Demo
    from finance.models import Accrual
    from portal.periods import month_after
    from portal.permissions import Role
    from profiles.models import Partner
    from subaccounts.models import Subaccount
    from tools.models import Registration

    app.conf.task_always_eager = True  # the accrual each import queues runs here, inline
    logging.getLogger("celery").setLevel(logging.WARNING)
    Demo().seed_catalogue()  # the programs' terms, as the demo has them
    today = timezone.localdate()
    first_day = today - datetime.timedelta(days=size.days)
    created = timezone.now() - datetime.timedelta(days=size.days + 30)

    def partner(name: str, tax_id: str, accounts: int, subaccounts: int) -> tuple[Partner, list[Subaccount]]:
        p = Partner.objects.create(
            name=name, legal_name=f"{name} LLC", tax_id=tax_id, partner_since=datetime.date(2023, 1, 1)
        )
        accs = Account.objects.bulk_create(
            Account(partner=p, name=f"{name} customer {i:05d}", tax_id=f"77{p.pk:04d}{i:05d}"[:12])
            for i in range(accounts)
        )
        AccountContact.objects.bulk_create(
            AccountContact(account=a, name="Contact", email=f"billing{a.pk}@customer.example") for a in accs
        )
        subs = Subaccount.objects.bulk_create(
            Subaccount(
                partner=p,
                account=accs[i % accounts],
                name=f"{accs[i % accounts].name} / {i:05d}",
                customer_email="billing@customer.example",
                billing_account_id=f"ba-{p.pk:04d}-{i:05d}",
                status=Subaccount.Status.ACTIVE,
                status_changed_at=created,
            )
            for i in range(subaccounts)
        )
        Subaccount.objects.filter(partner=p).update(created_at=created)
        return p, subs

    started = time.perf_counter()
    largest, subaccounts = partner(LARGEST, "7700000001", size.accounts, size.subaccounts)
    small = [
        partner(f"Small partner {n:03d}", f"78{n:08d}", 2, size.small_subaccounts)[1]
        for n in range(size.small_partners)
    ]
    user = get_user_model().objects.create(username=ADMIN_EMAIL, email=ADMIN_EMAIL)
    user.set_password("bench")
    user.save()
    EmailAddress.objects.create(user=user, email=ADMIN_EMAIL, verified=True, primary=True)
    Membership.objects.create(user=user, partner=largest, role=Role.ADMINISTRATOR)
    deal_accounts = Account.objects.filter(partner=largest).order_by("pk")[: size.deals]
    Registration.objects.bulk_create(
        Registration(
            partner=largest,
            account=account,
            kind=Registration.Kind.DEAL,
            status=Registration.Status.APPROVED,
            expected_monthly=Decimal("45000.00"),
            submitted_at=created,
            decided_at=created,
            expires_at=timezone.now() + datetime.timedelta(days=365),
        )
        for account in deal_accounts
    )
    log(f"  partners, accounts, subaccounts: {time.perf_counter() - started:.0f} s")

    everyone = [s.billing_account_id for s in subaccounts] + [
        s.billing_account_id for ss in small for s in ss
    ]
    month = first_day.replace(day=1)
    while month <= today:
        following = month_after(month)
        start, end = (
            max(month, first_day),
            min(following - datetime.timedelta(days=1), today - datetime.timedelta(days=1)),
        )
        if start <= end:
            _import_month(everyone, start, end, log=log)
        month = following
    log(f"  consumption imported and accrued: {time.perf_counter() - started:.0f} s")
    subaccount = subaccounts[0]
    return {
        "partner": largest,
        "user": user,
        "subaccount": subaccount,
        "accrual": Accrual.objects.filter(subaccount=subaccount).order_by("-period").first(),
    }


def _import_month(billing_accounts: list[str], start: datetime.date, end: datetime.date, *, log) -> None:
    """One billing file for the days ``start``..``end`` (every subaccount, every SKU, every day), imported."""
    from finance.importer import COLUMNS, load

    days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"billing-{start:%Y-%m}.csv"
        with open(path, "w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(COLUMNS)
            for n, billing_account in enumerate(billing_accounts):
                cloud, folder = f"cloud-{billing_account}", f"folder-{billing_account}-{n % 3}"
                for day in days:
                    iso = day.isoformat()
                    for k, (service_id, service, sku_id, sku, unit, price) in enumerate(SKUS):
                        quantity = (n * 7 + day.day * 3 + k * 11) % 97 + 1
                        cost = price * quantity
                        credit = -(cost / 10).quantize(Decimal("0.01")) if (n + day.day) % 10 == 0 else 0
                        out.writerow(
                            (billing_account, iso, cloud, "production", folder, "default", service_id,
                             service, sku_id, sku, quantity, unit, cost, credit, "RUB")
                        )  # fmt: skip
        began = time.perf_counter()
        checked = load(path)
        log(f"  {start:%Y-%m}: {checked.rows:,} rows imported in {time.perf_counter() - began:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Size()
    for field in ("subaccounts", "accounts", "days", "small_partners", "small_subaccounts", "deals"):
        parser.add_argument(f"--{field.replace('_', '-')}", type=int, default=getattr(defaults, field))
    size = Size(**{k: v for k, v in vars(parser.parse_args()).items()})
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"Seeding {size.label()}")
    seed(size)


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # the benchmark seeds and checks as the provider; its requests run scoped
        main()
