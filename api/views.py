"""The API's resources. Each is a thin layer over its section: the same scoped querysets (``restrict``), the
same filtersets, the same services (rules, audit trail, emails) and the same rights as the pages.

``PartnerApiView`` does for a token what portal/tenancy.py and portal.views.PortalMixin do for a session:
once the token is authenticated, the partner's scope is open for the rest of the request, every audit entry
names the token, and every successful write is itself an audit entry (``api.write``)."""

from __future__ import annotations

from contextlib import ExitStack

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django_scopes import scope
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from access.audit import audit, through_token
from accounts import services as account_services
from accounts.filters import AccountFilter
from accounts.models import Account, AccountContact
from portal.permissions import Right
from subaccounts import lifecycle
from subaccounts import services as subaccount_services
from subaccounts.filters import SubaccountFilter
from subaccounts.models import Subaccount

from . import idempotency, serializers


class PartnerApiView(viewsets.GenericViewSet):
    section = ""  # the token scope's section (access.models.ApiToken.Section)
    read_right: Right | None = None
    write_right: Right | None = None
    partner_wide = False
    # any segment reaches the resource (a malformed id is its 404, with its own methods in Allow); the schema
    # still says integer, from the model
    lookup_value_regex = r"[^/]+"

    def right_for(self, request) -> Right:
        return self.read_right if request.method in SAFE_METHODS else self.write_right

    def dispatch(self, request, *args, **kwargs):
        with ExitStack() as self.request_context:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, rights and scopes, the rate
        self.membership = request.membership
        self.request_context.enter_context(scope(partner=self.membership.partner_id))
        self.request_context.enter_context(through_token(request.auth.name))

    def get_queryset(self):
        return super().get_queryset().restrict(self.membership)

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(request, "auth", None)
        wrote = request.method not in SAFE_METHODS and response.status_code < 400
        if token is not None and wrote and not response.headers.get("Idempotent-Replayed"):
            audit(
                partner_id=token.membership.partner_id,
                actor=request.user,
                action="api.write",
                target=f"{request.method} {request.path}",
                details={"status": response.status_code},
            )
        return super().finalize_response(request, response, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="List customer accounts", description="Current accounts unless `show` says."),
    retrieve=extend_schema(summary="One customer account"),
    create=extend_schema(summary="Create a customer account"),
    partial_update=extend_schema(summary="Edit a customer account"),
    update=extend_schema(summary="Replace a customer account's fields"),
)
class AccountViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PartnerApiView,
):
    """The Accounts section: search and filters as on its page (``q``, ``stage``, ``country``, ``show``)."""

    # the contacts as a plain list per account (``to_attr``): no queryset built per account
    queryset = Account.objects.select_related("owner").prefetch_related(
        Prefetch("contacts", queryset=AccountContact.objects.order_by("pk"), to_attr="contact_list")
    )
    serializer_class = serializers.AccountSerializer
    filterset_class = AccountFilter
    ordering_fields = ["name", "created_at"]
    section = "accounts"
    read_right = Right.ACCOUNTS_VIEW
    write_right = Right.ACCOUNTS_MANAGE

    def perform_create(self, serializer):
        account = Account(
            partner=self.membership.partner, owner=self.request.user, **serializer.validated_data
        )
        serializer.instance = account_services.account_save(account=account)

    def perform_update(self, serializer):
        account = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(account, field, value)
        serializer.instance = account_services.account_save(account=account)

    @extend_schema(
        request=None, responses=serializers.AccountSerializer, summary="Archive a customer account"
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        account = account_services.account_archive(account=self.get_object())
        return Response(self.get_serializer(account).data)

    @extend_schema(
        request=None, responses=serializers.AccountSerializer, summary="Restore an archived account"
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        account = account_services.account_restore(account=self.get_object())
        return Response(self.get_serializer(account).data)

    @extend_schema(
        request=serializers.SubaccountCreateSerializer,
        responses={201: serializers.SubaccountSerializer},
        parameters=[idempotency.PARAMETER],
        summary="Create a subaccount for this customer (sends the invitation)",
    )
    @action(detail=True, methods=["post"], url_path="subaccounts")
    @idempotency.idempotent
    def create_subaccount(self, request, pk=None):
        account = get_object_or_404(self.get_queryset().filter(archived_at__isnull=True), pk=pk)
        given = serializers.SubaccountCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        email = given.validated_data.get("customer_email") or account.contact_email()
        if not email:
            raise ValidationError({"customer_email": [_("This customer has no contact: give the email.")]})
        subaccount = subaccount_services.subaccount_create(
            account=account, name=given.validated_data["name"], customer_email=email, created_by=request.user
        )
        shown = serializers.SubaccountSerializer(subaccount, context=self.get_serializer_context())
        return Response(shown.data, status=status.HTTP_201_CREATED)


def _subaccount_action(name: str, summary: str):
    """A partner's status change of the subaccount lifecycle (subaccounts/lifecycle.py), as on its page."""

    def act(self, request, pk=None):
        given = serializers.ReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        subaccount = subaccount_services.subaccount_act(
            subaccount=self.get_object(),
            action=name,
            actor=request.user,
            reason=given.validated_data["reason"],
        )
        subaccount.refresh_from_db()
        return Response(self.get_serializer(subaccount).data)

    act.__name__ = name
    act = action(detail=True, methods=["post"])(act)
    return extend_schema(
        request=serializers.ReasonSerializer, responses=serializers.SubaccountSerializer, summary=summary
    )(act)


@extend_schema_view(
    list=extend_schema(
        summary="List subaccounts", description="Search and filters as on the Subaccounts page."
    ),
    retrieve=extend_schema(summary="One subaccount, with its status"),
)
class SubaccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PartnerApiView):
    queryset = Subaccount.objects.select_related("account")
    serializer_class = serializers.SubaccountSerializer
    filterset_class = SubaccountFilter
    ordering_fields = ["name", "created_at"]
    section = "accounts"
    read_right = Right.ACCOUNTS_VIEW
    write_right = Right.ACCOUNTS_MANAGE

    @extend_schema(request=None, responses=serializers.SubaccountSerializer, summary="Resend the invitation")
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        subaccount = subaccount_services.invitation_resend(subaccount=self.get_object(), actor=request.user)
        return Response(self.get_serializer(subaccount).data)

    suspend = _subaccount_action(lifecycle.SUSPEND.name, "Stop services (a reason is required)")
    resume = _subaccount_action(lifecycle.RESUME.name, "Resume services")
    deactivate = _subaccount_action(lifecycle.DEACTIVATE.name, "Deactivate (final)")
    cancel = _subaccount_action(lifecycle.CANCEL.name, "Cancel the invitation")
