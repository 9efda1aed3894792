import datetime
import uuid
from functools import cached_property

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max, OuterRef, Subquery, Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_tables2 import RequestConfig

from portal import replica
from portal.charts import day_labels, month_labels, stacked_bars
from portal.csv import csv_download, csv_response
from portal.money import amount_text
from portal.pagination import PAGE_SIZES, CappedPaginator, count_limit
from portal.periods import PeriodForm
from portal.permissions import Right
from portal.views import (
    PortalDetailView,
    PortalListView,
    PortalMixin,
    PortalPageView,
    PortalSearchView,
    page_number,
    rows_per_page,
)
from subaccounts.models import Subaccount

from . import bucket_export, reports, selectors, services, switch
from .commission import STATISTICS_MONEY, commission_csv
from .filters import AccrualFilter, BucketExportDayFilter, LedgerEntryFilter, PartnerBonusFilter, ReportFilter
from .forms import BucketExportForm, CommissionPeriodForm, UsageForm, WithdrawalForm
from .models import (
    BONUS_PROGRAMS,
    DESTINATIONS,
    Accrual,
    BucketExport,
    BucketExportDay,
    LedgerEntry,
    Pool,
    Program,
    Report,
    UsageFolder,
    Withdrawal,
)
from .tables import (
    AccrualTable,
    BucketExportDayTable,
    CommissionCustomerTable,
    CommissionMonthTable,
    CommissionReportTable,
    ExcludedConsumptionTable,
    LedgerEntryTable,
    PartnerBonusTable,
    ReportTable,
    SubaccountBonusTable,
    UsageTable,
)


class AccrualListView(PortalListView):
    """Accruals of the program chosen with the switch ("Bonus" in the referral program), each with its
    corrections summed in."""

    queryset = Accrual.objects.with_corrections().select_related("subaccount", "term")
    filterset_class = AccrualFilter
    table_class = AccrualTable
    right = Right.FINANCE_VIEW
    section = "finance"
    template_name = "finance/accrual_list.html"
    read_replica = True
    # counted as far as the pages shown: a partner's accruals grow by thousands a month
    table_pagination = {"per_page": 25, "paginator_class": CappedPaginator}

    @cached_property
    def program(self) -> str:
        return switch.chosen(self.request)

    @property
    def title(self):
        return _("Referral bonus") if self.program == switch.REFERRAL else _("Accruals")

    def get_queryset(self):
        return switch.accruals_of(self.program, super().get_queryset())

    def get_filterset(self, filterset_class):
        """The program filter offers the chosen side's programs only (none on the referral side)."""
        filterset = super().get_filterset(filterset_class)
        if self.program == switch.REFERRAL:
            del filterset.filters["program"]
        else:
            filterset.filters["program"].extra["choices"] = [
                c for c in Program.choices if c[0] != Program.REFERRAL
            ]
        return filterset

    def get_context_data(self, **kwargs):
        pools = [switch.POOL[self.program]]
        if self.program == switch.RESELLER:
            pools.append(Pool.BONUS)
        kwargs["balances"] = selectors.balances(membership=self.membership, pools=pools)
        return super().get_context_data(**kwargs)


class BalanceView(PortalListView):
    """The withdrawable balance of the program chosen with the switch ("Payments" in the referral program):
    its ledger with the withdrawals, and the available amount."""

    queryset = LedgerEntry.objects.select_related("accrual", "withdrawal")
    filterset_class = LedgerEntryFilter
    table_class = LedgerEntryTable
    right = Right.FINANCE_VIEW
    partner_wide = True  # a balance is the whole partner's: not for a member restricted to some customers
    section = "finance"
    template_name = "finance/balance.html"
    table_pagination = {"per_page": 25, "paginator_class": CappedPaginator}  # the ledger only grows

    @cached_property
    def pool(self) -> str:
        return switch.POOL[switch.chosen(self.request)]

    @property
    def title(self):
        return _("Referral payments") if self.pool == Pool.REFERRAL else _("Rebate balance")

    def get_queryset(self):
        return super().get_queryset().filter(pool=self.pool)

    def get_context_data(self, **kwargs):
        kwargs["pool"] = self.pool
        kwargs["balances"] = selectors.balances(membership=self.membership, pools=[self.pool])
        kwargs["may_withdraw"] = self.membership.has(Right.FINANCE_WITHDRAW)
        if self.pool == Pool.REFERRAL:
            kwargs["minimum"] = services.REFERRAL_MINIMUM
        return super().get_context_data(**kwargs)


