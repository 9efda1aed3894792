"""Demo data: two partners, a user for each role in each, customers, subaccounts in every status,
24 months of consumption, rebate terms and accruals. Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django_scopes import scopes_disabled
from stdnum.ru import inn as ru_inn

from access.models import Membership
from accounts.models import Account, AccountContact
from accounts.tax_ids import kz_check_digit
from finance.accruals import accrue_month
from finance.models import Consumption, CustomerInvoice, MonthlyConsumption, Program, RebateTerm
from finance.services import monthly_consumption_rebuild
from portal.business_days import add_business_days
from portal.periods import add_months
from portal.permissions import Role
from profiles.models import Partner, PartnerContact, PartnerSpecialization, PayoutDetails, Specialization
from referral.models import ReferralClick, ReferralLink, ReferredCustomer
from subaccounts.models import Subaccount, SubaccountEvent
from tools import workflow
from tools.models import ProgramSettings, Registration, Resource

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - printed for the demo, never used outside it
MONTHS = 24
SHARED_USER = "administrator@alpha.example"  # also in the second partner, to show the partner switch
PARTNERS = [
    ("alpha", "Alpha Cloud Integrator", "7707083893", "RU", "RUB"),
    ("beta", "Beta Systems KZ", "990340005977", "KZ", "KZT"),
]
# details that pass profiles.banking: Sberbank's BIC and correspondent account with an account keyed to that
# BIC; in Kazakhstan, Halyk Bank's SWIFT BIC and an IBAN with valid check digits
PAYOUT_DETAILS = {
    "RU": {
        "bank_name": "Sberbank",
        "bic": "044525225",
        "account_number": "40702810200000012345",
        "correspondent_account": "30101810400000000225",
    },
    "KZ": {"bank_name": "Halyk Bank", "bic": "HSBKKZKX", "account_number": "KZ496010000000012345"},
}
SKUS = [
    ("compute", "Compute Cloud", "vcpu", "Intel Ice Lake, 100% vCPU", "core*hour", Decimal("1.20")),
    ("storage", "Object Storage", "std", "Standard storage", "GB*month", Decimal("0.08")),
    ("mdb", "Managed PostgreSQL", "pg-host", "PostgreSQL host, s3-c2-m8", "hour", Decimal("4.10")),
]
# the program's yearly consumption thresholds (RUB): 12 M for Infrastructure, 2 M for DevOps and Data
# Platform; ML & AI and Security Compliance have no published figure here and take the 2 M of the others
SPECIALIZATIONS = [
    ("infrastructure", "Infrastructure", "12000000.00"),
    ("devops", "DevOps", "2000000.00"),
    ("ml-ai", "ML & AI", "2000000.00"),
    ("data-platform", "Data Platform", "2000000.00"),
    ("security", "Security Compliance", "2000000.00"),
]
STATUSES = [
    Subaccount.Status.ACTIVE,
    Subaccount.Status.ACTIVE,
    Subaccount.Status.ACTIVE,
    Subaccount.Status.ACCEPTANCE_REQUIRED,
    Subaccount.Status.SUSPENDED,
    Subaccount.Status.INACTIVE,
]


def demo_tax_id(country: str, i: int) -> str:
    """A tax id that passes its country's check digits, so demo accounts can be edited as they are."""
    if country == "KZ":
        for n in range(i * 10, i * 10 + 10):
            digit = kz_check_digit(f"990340{n:05d}")
            if digit is not None:
                return f"990340{n:05d}{digit}"
    base = f"77070{i:04d}"
    return base + ru_inn.calc_company_check_digit(base)


