"""factory-boy factories for every model, in one place."""

import datetime
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from access.models import ApiToken, AuditEvent, Invitation, Membership, Notification, UserPreferences
from accounts.models import Account, AccountContact, AccountGroupObjectPermission, AccountUserObjectPermission
from finance.aggregates import customer_months_rebuild, daily_usage_rebuild
from finance.models import (
    Accrual,
    BucketExport,
    BucketExportDay,
    Consumption,
    ConsumptionImport,
    CustomerInvoice,
    CustomerMonth,
    CustomerSkuDay,
    CustomerUsageDay,
    DailyLabelUsage,
    DailySkuUsage,
    DailyUsage,
    DealUsage,
    Exclusion,
    LedgerBalance,
    LedgerEntry,
    MonthlyConsumption,
    MonthlyUsage,
    PartnerMonth,
    PartnerUsageDay,
    Pool,
    Program,
    RebateTerm,
    Report,
    SubaccountsVersion,
    UsageFolder,
    UsageRewardDay,
    UsageRewardMonth,
    UsageVersion,
    Withdrawal,
)
from portal.encryption import seal
from portal.permissions import Role
from profiles.models import Partner, PartnerContact, PartnerSpecialization, PayoutDetails, Specialization
from referral.models import ReferralClick, ReferralInvitation, ReferralLink, ReferredCustomer
from subaccounts.models import Subaccount, SubaccountEvent
from tools.models import (
    Attachment,
    Comment,
    PresaleRequest,
    ProgramSettings,
    Registration,
    RegistrationEvent,
    Resource,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@partner.example")
    username = factory.SelfAttribute("email")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} LLC")
    tax_id = factory.Sequence(lambda n: f"77{n:08d}")


class SpecializationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"spec-{n}")
    name = factory.Sequence(lambda n: f"Specialization {n}")
    yearly_threshold = Decimal("3000000.00")


class PartnerSpecializationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerSpecialization

    partner = factory.SubFactory(PartnerFactory)
    specialization = factory.SubFactory(SpecializationFactory)


class PartnerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerContact

    partner = factory.SubFactory(PartnerFactory)
    name = "Irina Petrova"
    email = factory.Sequence(lambda n: f"contact{n}@partner.example")


class PayoutDetailsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayoutDetails

    partner = factory.SubFactory(PartnerFactory)
    bank_name = "Demo Bank"
    # valid by profiles.banking: Sberbank's BIC and correspondent account, an account keyed to that BIC
    bic = "044525225"
    account_number = "40702810200000012345"
    correspondent_account = "30101810400000000225"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = Role.ADMINISTRATOR


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token row (its secret unknown: tests that call the API make theirs with access.services)."""

    class Meta:
        model = ApiToken

    membership = factory.SubFactory(MembershipFactory)
    name = factory.Sequence(lambda n: f"Token {n}")
    prefix = factory.Sequence(lambda n: f"{n:08x}")
    secret_hash = "0" * 64
    scopes = factory.LazyFunction(lambda: {"accounts": "read"})
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))


class UserPreferencesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserPreferences

    user = factory.SubFactory(UserFactory)
    language = "ru"


def _newest_member(partner):
    """The user of the partner's newest membership (a new one when it has none): the member a test has just
    signed in is the one a notification is for (the isolation sweep and the role matrix open their own)."""
    membership = Membership.objects.filter(partner=partner).order_by("-pk").first()
    return (membership or MembershipFactory(partner=partner)).user


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    partner = factory.SubFactory(PartnerFactory)
    user = factory.LazyAttribute(lambda o: _newest_member(o.partner))
    kind = Notification.Kind.REGISTRATION_STATUS
    params = factory.LazyFunction(lambda: {"customer": "Gamma Retail", "status": "approved"})
    path = "/tools/"
    key = factory.Sequence(lambda n: f"event:{n}")


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    partner = factory.SubFactory(PartnerFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@partner.example")
    role = Role.VIEWER
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    partner = factory.SubFactory(PartnerFactory)
    action = "membership.update"
    target = "someone@partner.example"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    tax_id = factory.Sequence(lambda n: f"50{n:08d}")


def _access_account():
    return Permission.objects.get(codename="access_account", content_type__app_label="accounts")


class AccountUserObjectPermissionFactory(factory.django.DjangoModelFactory):
    """A restricted member's grant of one account (as access.services.membership_update makes it)."""

    class Meta:
        model = AccountUserObjectPermission

    user = factory.SubFactory(UserFactory)
    permission = factory.LazyFunction(_access_account)
    content_object = factory.SubFactory(AccountFactory)


class AccountGroupObjectPermissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountGroupObjectPermission

    group = factory.LazyFunction(lambda: Group.objects.get_or_create(name="Account viewers")[0])
    permission = factory.LazyFunction(_access_account)
    content_object = factory.SubFactory(AccountFactory)


class AccountContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountContact

    account = factory.SubFactory(AccountFactory)
    name = "Anna Smirnova"
    email = factory.Sequence(lambda n: f"anna{n}@customer.example")


class SubaccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subaccount

    account = factory.SubFactory(AccountFactory)
    partner = factory.SelfAttribute("account.partner")
    billing_account_id = factory.Sequence(lambda n: f"ba-{n:06d}")
    name = factory.Sequence(lambda n: f"Subaccount {n}")
    customer_email = "billing@customer.example"
    status = Subaccount.Status.ACTIVE


class SubaccountEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubaccountEvent

    subaccount = factory.SubFactory(SubaccountFactory)
    from_status = Subaccount.Status.ACCEPTANCE_REQUIRED
    to_status = Subaccount.Status.ACTIVE


class ConsumptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consumption
        skip_postgeneration_save = True

    subaccount = factory.SubFactory(SubaccountFactory)
    partner = factory.SelfAttribute("subaccount.partner")
    date = factory.LazyFunction(timezone.localdate)
    cloud_id = "cloud-1"
    cloud_name = "production"
    folder_id = "folder-1"
    folder_name = "default"
    service_id = "compute"
    service_name = "Compute Cloud"
    sku_id = factory.Sequence(lambda n: f"sku-{n}")
    sku_name = "vCPU"
    quantity = Decimal("10")
    unit = "core*hour"
    cost = Decimal("12.00")
    credit = Decimal("0.00")
    currency = "RUB"

    @factory.post_generation
    def daily_usage(self, create, extracted, **kwargs):
        """Rows written here skip the import: bring Subaccount details' daily aggregates in step, as the
        import would (the monthly ones stay the test's to rebuild, as before)."""
        if create:
            daily_usage_rebuild(start=self.date, end=self.date, partner_id=self.partner_id)


class FolderCellFactory(factory.django.DjangoModelFactory):
    """A subaccount's folder row of a daily or monthly aggregate (its period added by the concrete one)."""

    class Meta:
        abstract = True

    subaccount = factory.SubFactory(SubaccountFactory)
    partner = factory.SelfAttribute("subaccount.partner")
    currency = "RUB"
    cloud_id = "cloud-1"
    cloud_name = "production"
    folder_id = factory.Sequence(lambda n: f"folder-{n}")
    folder_name = "default"
    cost = Decimal("12.00")
    credit = Decimal("0.00")
    adjustment = Decimal("0.00")
    paid = Decimal("12.00")


class DailyUsageFactory(FolderCellFactory):
    class Meta:
        model = DailyUsage

    date = factory.LazyFunction(timezone.localdate)


class MonthlyUsageFactory(FolderCellFactory):
    class Meta:
        model = MonthlyUsage

    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))


class UsageFolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageFolder

    subaccount = factory.SubFactory(SubaccountFactory)
    partner = factory.SelfAttribute("subaccount.partner")
    cloud_id = factory.Sequence(lambda n: f"cloud-{n}")
    cloud_name = factory.Sequence(lambda n: f"cloud {n}")
    folder_id = factory.Sequence(lambda n: f"folder-{n}")
    folder_name = factory.Sequence(lambda n: f"folder {n}")
    last_date = factory.LazyFunction(timezone.localdate)


class DailyLabelUsageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyLabelUsage

    subaccount = factory.SubFactory(SubaccountFactory)
    partner = factory.SelfAttribute("subaccount.partner")
    date = factory.LazyFunction(timezone.localdate)
    currency = "RUB"
    label = "env"
    value = factory.Sequence(lambda n: f"value-{n}")
    cost = Decimal("12.00")
    credit = Decimal("0.00")
    adjustment = Decimal("0.00")
    paid = Decimal("12.00")


class DailySkuUsageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailySkuUsage

    partner = factory.SubFactory(PartnerFactory)
    date = factory.LazyFunction(timezone.localdate)
    currency = "RUB"
    service_id = "compute"
    service_name = "Compute Cloud"
    sku_id = factory.Sequence(lambda n: f"sku-{n}")
    sku_name = "vCPU"
    cost = Decimal("12.00")
    credit = Decimal("0.00")
    adjustment = Decimal("0.00")
    paid = Decimal("12.00")


class DealUsageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealUsage

    partner = factory.SubFactory(PartnerFactory)
    month = datetime.date(2026, 10, 1)
    deals = "d41d8cd98f00b204e9800998ecf8427e"  # md5 of nothing: a month without deals


class UsageVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageVersion

    partner = factory.SubFactory(PartnerFactory)
    version = factory.Faker("uuid4", cast_to=None)


class SubaccountsVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubaccountsVersion

    partner_id = factory.LazyFunction(lambda: PartnerFactory().pk)
    version = factory.Faker("uuid4", cast_to=None)


class UsageRewardMonthFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageRewardMonth

    partner = factory.SubFactory(PartnerFactory)
    month = datetime.date(2026, 10, 1)
    digest = "d41d8cd98f00b204e9800998ecf8427e"


class UsageRewardDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageRewardDay

    partner = factory.SubFactory(PartnerFactory)
    date = datetime.date(2026, 10, 1)
    currency = "RUB"
    upto = Decimal("1.00")
    onward = Decimal("1.00")


class CustomerSkuDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerSkuDay

    partner = factory.SubFactory(PartnerFactory)
    account = factory.SubFactory(AccountFactory, partner=factory.SelfAttribute("..partner"))
    date = datetime.date(2026, 10, 1)
    currency = "RUB"
    service_id = "compute"
    service_name = "Compute Cloud"
    sku_id = "vcpu"
    sku_name = "vCPU"
    cost = Decimal("1.00")
    credit = Decimal("0")
    adjustment = Decimal("0")
    paid = Decimal("1.00")


class CustomerUsageDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerUsageDay

    partner = factory.SubFactory(PartnerFactory)
    account = factory.SubFactory(AccountFactory, partner=factory.SelfAttribute("..partner"))
    date = datetime.date(2026, 10, 1)
    currency = "RUB"
    cost = Decimal("1.00")
    reward = Decimal("0.10")
    rows = 1


class PartnerUsageDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerUsageDay

    partner = factory.SubFactory(PartnerFactory)
    date = datetime.date(2026, 10, 1)
    currency = "RUB"
    cost = Decimal("1.00")
    reward = Decimal("0.10")
    rows = 1


class MonthlyConsumptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyConsumption
        skip_postgeneration_save = True

    subaccount = factory.SubFactory(SubaccountFactory)
    partner = factory.SelfAttribute("subaccount.partner")
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    service_id = factory.Sequence(lambda n: f"service-{n}")
    service_name = "Compute Cloud"
    currency = "RUB"
    cost = Decimal("1000.00")
    credit = Decimal("0.00")
    marketplace_cost = Decimal("0.00")
    paid = factory.LazyAttribute(lambda m: m.cost + m.credit - m.marketplace_cost)

    @factory.post_generation
    def customer_month(self, create, extracted, **kwargs):
        """Rows written here skip the import: bring the aggregate it keeps in step, as the import would."""
        if create:
            customer_months_rebuild(start=self.month, end=self.month, partner_id=self.partner_id)


class CustomerMonthFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerMonth

    account = factory.SubFactory(AccountFactory)
    partner = factory.SelfAttribute("account.partner")
    month = datetime.date(2026, 10, 1)
    currency = "RUB"
    paid = Decimal("1000.00")
    partner_bonus = Decimal("100.00")


class PartnerMonthFactory(factory.django.DjangoModelFactory):
    """A partner's month as only its customer months make one (the trigger keeps it): through one of them."""

    class Meta:
        model = PartnerMonth

    account = factory.SubFactory(AccountFactory)
    partner = factory.SelfAttribute("account.partner")
    month = datetime.date(2026, 10, 1)
    currency = "RUB"
    paid = Decimal("1000.00")
    partner_bonus = Decimal("100.00")

    @classmethod
    def _create(cls, model_class, *args, account, **kwargs):
        made = CustomerMonthFactory(account=account, **kwargs)
        return model_class.objects.get(partner=made.partner, month=made.month, currency=made.currency)


class RebateTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RebateTerm

    program = Program.PROJECT_REBATE
    rate = Decimal("0.1500")
    valid_from = datetime.date(2024, 1, 1)


class AccrualFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accrual
        skip_postgeneration_save = True

    subaccount = factory.SubFactory(SubaccountFactory)
    partner = factory.SelfAttribute("subaccount.partner")
    period = datetime.date(2026, 1, 1)
    program = Program.PROJECT_REBATE
    source = factory.Sequence(lambda n: f"test:{n}")
    basis = Decimal("1000.00")
    rate = Decimal("0.1500")
    amount = Decimal("150.00")
    currency = "RUB"

    @factory.post_generation
    def customer_month(self, create, extracted, **kwargs):
        """Rows written here skip the accrual: bring the aggregate it keeps in step, as the accrual would."""
        if create and self.subaccount_id:
            customer_months_rebuild(start=self.period, end=self.period, partner_id=self.partner_id)


class WithdrawalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Withdrawal

    partner = factory.SubFactory(PartnerFactory)
    pool = Pool.REBATES
    amount = Decimal("100.00")
    currency = "RUB"
    destination = Withdrawal.Destination.BANK


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LedgerEntry

    partner = factory.SubFactory(PartnerFactory)
    pool = Pool.REBATES
    program = Program.PROJECT_REBATE
    kind = LedgerEntry.Kind.ACCRUAL
    amount = Decimal("150.00")
    currency = "RUB"


