from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from portal.permissions import Right
from portal.views import PortalCreateView, PortalDetailView, PortalListView, PortalUpdateView

from . import services
from .filters import AccountFilter
from .forms import AccountForm
from .models import Account
from .tables import AccountTable


class AccountListView(PortalListView):
    queryset = (
        Account.objects.select_related("owner")
        .annotate(subaccount_count=Count("subaccounts"))
        .order_by("name")
    )
    filterset_class = AccountFilter
    table_class = AccountTable
    right = Right.ACCOUNTS_VIEW
    section = "accounts"
    title = _("Accounts")
    create_url_name = "accounts:create"


class AccountDetailView(PortalDetailView):
    queryset = Account.objects.select_related("owner")
    right = Right.ACCOUNTS_VIEW
    section = "accounts"

    def get_context_data(self, **kwargs):
        kwargs["subaccounts"] = self.object.subaccounts.all()
        kwargs["contacts"] = self.object.contacts.all()
        return super().get_context_data(**kwargs)


class AccountCreateView(PortalCreateView):
    model = Account
    queryset = Account.objects.all()
    form_class = AccountForm
    right = Right.ACCOUNTS_MANAGE
    section = "accounts"
    title = _("New customer account")
    success_message = _("Account “%(object)s” created.")

    def save_object(self, form):
        return services.account_create(
            partner=self.partner, created_by=self.request.user, **form.cleaned_data
        )


class AccountUpdateView(PortalUpdateView):
    queryset = Account.objects.all()
    form_class = AccountForm
    right = Right.ACCOUNTS_MANAGE
    section = "accounts"
    title = _("Edit customer account")
    success_message = _("Account “%(object)s” saved.")