def month_starts(today: datetime.date, count: int) -> list[datetime.date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return sorted(months)


class Command(BaseCommand):
    help = "Create the demo partners, users and data (idempotent)."

    @scopes_disabled()  # the provider's command: every partner's rows, on purpose
    def handle(self, *args, **options):
        with transaction.atomic():
            self.seed_catalogue()
            logins = []
            for slug, name, tax_id, country, currency in PARTNERS:
                logins += self.seed_partner(slug, name, tax_id, country, currency)
            # one user in both partners, to show the partner switch
            beta = Partner.objects.get(tax_id=PARTNERS[1][2])
            Membership.objects.get_or_create(
                user=self.user(SHARED_USER), partner=beta, defaults={"role": Role.VIEWER_PD}
            )
            logins.append((SHARED_USER, beta.name, f"{Role.VIEWER_PD.label} (second partner)"))
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Log in with any of these (password {DEMO_PASSWORD!r}):")
        )
        for email, partner, role in logins:
            self.stdout.write(f"  {email:32} {partner:26} {role}")
        self.stdout.write(
            "  admin@portal.example             (portal administrator, Django admin at /admin/)"
        )

    def user(self, email: str, *, staff: bool = False):
        user, created = get_user_model().objects.get_or_create(
            username=email, defaults={"email": email, "is_staff": staff, "is_superuser": staff}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def seed_catalogue(self):
        self.user("admin@portal.example", staff=True)
        for code, name, threshold in SPECIALIZATIONS:
            Specialization.objects.update_or_create(
                code=code, defaults={"name": name, "yearly_threshold": Decimal(threshold)}
            )
        start = datetime.date(2024, 1, 1)
        # a plain rate serves every currency; a cap or threshold is an amount, so tenge has its own terms
        for program, rate, cap, threshold, currency in [
            (Program.PARTNER_BONUS, "0.1000", None, None, "RUB"),
            (Program.DEAL_EXTRA, "0.1500", None, None, "RUB"),
            (Program.PROJECT_REBATE, "0.1500", None, "30000.00", "RUB"),
            (Program.PROJECT_REBATE, "0.1500", None, "165000.00", "KZT"),
            (Program.SPECIALIZATION_REBATE, "0.1000", None, None, "RUB"),
            (Program.REFERRAL, "0.1000", "100000.00", None, "RUB"),
            (Program.REFERRAL, "0.1000", "550000.00", None, "KZT"),
        ]:
            RebateTerm.objects.get_or_create(
                program=program,
                condition="",
                valid_from=start,
                currency=currency,
                defaults={
                    "rate": Decimal(rate),
                    "cap": cap and Decimal(cap),
                    "threshold": threshold and Decimal(threshold),
                },
            )
        for group, title, url in [
            (
                Resource.Group.PARTNER_KIT,
                "Partner kit: logos and presentations",
                "https://partners.example.com/kit",
            ),
            (Resource.Group.CHANNEL, "Partner channel", "https://t.me/example_partners"),
            (Resource.Group.LEGAL, "Partner agreement", "https://partners.example.com/legal/agreement"),
        ]:
            Resource.objects.get_or_create(group=group, title=title, defaults={"url": url})

    def seed_partner(self, slug, name, tax_id, country, currency):
        partner, _ = Partner.objects.get_or_create(
            tax_id=tax_id,
            defaults={
                "name": name,
                "legal_name": f"{name} LLC",
                "country": country,
                "currency": currency,
                "legal_address": "1 Demo street",
                "partner_since": datetime.date(2023, 3, 1),
            },
        )
        logins = []
        for role in Role:
            email = f"{role.value.replace('_pd', '-pd')}@{slug}.example"
            Membership.objects.get_or_create(user=self.user(email), partner=partner, defaults={"role": role})
            logins.append((email, partner.name, role.label))
        PartnerContact.objects.get_or_create(
            partner=partner,
            email=f"ceo@{slug}.example",
            defaults={"name": "Irina Petrova", "position": "CEO"},
        )
        PayoutDetails.objects.get_or_create(partner=partner, defaults=PAYOUT_DETAILS[country])
        for code in ("infrastructure", "devops"):
            PartnerSpecialization.objects.get_or_create(
                partner=partner,
                specialization=Specialization.objects.get(code=code),
                defaults={
                    "status": PartnerSpecialization.Status.ACTIVE,
                    "active_since": datetime.date(2025, 1, 1),
                },
            )
        owner = Membership.objects.get(partner=partner, role=Role.ADMINISTRATOR).user
        subaccounts = []
        for i in range(1, 7):
            account, _ = Account.objects.get_or_create(
                partner=partner,
                tax_id=demo_tax_id(country, i),
                defaults={
                    "name": f"{slug.title()} customer {i}",
                    "legal_name": f"Customer {i} of {name}",
                    "country": country,
                    "owner": owner,
                    "stage": Account.Stage.CUSTOMER if i <= 5 else Account.Stage.PROSPECT,
                },
            )
            AccountContact.objects.get_or_create(
                account=account, email=f"cto{i}@customer{i}.{slug}.example", defaults={"name": f"Contact {i}"}
            )
            if i <= len(STATUSES):
                subaccounts.append(self.seed_subaccount(partner, account, i, STATUSES[i - 1], owner))
        registration, created = Registration.objects.get_or_create(
            partner=partner,
            account=Account.objects.filter(partner=partner).last(),
            kind=Registration.Kind.DEAL,
            defaults={
                "expected_monthly": Decimal("45000.00"),
                "currency": currency,
                "services": "Compute Cloud, Managed PostgreSQL",
                "created_by": owner,
            },
        )
        if created:  # through the workflow, so the history and the review target are real
            now = timezone.now()
            workflow.transition(
                registration,
                workflow.SUBMIT,
                actor=owner,
                submitted_at=now,
                review_due=add_business_days(now, ProgramSettings.current().review_business_days),
            )
        self.seed_referrals(partner, slug, owner)
        self.seed_consumption(partner, subaccounts, currency)
        return logins

    def seed_referrals(self, partner, slug, owner):
        """A referral link that brought customers 1 and 2 six months ago, with its clicks."""
        link, created = ReferralLink.objects.get_or_create(
            code=f"{slug}demo", defaults={"partner": partner, "name": "Webinar, spring", "created_by": owner}
        )
        if created:
            ReferralClick.objects.bulk_create(
                ReferralClick(link=link, visitor=f"demo-{n}") for n in range(40)
            )
        signed_up = add_months(timezone.localdate().replace(day=1), -6)
        for i in (1, 2):
            ReferredCustomer.objects.get_or_create(
                account=Account.objects.get(partner=partner, tax_id=demo_tax_id(partner.country, i)),
                defaults={"link": link, "signed_up_at": signed_up, "consent_at": timezone.now()},
            )

    def seed_invoices(self, partner, months, currency):
        """Billing's invoices of the referred customers, with VAT; the last closed month of customer 2 is
        not paid yet, so its commission waits for the payment."""
        vat = Decimal("1.22") if currency == "RUB" else Decimal("1.16")
        paid = (
            MonthlyConsumption.objects.filter(
                partner=partner, month__in=months, subaccount__account__referral__isnull=False
            )
            .order_by()
            .values("subaccount_id", "subaccount__billing_account_id", "month")
            .annotate(total=Sum("paid"))
        )
        today = timezone.localdate()
        for row in paid:
            paid_on = min(today, add_months(row["month"], 1) + datetime.timedelta(days=9))
            amount = (row["total"] * vat).quantize(Decimal("0.01"))
            unpaid = row["month"] == months[-1] and row["subaccount__billing_account_id"].endswith("-0002")
            CustomerInvoice.objects.get_or_create(
                number=f"{row['subaccount__billing_account_id']}-{row['month']:%Y%m}",
                defaults={
                    "partner": partner,
                    "subaccount_id": row["subaccount_id"],
                    "month": row["month"],
                    "currency": currency,
                    "amount": amount,
                    "paid_amount": 0 if unpaid else amount,
                    "paid_on": None if unpaid else paid_on,
                },
            )

    def seed_subaccount(self, partner, account, i, status, actor):
        sub, created = Subaccount.objects.get_or_create(
            billing_account_id=f"{partner.tax_id[-4:]}-ba-{i:04d}",
            defaults={
                "partner": partner,
                "account": account,
                "name": f"{account.name} production",
                "customer_email": f"billing@customer{i}.example",
                "status": status,
            },
        )
        if created:
            SubaccountEvent.objects.create(
                subaccount=sub, actor=actor, to_status=Subaccount.Status.ACCEPTANCE_REQUIRED
            )
            if status != Subaccount.Status.ACCEPTANCE_REQUIRED:
                SubaccountEvent.objects.create(
                    subaccount=sub,
                    from_status=Subaccount.Status.ACCEPTANCE_REQUIRED,
                    to_status=Subaccount.Status.ACTIVE,
                    reason="Accepted by the customer",
                )
            if status in (Subaccount.Status.SUSPENDED, Subaccount.Status.INACTIVE):
                SubaccountEvent.objects.create(
                    subaccount=sub,
                    actor=actor,
                    from_status=Subaccount.Status.ACTIVE,
                    to_status=status,
                    reason="Demo",
                )
        return sub

    def seed_consumption(self, partner, subaccounts, currency):
        today = timezone.localdate()
        months = month_starts(today, MONTHS)
        consuming = [s for s in subaccounts if s.status != Subaccount.Status.ACCEPTANCE_REQUIRED]
        # the first customer's project (all of its folder) consumes about 95,000 a month: over the project
        # rebate's 30,000 RUB threshold in every month
        project = consuming[0] if consuming else None
        rows = []
        for sub in consuming:
            rng = random.Random(sub.billing_account_id)  # deterministic: a rerun produces the same rows
            scale = 3 if sub == project else 1
            day = months[0]
            while day <= today:
                for service_id, service_name, sku_id, sku_name, unit, price in SKUS:
                    quantity = Decimal(rng.randint(10, 400) * scale)
                    cost = (quantity * price).quantize(Decimal("0.01"))
                    # now and then a grant pays part of the day (the discount), which earns no bonus
                    credit = -(cost * Decimal("0.3")).quantize(Decimal("0.01")) if rng.random() < 0.15 else 0
                    rows.append(
                        Consumption(
                            partner=partner,
                            subaccount=sub,
                            date=day,
                            cloud_id=f"cloud-{sub.pk}",
                            cloud_name="production",
                            folder_id=f"folder-{sub.pk}",
                            folder_name="default",
                            service_id=service_id,
                            service_name=service_name,
                            sku_id=sku_id,
                            sku_name=sku_name,
                            quantity=quantity,
                            unit=unit,
                            cost=cost,
                            credit=Decimal(credit),
                            currency=currency,
                        )
                    )
                day += datetime.timedelta(days=1)
        Consumption.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
        monthly_consumption_rebuild(partner_id=partner.pk, start=months[0], end=today)
        if project:
            Registration.objects.get_or_create(
                partner=partner,
                account=project.account,
                kind=Registration.Kind.PROJECT,
                project_scope=f"folder-{project.pk}",
                defaults={
                    "status": Registration.Status.APPROVED,
                    "expected_monthly": Decimal("90000.00"),
                    "currency": currency,
                    "services": "Compute Cloud, Managed PostgreSQL",
                    "decided_at": timezone.make_aware(
                        datetime.datetime.combine(months[0], datetime.time(10))
                    ),
                },
            )
        closed = [m for m in months if m < today.replace(day=1)]
        self.seed_invoices(partner, closed, currency)
        for month in closed:
            # the real engine: partner bonus, deal extra, project and specialization rebates, referral
            accrue_month(partner_id=partner.pk, month=month)
