"""What the referral program's pages read: whether a partner is in the program, each link's figures, the
referred customers' commission and the statistics by month."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DateField, DecimalField, F, Func, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django_scopes import scopes_disabled

from finance.models import Accrual, Consumption, CustomerInvoice, Program
from portal.periods import WINDOW_MONTHS
from portal.permissions import Right
from subaccounts.models import Subaccount
from tools.models import ProgramSettings

from .models import ReferralClick, ReferralLink, ReferredCustomer

COOKIE = "portal_referral"  # the signed cookie /r/<code> sets: the link the visitor came through
NO_USAGE_DAYS = 32


def shows_money(membership) -> bool:
    """Commission is partner-wide money: for roles that see balances, and not restricted to some accounts."""
    return membership.has(Right.FINANCE_VIEW) and not membership.restricted


def program_open() -> bool:

    return ProgramSettings.current().referral_enrollment_open


def in_program(partner) -> bool:
    """A referral partner, or one that already has links, is in the program whatever the enrollment says."""
    return partner.partner_type == partner.Type.REFERRAL or partner.referral_links.exists()


def may_create_links(partner) -> bool:
    """``in_program(partner) or program_open()``, asked in one query (every finance page asks, for its
    switch): whether the partner has links, and the enrollment as ``ProgramSettings.current()`` reads it."""
    if partner.partner_type == partner.Type.REFERRAL:
        return True
    default = ProgramSettings._meta.get_field("referral_enrollment_open").get_default()
    # the two answers as plain SQL: the ORM took a millisecond more to build it than PostgreSQL to answer
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {ReferralLink._meta.db_table} WHERE partner_id = %s)"  # noqa: S608
            f" OR COALESCE((SELECT referral_enrollment_open FROM {ProgramSettings._meta.db_table}"
            " WHERE id = 1), %s)",
            [partner.pk, default],
        )
        return cursor.fetchone()[0]


def _count(queryset, **outer) -> Coalesce:
    counted = queryset.filter(**outer).order_by().values(*outer).annotate(n=Count("pk", distinct=True))
    return Coalesce(Subquery(counted.values("n")), 0)


def with_figures(links):
    """Per link: counted clicks, sign-ups, customers with an active subaccount, commission accrued so far.
    One query for the page whatever the number of links (a correlated subquery each)."""

    commission = (
        Accrual.objects.filter(program=Program.REFERRAL, subaccount__account__referral__link=OuterRef("pk"))
        .order_by()
        .values("subaccount__account__referral__link")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return links.annotate(
        click_count=_count(ReferralClick.objects.all(), link=OuterRef("pk")),
        signups=_count(ReferredCustomer.objects.all(), link=OuterRef("pk")),
        active_customers=_count(
            ReferredCustomer.objects.filter(account__subaccounts__status=Subaccount.Status.ACTIVE),
            link=OuterRef("pk"),
        ),
        commission=Coalesce(Subquery(commission), Value(Decimal("0.00")), output_field=DecimalField()),
    )


@scopes_disabled()  # the whole cloud: the company's billing accounts under any partner
def eligible(tax_id: str) -> bool:
    """New to the cloud (no billing account anywhere), or every billing account stopped with no usage for
    more than 32 days."""

    subaccounts = Subaccount.objects.filter(account__tax_id=tax_id)
    if not subaccounts.exists():
        return True
    if subaccounts.exclude(status__in=(Subaccount.Status.SUSPENDED, Subaccount.Status.INACTIVE)).exists():
        return False
    since = timezone.localdate() - datetime.timedelta(days=NO_USAGE_DAYS)
    return not Consumption.objects.filter(subaccount__in=subaccounts, date__gte=since).exists()


def link_from_cookie(request) -> ReferralLink | None:
    """The active link the visitor came through (the signed cookie /r/<code> set), if any."""
    code = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE)
    if not code:
        return None
    return ReferralLink.objects.select_related("partner").filter(code=code, deactivated_at=None).first()


@dataclass
class MonthFigures:
    month: datetime.date
    clicks: int
    signups: int
    commission: Decimal

    @property
    def conversion(self) -> Decimal | None:
        """Sign-ups per 100 counted clicks of the month (None without clicks)."""
        if not self.clicks:
            return None
        return (Decimal(self.signups) * 100 / self.clicks).quantize(Decimal("0.1"))


def monthly_statistics(*, membership, months) -> list[MonthFigures]:
    """Clicks, sign-ups, conversion and commission per month of the membership's partner: three grouped
    queries."""
    partner_id = membership.partner_id
    index = {m: MonthFigures(m, 0, 0, Decimal("0.00")) for m in months.months}
    start = timezone.make_aware(datetime.datetime.combine(months.first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(months.end, datetime.time.min))
    clicks = (
        ReferralClick.objects.filter(link__partner_id=partner_id, created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for row in clicks:
        index[row["month"].date()].clicks = row["n"]
    signups = (
        ReferredCustomer.objects.filter(
            link__partner_id=partner_id, signed_up_at__gte=months.first, signed_up_at__lt=months.end
        )
        .annotate(month=TruncMonth("signed_up_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for row in signups:
        index[row["month"]].signups = row["n"]
    commission = (
        Accrual.objects.filter(
            partner_id=partner_id, program=Program.REFERRAL, period__gte=months.first, period__lt=months.end
        )
        .values("period")
        .annotate(total=Sum("amount"))
    )
    for row in commission:
        index[row["period"]].commission = row["total"]
    return list(index.values())


class MonthStart(Func):
    """The first day of the month ``months`` after the expression's month (``months=0``: its own)."""

    template = "(date_trunc('month', %(expressions)s) + interval '%(months)d months')::date"
    output_field = DateField()

    def __init__(self, expression, *, months: int = 0):
        super().__init__(expression, months=int(months))


def with_commission(customers):
    """Each referred customer with the commission accrued on it so far and the months of its commission
    window whose invoices are not paid in full yet (commission waits for them): two correlated subqueries."""

    unpaid = (
        CustomerInvoice.objects.filter(
            subaccount__account=OuterRef("account"),
            paid_amount__lt=F("amount"),
            # the commission's window, the sign-up month first
            month__gte=MonthStart(OuterRef("signed_up_at")),
            month__lt=MonthStart(OuterRef("signed_up_at"), months=WINDOW_MONTHS),
        )
        .order_by()
        .values("subaccount__account")
        .annotate(n=Count("month", distinct=True))
        .values("n")
    )

    total = (
        Accrual.objects.filter(program=Program.REFERRAL, subaccount__account=OuterRef("account"))
        .order_by()
        .values("subaccount__account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return customers.annotate(
        commission=Coalesce(Subquery(total), Value(Decimal("0.00")), output_field=DecimalField()),
        awaiting_payment=Coalesce(Subquery(unpaid), 0),
    )
