"""The Finance section through the API: balances, accruals, withdrawals, the consumption of Subaccount details
and the commission report. Each is a thin layer over the section's own selectors, forms, services and
reports, with the rights the finance pages ask (Right.FINANCE_VIEW; FINANCE_WITHDRAW to withdraw), the
token scope "finance", and the pages' wall for a member restricted to some customers: partner-wide money
(balances, withdrawals) is refused to them (403), their accruals, consumption and reports are of their
customers only."""

from __future__ import annotations

from django.forms import Form
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.response import Response

from access.models import ApiToken
from finance import reports, selectors, services
from finance.filters import AccrualFilter
from finance.forms import CommissionPeriodForm, UsageForm
from finance.models import WITHDRAWABLE_POOLS, Accrual, Pool, Report, Withdrawal
from portal import replica
from portal.periods import DAY_PRESETS, MAX_DAYS
from portal.permissions import Right
from subaccounts.models import Subaccount

from . import finance_serializers as serializers
from . import idempotency
from .filtering import refuse_empty
from .pagination import Cursor
from .problems import Conflict
from .views import PartnerApiView

# the consumption's parameters that are not free text: a date, a choice, an id
EXACT_PARAMETERS = (
    "period",
    "start",
    "finish",
    "view",
    "label",
    "group",
    "subaccount",
    "cloud",
    "folder",
    "page",
    "page_size",
)


class FinanceApiView(PartnerApiView):
    section = ApiToken.Section.FINANCE
    read_right = Right.FINANCE_VIEW
    write_right = Right.FINANCE_VIEW


def form_refusal(form: Form) -> ValidationError:
    """A page's form's errors as the API's field errors (a 400 problem), each under its field."""
    return ValidationError(
        {
            name: [ErrorDetail(error["message"], code=error["code"] or "invalid") for error in errors]
            for name, errors in form.errors.get_json_data().items()
        }
    )


@extend_schema_view(
    list=extend_schema(
        summary="The partner's balances",
        description="Per balance (pool) and currency, the sum of the ledger. `rebates` and `referral` can be "
        "withdrawn; `bonus` is the partner bonus, paid as a discount on the month-end invoice. The whole "
        "partner's: not for a member restricted to some customers (403).",
    )
)
class BalanceViewSet(FinanceApiView):
    serializer_class = serializers.BalanceSerializer
    partner_wide = True  # as the Balance page: the whole partner's money
    pagination_class = None
    filter_backends = []

    def list(self, request):
        balances = selectors.balances(membership=self.membership, pools=list(Pool))
        shown = [
            {
                "pool": b.pool,
                "pool_label": str(b.pool_label),
                "currency": b.currency,
                "amount": b.amount,
                "withdrawable": b.pool in WITHDRAWABLE_POOLS,
            }
            for b in balances
        ]
        return Response(self.get_serializer(shown, many=True).data)


class AccrualCursor(Cursor):
    ordering = ("-period", "program", "id")  # the Accruals page's order, on its index


@extend_schema_view(
    list=extend_schema(
        summary="List accruals",
        description="Each accrual as it stands (corrections summed in), newest period first; filters as on "
        "the Accruals page (`program`, `currency`).",
    ),
    retrieve=extend_schema(summary="One accrual, with its corrections"),
)
class AccrualViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FinanceApiView):
    queryset = Accrual.objects.with_corrections().select_related("subaccount", "term")
    serializer_class = serializers.AccrualSerializer
    filterset_class = AccrualFilter
    ordering_fields = ["period", "program", "currency", "created_at"]
    pagination_class = AccrualCursor

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.AccrualDetailSerializer
        return serializers.AccrualSerializer


class NewestFirst(Cursor):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="List withdrawals",
        description="Newest first; filter by `pool`, `status`, `currency`. The whole partner's: not for a "
        "member restricted to some customers (403).",
    ),
    retrieve=extend_schema(summary="One withdrawal, with its status"),
)
class WithdrawalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FinanceApiView):
    queryset = Withdrawal.objects.all()
    serializer_class = serializers.WithdrawalSerializer
    filterset_fields = ["pool", "status", "currency"]
    ordering_fields = ["created_at", "amount"]
    pagination_class = NewestFirst
    partner_wide = True
    write_right = Right.FINANCE_WITHDRAW

    @extend_schema(
        summary="Request a withdrawal",
        description="Holds the amount on the balance at once, under the balance's lock, as the Withdraw page "
        "does (the referral program pays out from 500 RUB; at most the available amount). Requires an "
        "`Idempotency-Key`: a retry with it returns the first withdrawal and holds nothing more.",
        request=serializers.WithdrawalRequestSerializer,
        responses={201: serializers.WithdrawalSerializer},
        parameters=[idempotency.PARAMETER],
    )
    @idempotency.idempotent
    def create(self, request):
        given = serializers.WithdrawalRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        grant = None
        if data.get("billing_account"):  # the service checks it is the partner's own and active
            grant = (
                Subaccount.objects.restrict(self.membership)
                .filter(billing_account_id=data["billing_account"])
                .first()
            )
        withdrawal = services.withdrawal_request(
            partner=self.membership.partner,
            pool=data["pool"],
            amount=data["amount"],
            currency=data["currency"],
            destination=data["destination"],
            grant_subaccount=grant,
            requested_by=request.user,
            request_key=idempotency.request_key(request),
        )
        return Response(self.get_serializer(withdrawal).data, status=status.HTTP_201_CREATED)