class LedgerBalanceFactory(factory.django.DjangoModelFactory):
    """A balance as only the ledger makes one (the trigger keeps it): through an entry of its amount."""

    class Meta:
        model = LedgerBalance

    partner = factory.SubFactory(PartnerFactory)
    pool = Pool.REBATES
    currency = "RUB"
    amount = Decimal("150.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        entry = LedgerEntryFactory(**kwargs)
        return model_class.objects.get(partner=entry.partner, pool=entry.pool, currency=entry.currency)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    partner = factory.SubFactory(PartnerFactory)
    kind = Report.Kind.STATEMENT
    status = Report.Status.DONE
    params = factory.LazyFunction(lambda: {"month": "2026-10-01"})
    file = factory.django.FileField(filename="statement.pdf", data=b"%PDF-1.7 statement")


class ReferralLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferralLink

    partner = factory.SubFactory(PartnerFactory)
    code = factory.Sequence(lambda n: f"ref-{n}")


class ReferralClickFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferralClick

    link = factory.SubFactory(ReferralLinkFactory)


class ReferredCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferredCustomer

    link = factory.SubFactory(ReferralLinkFactory)
    account = factory.SubFactory(AccountFactory, partner=factory.SelfAttribute("..link.partner"))
    signed_up_at = datetime.date(2026, 1, 1)
    consent_at = datetime.datetime(2026, 1, 1, 10, tzinfo=datetime.UTC)


class ReferralInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferralInvitation

    link = factory.SubFactory(ReferralLinkFactory)
    email = factory.Sequence(lambda n: f"prospect{n}@example.com")


class CustomerInvoiceFactory(factory.django.DjangoModelFactory):
    """Paid in full unless told otherwise."""

    class Meta:
        model = CustomerInvoice

    subaccount = factory.SubFactory(SubaccountFactory)
    partner = factory.SelfAttribute("subaccount.partner")
    number = factory.Sequence(lambda n: f"INV-{n:06d}")
    month = datetime.date(2026, 10, 1)
    currency = "RUB"
    amount = Decimal("1200.00")
    paid_amount = factory.SelfAttribute("amount")
    paid_on = datetime.date(2026, 11, 10)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    account = factory.SubFactory(AccountFactory)
    partner = factory.SelfAttribute("account.partner")
    kind = Registration.Kind.DEAL
    expected_monthly = Decimal("45000.00")


class PresaleRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PresaleRequest

    account = factory.SubFactory(AccountFactory)
    partner = factory.SelfAttribute("account.partner")
    services = "Compute Cloud"
    description = "Migration of a data warehouse"
    contact_name = "Anna"
    contact_email = "anna@customer.example"


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    group = Resource.Group.PARTNER_KIT
    title = factory.Sequence(lambda n: f"Resource {n}")
    url = "https://partners.example.com/kit"
    file = factory.django.FileField(filename="partner-kit.pdf", data=b"%PDF-1.4 kit")


class ProgramSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramSettings
        django_get_or_create = ("id",)

    id = 1


class RegistrationEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegistrationEvent

    registration = factory.SubFactory(RegistrationFactory)
    from_status = Registration.Status.DRAFT
    to_status = Registration.Status.SUBMITTED


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    registration = factory.SubFactory(RegistrationFactory)
    partner = factory.SelfAttribute("registration.partner")
    account = factory.SelfAttribute("registration.account")
    text = "Could you share the architecture diagram?"


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    registration = factory.SubFactory(RegistrationFactory)
    partner = factory.SelfAttribute("registration.partner")
    account = factory.SelfAttribute("registration.account")
    file = factory.django.FileField(filename="offer.pdf", data=b"%PDF-1.4 offer")
    name = "offer.pdf"
    content_type = "application/pdf"
    size = 14


class ExclusionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exclusion

    kind = Exclusion.Kind.MARKETPLACE
    service_id = factory.Sequence(lambda n: f"marketplace-{n}")


class ConsumptionImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsumptionImport

    file = factory.django.FileField(filename="billing.csv", data=b"billing_account_id\n")


def accrue(partner, amount: str, program: str, *, source: str = "t", subaccount=None):
    """An accrual of ``amount`` RUB for ``program`` through the real service, with its ledger entry."""
    from finance import services

    subaccount = subaccount or SubaccountFactory(account__partner=partner, partner=partner)
    return services.accrual_record(
        partner_id=partner.pk,
        subaccount_id=subaccount.pk,
        period=datetime.date(2026, 1, 1),
        program=program,
        source=source,
        basis=Decimal(amount),
        rate=Decimal("1.0000"),
        currency="RUB",
    )


def created_on(obj, day: datetime.date):
    """``obj`` as if created at noon (UTC) on ``day``: models stamp ``created_at`` when they are saved."""
    obj.created_at = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    type(obj).objects.filter(pk=obj.pk).update(created_at=obj.created_at)
    return obj


class BucketExportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BucketExport
        django_get_or_create = ("partner",)  # one per partner

    partner = factory.SubFactory(PartnerFactory)
    endpoint_url = "http://127.0.0.1:9/"
    bucket = "partner-billing"
    prefix = "billing/"
    access_key_id = "AKIAFACTORY"
    secret_sealed = factory.LazyFunction(lambda: seal("factory-secret"))


class BucketExportDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BucketExportDay

    export = factory.SubFactory(BucketExportFactory)
    day = factory.Sequence(lambda n: datetime.date(2026, 10, 1) + datetime.timedelta(days=n))  # one row a day