class WithdrawView(PortalPageView):
    """Withdraw from the balance the switch shows: amount and destination, then a confirmation page, then
    the hold on the balance."""

    template_name = "finance/withdraw.html"
    right = Right.FINANCE_WITHDRAW
    partner_wide = True
    section = "finance"

    def get_context_data(self, **kwargs):
        pool = kwargs["pool"]
        kwargs.update(
            title=_("Withdraw: %(balance)s") % {"balance": Pool(pool).label},
            balances=selectors.balances(membership=self.membership, pools=[pool]),
            minimum=services.REFERRAL_MINIMUM if pool == Pool.REFERRAL else None,
        )
        return super().get_context_data(**kwargs)

    def get(self, request):
        pool = switch.POOL[switch.chosen(request)]
        destination = Withdrawal.Destination.BANK
        form = WithdrawalForm(
            partner=self.partner,
            pool=pool,
            initial={"pool": pool, "currency": self.partner.currency, "destination": destination},
        )
        return self.render_to_response(self.get_context_data(form=form, pool=pool))

    def post(self, request):
        pool = request.POST.get("pool")
        pool = pool if pool in DESTINATIONS else Pool.REBATES
        form = WithdrawalForm(request.POST, partner=self.partner, pool=pool)
        context = {"form": form, "pool": pool}
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(**context))
        data = form.cleaned_data
        if not data["confirmed"]:
            available = selectors.balance(
                membership=self.membership, pool=data["pool"], currency=data["currency"]
            )
            try:
                services.withdrawal_amount_check(
                    pool=data["pool"], amount=data["amount"], currency=data["currency"], available=available
                )
            except ValidationError as error:
                _add_errors(form, error)
                return self.render_to_response(self.get_context_data(**context))
            return self.render_to_response(
                self.get_context_data(confirm=True, available=available, request_key=uuid.uuid4(), **context)
            )
        try:
            withdrawal = services.withdrawal_request(
                partner=self.partner,
                pool=data["pool"],
                amount=data["amount"],
                currency=data["currency"],
                destination=data["destination"],
                grant_subaccount=data.get("billing_account"),
                requested_by=request.user,
                request_key=data["request_key"],
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.render_to_response(self.get_context_data(**context))
        messages.success(
            request,
            _("Withdrawal of %(amount)s requested.")
            % {"amount": amount_text(withdrawal.amount, withdrawal.currency)},
        )
        return redirect(reverse("finance:balance"))


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal on the form: under its field where the form has one, else above the form."""
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class AccrualDetailView(PortalDetailView):
    """An accrual as it stands, with its history: the original and each correction, when and why."""

    queryset = Accrual.objects.with_corrections().select_related("subaccount", "term")
    right = Right.FINANCE_VIEW
    section = "finance"

    def get_context_data(self, **kwargs):
        kwargs["corrections"] = self.object.corrections.order_by("created_at", "id")
        return super().get_context_data(**kwargs)


def _period(request) -> tuple[CommissionPeriodForm, datetime.date, datetime.date]:
    today = timezone.localdate()
    form = CommissionPeriodForm(request.GET or None, initial={"start": today.replace(day=1), "finish": today})
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["finish"]
    return form, today.replace(day=1), today


class CommissionView(PortalListView):
    """Commission statistics: the partner picks a period; the detailed report downloads as .csv straight away,
    or — for a long period — is prepared by Celery into a file kept in the list below with its progress."""

    queryset = Report.objects.filter(kind=Report.Kind.COMMISSION).select_related("created_by")
    table_class = CommissionReportTable
    filterset_class = ReportFilter
    right = Right.FINANCE_VIEW
    section = "finance"
    title = _("Commission statistics")
    template_name = "finance/commission.html"

    def load(self):
        self.form, self.start, self.finish = _period(self.request)
        self.statistics = None
        if (self.finish - self.start).days < settings.COMMISSION_STREAM_MAX_DAYS:  # as the download's limit
            search = self.form.cleaned_data.get("customer", "") if self.form.is_bound else ""
            self.statistics = selectors.commission_statistics(
                membership=self.membership,
                start=self.start,
                finish=self.finish,
                q=(search or "").strip(),
                page=page_number(self.request, "customers-page"),
                per_page=rows_per_page(self.request, "customers-per_page"),
                using=replica.read_alias(),
            )

    def get_context_data(self, **kwargs):
        start, finish, statistics = self.start, self.finish, self.statistics
        kwargs.update(
            form=self.form,
            start=start,
            finish=finish,
            streamable=selectors.commission_streamable(self.membership, start, finish),
            max_days=settings.COMMISSION_STREAM_MAX_DAYS,
            statistics=statistics,
            restricted=self.membership.restricted,
        )
        if statistics is not None:
            paginate = {"per_page": PAGE_SIZES[0]}
            # the customers' order set first: the one query then reads their page and the months alike
            customers = CommissionCustomerTable(
                statistics.customers, membership=self.membership, prefix="customers-"
            )
            RequestConfig(self.request, paginate=paginate).configure(customers)
            months = CommissionMonthTable(statistics.months, membership=self.membership, prefix="months-")
            RequestConfig(self.request, paginate=paginate).configure(months)
            kwargs.update(month_table=months, customer_table=customers)
            labels, series = statistics.chart
            if series:
                kwargs["chart"] = stacked_bars(
                    title=str(_("Reward by month")),
                    right=self.right,  # who may open the chart's image
                    labels=month_labels(labels),
                    series={f"{_('Reward')}, {currency}": values for currency, values in series.items()},
                    stacked=False,
                )
        return _polling(super().get_context_data(**kwargs))

    def export_csv(self):
        """``?table=months`` or ``customers``: that table's figures, every row, the sums exact; else the
        detailed report, streamed from PostgreSQL's COPY straight to the browser when it can finish well
        inside the web timeout (or the page says to prepare it as a file)."""
        request = self.request
        table = request.GET.get("table")
        if table in ("months", "customers"):
            return self.statistics_csv(table)
        start, finish = self.start, self.finish
        if not selectors.commission_streamable(self.membership, start, finish):
            messages.info(
                request,
                _(
                    "This report is too large to download at once (over %(days)s days or about %(rows)s "
                    "rows): use “Prepare the report” and download the file when it is ready."
                )
                % {
                    "days": settings.COMMISSION_STREAM_MAX_DAYS,
                    "rows": f"{settings.COMMISSION_STREAM_MAX_ROWS:,}",
                },
            )
            return redirect(f"{reverse('finance:commission')}?start={start}&finish={finish}")
        accounts = selectors.report_accounts(self.membership)
        rows = commission_csv(
            partner_id=self.partner.pk,
            start=start,
            finish=finish,
            account_ids=accounts,
            using=replica.read_alias(),
        )
        return csv_download(f"commission-{start}-{finish}.csv", rows)

    def statistics_csv(self, table: str):
        """One table of the statistics as CSV: every row (not the page's), in the order shown."""
        statistics = self.statistics
        if statistics is None:
            return None  # the page, which says why it shows no figures for this period
        money = [str(_("Consumption cost")), str(_("Credits")), str(_("Reward"))]
        names = STATISTICS_MONEY
        if table == "months":
            header = [str(_("Month")), str(_("Currency")), *money]
            rows = ([f"{r['month']:%Y-%m}", r["currency"], *(r[n] for n in names)] for r in statistics.months)
        else:
            statistics.customers.order_by(
                [a for a in self.request.GET.get("customers-sort", "").split(",") if a]
            )
            header = [str(_("Id")), str(_("Customer")), str(_("Currency")), *money]
            rows = (
                [r["id"], r["name"], r["currency"], *(r[n] for n in names)]
                for r in statistics.customer_rows()
            )
        name = f"commission-{table}-{self.start}-{self.finish}.csv"
        return csv_response(name, header, rows)


class CommissionReportRequestView(PortalMixin, View):
    """Queue the report of any period; the commission page lists it with its progress until it is ready."""

    right = Right.FINANCE_VIEW
    http_method_names = ["post"]

    def post(self, request):
        form = CommissionPeriodForm(request.POST)
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else error)
            return redirect("finance:commission")
        start, finish = form.cleaned_data["start"], form.cleaned_data["finish"]
        reports.commission_request(membership=self.membership, start=start, finish=finish, actor=request.user)
        messages.success(
            request,
            _("The report for %(start)s – %(finish)s is being prepared; it appears below when it is ready.")
            % {"start": start, "finish": finish},
        )
        return redirect(f"{reverse('finance:commission')}?start={start}&finish={finish}")


class BonusesView(PortalPageView):
    """Bonus accrual schedule (chart by month) and monthly consumption and bonuses (customer × month)."""

    template_name = "finance/bonuses.html"
    right = Right.FINANCE_VIEW
    section = "finance"

    def load(self):
        self.period = PeriodForm.from_query(self.request.GET)
        self.using = replica.read_alias()

    def export_csv(self):  # every customer, not the page's
        grid = selectors.customer_months(
            membership=self.membership, months=self.period.month_range(), using=self.using
        )
        return csv_response("bonuses-by-month.csv", grid.csv_header(), grid.csv_rows())

    def get_context_data(self, **kwargs):
        period, months = self.period, self.period.month_range()
        self.grid = selectors.customer_months(
            membership=self.membership,
            months=months,
            page=page_number(self.request),
            per_page=rows_per_page(self.request),
            count_limit=count_limit(page_number(self.request), rows_per_page(self.request)),
            using=self.using,
        )
        series = self.grid.schedule  # bonus_schedule(), from the sums the totals were read from
        # the rows are already the page's; the customers were counted as far as the pages shown
        paginator = CappedPaginator(
            range(self.grid.count), rows_per_page(self.request), counted=self.grid.count
        )
        kwargs.update(period=period, grid=self.grid, page_obj=paginator.get_page(page_number(self.request)))
        if series:
            kwargs["chart"] = stacked_bars(
                title=str(_("Bonus accrued by month")),
                right=self.right,  # who may open the chart's image
                labels=month_labels(months.months),
                series=series,
            )
        return super().get_context_data(**kwargs)


def closed_month(request) -> datetime.date:
    """``?month=YYYY-MM``, else the month that closed last."""
    try:
        return datetime.date.fromisoformat(f"{request.GET.get('month', '')}-01")
    except ValueError:
        return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


class PartnerBonusView(PortalListView):
    """The bonus applied to each subaccount for a month, a row each (— where nothing was accrued); a row opens
    how it was computed."""

    queryset = Subaccount.objects.select_related("account")
    table_class = PartnerBonusTable
    filterset_class = PartnerBonusFilter
    right = Right.FINANCE_VIEW
    section = "finance"
    title = _("Partner bonus")
    template_name = "finance/partner_bonus.html"
    read_replica = True
    table_pagination = {"per_page": 25, "paginator_class": CappedPaginator}  # 10,000 subaccounts and more

    def get_queryset(self):
        """Each subaccount with its month's accruals (corrections summed in) read per subaccount shown: the
        month in the lookup of the subaccount's accruals, never a join of the whole history."""
        month = closed_month(self.request)

        def of_month(program, total):
            accruals = Accrual.objects.filter(subaccount=OuterRef("pk"), period=month, program=program)
            return Subquery(accruals.order_by().values("subaccount").annotate(v=total).values("v"))

        return (
            super()
            .get_queryset()
            .annotate(
                basis=of_month(Program.PARTNER_BONUS, Max("basis")),
                base_bonus=of_month(Program.PARTNER_BONUS, Sum("amount")),
                deal_extra=of_month(Program.DEAL_EXTRA, Sum("amount")),
            )
            .order_by("name")
        )

    def get_context_data(self, **kwargs):
        kwargs["month"] = closed_month(self.request)
        return super().get_context_data(**kwargs)


class SubaccountBonusView(PortalDetailView):
    """How a subaccount's bonus came about: per month the basis, the excluded consumption, term and rate."""

    queryset = Subaccount.objects.select_related("account")
    right = Right.FINANCE_VIEW
    section = "finance"
    template_name = "finance/subaccount_bonus.html"

    def get_context_data(self, **kwargs):
        accruals = self.object.accruals.with_corrections().filter(program__in=BONUS_PROGRAMS)
        accrued = SubaccountBonusTable(
            accruals.select_related("term"), membership=self.membership, prefix="accruals-"
        )
        excluded = ExcludedConsumptionTable(
            selectors.excluded_consumption(subaccount=self.object),
            membership=self.membership,
            prefix="excluded-",
        )
        for table in (accrued, excluded):  # a subaccount's history grows a row or two a month: paged
            RequestConfig(self.request, paginate={"per_page": PAGE_SIZES[0]}).configure(table)
        kwargs.update(accrued_table=accrued, excluded_table=excluded)
        return super().get_context_data(**kwargs)


class StatementListView(PortalListView):
    """Monthly PDF statements: request one (Celery renders it) and download those that are ready."""

    queryset = Report.objects.filter(kind=Report.Kind.STATEMENT).select_related("created_by")
    table_class = ReportTable
    filterset_class = ReportFilter
    right = Right.FINANCE_VIEW
    partner_wide = True
    section = "finance"
    title = _("Statements")
    template_name = "finance/statements.html"

    def get_context_data(self, **kwargs):
        kwargs["last_month"] = closed_month(self.request)
        return _polling(super().get_context_data(**kwargs))


def _polling(context: dict) -> dict:
    """The page refreshes its table while a report on it is still being prepared."""
    pending = (Report.Status.PENDING, Report.Status.RUNNING)
    context["poll"] = any(row.record.status in pending for row in context["table"].paginated_rows)
    return context


class StatementRequestView(PortalMixin, View):
    right = Right.FINANCE_VIEW
    partner_wide = True
    http_method_names = ["post"]

    def post(self, request):
        month = closed_month(request)
        reports.statement_request(partner=self.partner, month=month, actor=request.user)
        messages.success(
            request, _("The statement for %(month)s is being prepared.") % {"month": f"{month:%B %Y}"}
        )
        return redirect("finance:statements")


class ReportDownloadView(PortalDetailView):
    """A ready report's file; Report.objects.restrict keeps restricted members to their own reports."""

    queryset = Report.objects.filter(status=Report.Status.DONE)
    right = Right.FINANCE_VIEW
    section = "finance"

    def get(self, request, *args, **kwargs):
        report = self.get_object()
        return FileResponse(
            report.file.open("rb"), as_attachment=True, filename=report.file.name.rsplit("/", 1)[-1]
        )


class UsageView(PortalPageView):
    """Subaccount details: consumption by service, SKU, cloud, folder or subaccount, grouped by day, week or
    month, for at most 92 days — a chart before and after discount, the six money columns, and the same
    figures as .csv (``?export=csv``)."""

    template_name = "finance/usage.html"
    right = Right.FINANCE_VIEW
    section = "finance"

    def load(self):
        request = self.request
        self.form = UsageForm(request.GET or None, membership=self.membership)
        self.subaccount = None
        if self.form.is_bound and "subaccount" in self.form.errors:
            raise Http404(_("No such subaccount."))  # a link to another partner's or a hidden subaccount
        valid = self.form.is_valid()
        self.subaccount = self.form.cleaned_data.get("subaccount") if valid else None
        self.start, self.finish = self.form.day_range()
        # None while the period is refused: the form says why
        self.details = self.form.details(
            page=page_number(request), per_page=rows_per_page(request), using=replica.read_alias()
        )

    def export_csv(self):
        if self.details is None:
            return None  # the page, with the period's error, rather than a file of another period
        name = f"consumption-{self.start}-{self.finish}.csv"
        return csv_response(name, self.details.csv_header(), self.details.csv_rows())

    def get_context_data(self, **kwargs):
        if self.details is None:
            return super().get_context_data(form=self.form, details=None, **kwargs)
        table = UsageTable(self.details, membership=self.membership)
        # a long view is counted only as far as the pages around this one (UsageDetails.more)
        # (counted once the sort asked for is applied: one query for the page, its count and its totals)
        paginate = {
            "per_page": PAGE_SIZES[0],
            "paginator_class": CappedPaginator,
            "counted": self.details.__len__,
        }
        RequestConfig(self.request, paginate=paginate).configure(table)
        grouping = self.form.choice("group")
        buckets = self.details.buckets
        labels = month_labels(buckets) if grouping == "month" else day_labels(buckets)
        kwargs.update(
            form=self.form,
            table=table,
            details=self.details,
            subaccount=self.subaccount,
            start=self.start,
            finish=self.finish,
        )
        if self.details.totals:
            kwargs["chart"] = stacked_bars(
                title=str(_("Consumption before and after discount")),
                right=self.right,  # who may open the chart's image
                labels=labels,
                series=self.details.chart,
                stacked=False,
            )
        return super().get_context_data(**kwargs)


class CloudSearchView(PortalSearchView):
    """The Cloud picker's choices (Subaccount details): the clouds of the membership's own consumption, by
    name or id, each once with its latest name; a choice is the provider's cloud id."""

    queryset = UsageFolder.objects.all()
    search_fields = ("cloud_name", "cloud_id")
    ordering = selectors.PLACE_ORDER["cloud"]
    value_field = "cloud_id"
    right = Right.FINANCE_VIEW

    def get_queryset(self):
        return selectors.usage_places(membership=self.membership, key="cloud")

    def label(self, obj) -> str:
        return obj.cloud_name

    def hint(self, obj) -> str:
        return f"{obj.cloud_id} · {obj.subaccount.name}"


class FolderSearchView(PortalSearchView):
    """The Folder picker's choices: the folders of the membership's own consumption — of the cloud
    ``?cloud=`` only, when one is chosen — by name or id, each once; a choice is the provider's folder id."""

    queryset = UsageFolder.objects.all()
    search_fields = ("folder_name", "folder_id")
    ordering = selectors.PLACE_ORDER["folder"]
    value_field = "folder_id"
    right = Right.FINANCE_VIEW

    def get_queryset(self):
        cloud_id = self.request.GET.get("cloud", "").strip()[:64]
        return selectors.usage_places(membership=self.membership, key="folder", cloud_id=cloud_id)

    def label(self, obj) -> str:
        return obj.folder_name

    def hint(self, obj) -> str:
        return f"{obj.folder_id} · {obj.cloud_name}"


class BucketExportView(PortalListView):
    """Export to bucket: the partner's settings of the regular export of the detailed report (with "Test
    connection", which writes and deletes a small object), and each day's outcome below."""

    queryset = BucketExportDay.objects.all()
    table_class = BucketExportDayTable
    filterset_class = BucketExportDayFilter
    right = Right.FINANCE_EXPORT
    partner_wide = True  # the whole partner's rows go to the bucket
    section = "finance"
    title = _("Export to bucket")
    template_name = "finance/bucket_export.html"

    @cached_property
    def export(self) -> BucketExport:
        found = BucketExport.objects.restrict(self.membership).first()
        return found or BucketExport(partner=self.partner)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", getattr(self, "form", None) or BucketExportForm(instance=self.export))
        kwargs["export"] = self.export
        kwargs["progress"] = bucket_export.export_progress(self.export) if self.export.pk else None
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        self.form = form = BucketExportForm(request.POST, instance=self.export, membership=self.membership)
        if not form.is_valid():
            return self.get(request, *args, **kwargs)
        secret = form.cleaned_data["secret"]
        if "test" in request.POST:
            try:
                target = bucket_export.Target.of(form.instance, secret=secret)
                failed = bucket_export.test_connection(target)
            except bucket_export.StorageUnavailable as error:
                failed = str(error)
            if failed:
                messages.error(request, _("Test connection failed: %(problem)s") % {"problem": failed})
            else:
                messages.success(request, _("Connection works: a test object was written and deleted."))
            return self.get(request, *args, **kwargs)
        bucket_export.export_save(export=form.instance, secret=secret)
        messages.success(request, _("Export to bucket saved."))
        return redirect(reverse("finance:bucket_export"))