def _choices(field: str) -> list[str]:
    return [value for value, _label in UsageForm.base_fields[field].choices]


USAGE_PARAMETERS = [
    OpenApiParameter(
        "period",
        str,
        enum=[value for value, _label in DAY_PRESETS],
        description="A preset, or `custom` with `start` and `finish`; this month when left out.",
    ),
    OpenApiParameter("start", OpenApiTypes.DATE, description="The first day of a custom period."),
    OpenApiParameter(
        "finish", OpenApiTypes.DATE, description=f"The last day of a custom period (at most {MAX_DAYS} days)."
    ),
    OpenApiParameter("view", str, enum=_choices("view"), description="What a row is; `service` by default."),
    OpenApiParameter(
        "label",
        str,
        description="With `view=label`: the label key whose values are the rows; the first by default.",
    ),
    OpenApiParameter("group", str, enum=_choices("group"), description="Rows by day (default), week, month."),
    OpenApiParameter("q", str, description="Only the subaccounts whose name or billing account id holds it."),
    OpenApiParameter("subaccount", int, description="Only this subaccount (its id)."),
    OpenApiParameter("cloud", str, description="Only this cloud (the provider's cloud id)."),
    OpenApiParameter(
        "folder",
        str,
        description="Only this folder (the provider's folder id); with `cloud`, a folder of that cloud.",
    ),
    serializers.UsagePageSerializer,
]


@extend_schema_view(
    list=extend_schema(
        summary="Consumption (Subaccount details)",
        description="The figures of Finance → Subaccount details for a period of at most "
        f"{MAX_DAYS} days (days in the provider's time zone): one page of rows by `view` and `group`, and "
        "the period's totals per currency — Consumption cost, Discount, To be paid by client, Reward, "
        "Adjustment, To be paid by partner — with billing's precision (the totals' reward rounded per "
        "subaccount and month, as accrued). A restricted member's are of their customers only.",
        parameters=USAGE_PARAMETERS,
    )
)
class ConsumptionViewSet(FinanceApiView):
    serializer_class = serializers.UsageSerializer
    pagination_class = None
    filter_backends = []

    def list(self, request):
        query = request.query_params
        refuse_empty(query, EXACT_PARAMETERS)  # the page's form would take a value given empty as left out
        form = UsageForm(query or None, membership=self.membership)
        if form.is_bound and "subaccount" in form.errors:
            raise NotFound(
                _("No such subaccount.")
            )  # another partner's, or a customer hidden from the member
        if form.is_bound and not form.is_valid():
            raise form_refusal(form)
        paging = serializers.UsagePageSerializer(data=query)
        paging.is_valid(raise_exception=True)
        page, page_size = paging.validated_data["page"], paging.validated_data["page_size"]
        chosen = form.cleaned_data if form.is_bound else {}
        subaccount, cloud, folder = chosen.get("subaccount"), chosen.get("cloud"), chosen.get("folder")
        start, finish = form.day_range()
        view, group = form.choice("view"), form.choice("group")
        details = form.details(page=page, per_page=page_size, using=replica.read_alias())
        shown = {
            "start": start,
            "finish": finish,
            "view": view,
            "label": form.choice("label") if view == "label" and "label" in form.fields else "",
            "group": group,
            "subaccount": subaccount.pk if subaccount is not None else None,
            "cloud": cloud.cloud_id if cloud is not None else None,
            "folder": folder.folder_id if folder is not None else None,
            "count": len(details),
            "more": details.more,
            "page": page,
            "page_size": page_size,
            "rows": details.page_rows(),
            "totals": details.totals,
        }
        return Response(self.get_serializer(shown).data)


class ReportNotReady(Conflict):
    default_detail = _("The report is not ready yet.")
    default_code = "report_not_ready"


@extend_schema_view(
    retrieve=extend_schema(
        summary="A commission report's status",
        description="Poll it: `status` becomes `done` (then download it) or `failed`; `progress` in percent.",
    )
)
class CommissionReportViewSet(mixins.RetrieveModelMixin, FinanceApiView):
    """The detailed commission report of a period (Commission statistics → Prepare the report), prepared by
    Celery into a file; a member restricted to some customers sees only the reports they made."""

    queryset = Report.objects.filter(kind=Report.Kind.COMMISSION)
    serializer_class = serializers.CommissionReportSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        summary="Start a commission report",
        description="The detailed report of a period (one row per product, day and folder of the customers "
        "you see), prepared in the background: poll it, then download it.",
        request=serializers.ReportPeriodSerializer,
        responses={202: serializers.CommissionReportSerializer},
    )
    def create(self, request):
        given = serializers.ReportPeriodSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        form = CommissionPeriodForm({name: value.isoformat() for name, value in given.validated_data.items()})
        if not form.is_valid():
            raise form_refusal(form)
        report = reports.commission_request(
            membership=self.membership,
            start=form.cleaned_data["start"],
            finish=form.cleaned_data["finish"],
            actor=request.user,
        )
        return Response(self.get_serializer(report).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Download a commission report",
        description="The report's CSV file once its status is `done`; 409 before.",
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV file.")},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        report = self.get_object()
        if report.status == Report.Status.FAILED:
            raise ReportNotReady(_("The report could not be prepared: start it again."))
        if report.status != Report.Status.DONE:
            raise ReportNotReady(
                _("The report is not ready yet (%(progress)s%%): poll it until its status is done.")
                % {"progress": report.progress}
            )
        return FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=report.file.name.rsplit("/", 1)[-1],
            content_type="text/csv",
        )
