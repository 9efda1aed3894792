"""The sales tools in the API (token section ``tools``): deal and project registrations, referral links and
the referral statistics — the pages' querysets, filtersets, forms and services, with the pages' rights (view:
``tools.view``; write: ``tools.use``). The provider's own steps of a registration (approve, reject, expire)
are not the partner's and are not here."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.periods import PRESETS, PeriodForm
from portal.permissions import Right
from referral import selectors as referral_selectors
from referral import services as referral_services
from referral.filters import ReferralLinkFilter
from referral.models import ReferralLink
from tools import services as tools_services
from tools.filters import RegistrationFilter
from tools.models import Registration

from . import tools_serializers as serializers
from .views import PartnerApiView

SECTION = "tools"


class ToolsApiView(PartnerApiView):
    section = SECTION
    read_right = Right.TOOLS_VIEW
    write_right = Right.TOOLS_USE


@extend_schema_view(
    list=extend_schema(
        summary="List deal and project registrations",
        description="Search and filters as on the page: `q` (customer name), `kind`, `status`.",
    ),
    retrieve=extend_schema(
        summary="One registration, with its status and history",
        responses=serializers.RegistrationDetailSerializer,
    ),
    create=extend_schema(
        summary="Register a deal or project (a draft: submit it next)",
        description="The page's form decides what is valid; the customer is one of your current accounts.",
    ),
    partial_update=extend_schema(summary="Edit a draft registration"),
    update=extend_schema(summary="Replace a draft registration's fields"),
)
class RegistrationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ToolsApiView,
):
    queryset = Registration.objects.select_related("account")
    serializer_class = serializers.RegistrationSerializer
    filterset_class = RegistrationFilter
    ordering_fields = ["created_at", "expected_monthly"]
    ordering = ("-created_at",)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.RegistrationDetailSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        registration = Registration(partner=self.membership.partner, **serializer.validated_data)
        serializer.instance = tools_services.registration_save(
            registration=registration, actor=self.request.user
        )

    def perform_update(self, serializer):
        registration = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(registration, field, value)
        # only a draft: the service refuses any other (409), as the page offers no edit for it
        serializer.instance = tools_services.registration_save(
            registration=registration, actor=self.request.user
        )

    def _shown(self, registration, serializer_class=serializers.RegistrationDetailSerializer):
        return Response(serializer_class(registration, context=self.get_serializer_context()).data)

    @extend_schema(
        request=None,
        responses=serializers.RegistrationSubmittedSerializer,
        summary="Submit a draft for review",
        description="The program's rules are checked as on the page; a refusal (409) says why, in its words.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        registration = tools_services.registration_submit(registration=self.get_object(), actor=request.user)
        # what the page says after a submission: only that another partner holds the customer, never who
        registration.notices = [str(tools_services.ALREADY_REGISTERED)] if registration.conflict else []
        return self._shown(registration, serializers.RegistrationSubmittedSerializer)

    @extend_schema(
        request=None,
        responses=serializers.RegistrationDetailSerializer,
        summary="Withdraw a draft or a registration under review",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        registration = tools_services.registration_withdraw(
            registration=self.get_object(), actor=request.user
        )
        return self._shown(registration)


@extend_schema_view(
    list=extend_schema(
        summary="List referral links with their figures",
        description="Clicks, sign-ups, active customers and (for roles that see money) commission so far; "
        "search `q` and `status` (`active`, `deactivated`) as on the page.",
    ),
    retrieve=extend_schema(summary="One referral link with its figures"),
    create=extend_schema(
        summary="Create a referral link",
        description="Refused (409) when the referral program is closed to the partner, as on the page.",
    ),
)
class ReferralLinkViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ToolsApiView
):
    queryset = ReferralLink.objects.all()
    serializer_class = serializers.ReferralLinkSerializer
    filterset_class = ReferralLinkFilter
    ordering_fields = ["created_at", "name"]
    ordering = ("-created_at",)

    def get_queryset(self):
        return referral_selectors.with_figures(super().get_queryset())

    def get_serializer_context(self):
        membership = getattr(self, "membership", None)
        shows_money = membership is not None and referral_selectors.shows_money(membership)
        return {**super().get_serializer_context(), "shows_money": shows_money}

    def create(self, request, *args, **kwargs):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        link = referral_services.link_create(
            partner=self.membership.partner,
            name=given.validated_data["name"],
            landing_url=given.validated_data["landing_url"],
            actor=request.user,
        )
        shown = self.get_serializer(self.get_queryset().get(pk=link.pk))
        return Response(shown.data, status=status.HTTP_201_CREATED)


PERIOD_PARAMETERS = [
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        enum=[value for value, _label in PRESETS],
        description="A preset, or `custom` with `start` and `finish`; the last 12 months when left out.",
    ),
    OpenApiParameter("start", OpenApiTypes.STR, description="The first month of a custom period: `YYYY-MM`."),
    OpenApiParameter("finish", OpenApiTypes.STR, description="The last month of a custom period: `YYYY-MM`."),
]


class ReferralStatisticsViewSet(ToolsApiView):
    """The Referral statistics page's figures by month, from its selector: one summary, not a list of rows
    (so served as ``statistics``, not as a viewset's paginated ``list``)."""

    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses=serializers.ReferralStatisticsSerializer,
        summary="Referral clicks, sign-ups, conversion and commission by month",
        description="The period is checked as on the page (at most 36 months, in order); commission is null "
        "for a role that does not see money or a member limited to some customers, as on the page.",
    )
    def statistics(self, request):
        period = PeriodForm.from_query(request.query_params)
        if not period.is_valid():  # the page shows the form's errors; here they are the refusal
            raise serializers.form_refusal(period)
        months = period.month_range()
        rows = referral_selectors.monthly_statistics(membership=self.membership, months=months)
        shows_money = referral_selectors.shows_money(self.membership)
        figures = {
            "first_month": months.first,
            "last_month": months.last,
            "months": [
                {
                    "month": row.month,
                    "clicks": row.clicks,
                    "signups": row.signups,
                    "conversion": row.conversion,
                    "commission": row.commission if shows_money else None,
                }
                for row in rows
            ],
        }
        return Response(serializers.ReferralStatisticsSerializer(figures).data)


referral_statistics = ReferralStatisticsViewSet.as_view({"get": "statistics"})
