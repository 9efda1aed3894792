from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.permissions import Right
from portal.views import (
    PortalActionView,
    PortalCreateView,
    PortalDetailView,
    PortalListView,
    PortalSearchView,
    PortalUpdateView,
)

from . import selectors, services
from .filters import AccountFilter
from .forms import AccountForm, ContactFormSet
from .models import Account
from .tables import AccountTable


class AccountSearchView(PortalSearchView):
    """The customer-account choices of filters and forms: by name, legal name or tax id; ``?current=1``
    leaves archived accounts out (the forms that may not pick them)."""

    queryset = Account.objects.all()
    search_fields = ("name", "legal_name", "tax_id")
    right = Right.ACCOUNTS_VIEW

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.GET.get("current"):
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset

    def hint(self, obj) -> str:
        return obj.tax_id


class AccountListView(PortalListView):
    queryset = selectors.accounts_for_list()
    filterset_class = AccountFilter
    table_class = AccountTable
    right = Right.ACCOUNTS_VIEW
    section = "accounts"
    title = _("Accounts")
    create_url_name = "accounts:create"
    create_label = _("New account")


class AccountDetailView(PortalDetailView):
    queryset = selectors.account_with_details()
    right = Right.ACCOUNTS_VIEW
    section = "accounts"


class ContactsMixin:
    """The customer's contacts are personal data: only roles that see it edit them."""

    model = Account
    formset_class = ContactFormSet
    template_name = "portal/object_formset_form.html"

    def formset_allowed(self) -> bool:
        return self.membership.has(Right.PERSONAL_DATA)

    def save_object(self, form):
        return services.account_save(account=form.instance, contacts=self.formset)


class AccountCreateView(ContactsMixin, PortalCreateView):
    model = Account
    queryset = Account.objects.all()
    form_class = AccountForm
    right = Right.ACCOUNTS_MANAGE
    section = "accounts"
    title = _("New customer account")
    success_message = _("Account “%(object)s” created.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Account(partner=self.partner, owner=self.request.user)
        return kwargs

    def get_success_url(self):
        # created on the way to a new subaccount (Subaccounts → Create subaccount): continue to its form
        if self.request.GET.get("then") == "subaccount":
            return reverse("subaccounts:create", args=[self.object.pk])
        return super().get_success_url()


class AccountUpdateView(ContactsMixin, PortalUpdateView):
    queryset = Account.objects.all()
    form_class = AccountForm
    right = Right.ACCOUNTS_MANAGE
    section = "accounts"
    title = _("Edit customer account")
    success_message = _("Account “%(object)s” saved.")


class AccountArchiveView(PortalActionView):
    queryset = Account.objects.all()
    right = Right.ACCOUNTS_MANAGE
    section = "accounts"
    confirm_title = _("Archive customer account")
    confirm_text = _(
        "The account leaves the list of current customers. Nothing is deleted; you can restore it."
    )
    confirm_button = _("Archive")

    def act(self, account):
        services.account_archive(account=account)
        messages.success(
            self.request, _("“%(name)s” archived. You can restore it at any time.") % {"name": account}
        )
        return redirect(account)


class AccountRestoreView(PortalActionView):
    queryset = Account.objects.all()
    right = Right.ACCOUNTS_MANAGE
    section = "accounts"
    confirm_title = _("Restore customer account")
    confirm_text = _("The account returns to the list of current customers.")
    confirm_button = _("Restore")

    def act(self, account):
        services.account_restore(account=account)
        messages.success(self.request, _("“%(name)s” restored.") % {"name": account})
        return redirect(account)
