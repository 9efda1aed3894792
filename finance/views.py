from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.permissions import Right
from portal.views import PortalDetailView, PortalListView, PortalPageView

from . import selectors, services
from .filters import AccrualFilter, LedgerEntryFilter
from .forms import WithdrawalForm
from .models import Accrual, LedgerEntry, Pool
from .tables import AccrualTable, LedgerEntryTable


class AccrualListView(PortalListView):
    queryset = Accrual.objects.select_related("subaccount", "term")
    filterset_class = AccrualFilter
    table_class = AccrualTable
    right = Right.FINANCE_VIEW
    section = "finance"
    title = _("Accruals")
    template_name = "finance/accrual_list.html"

    def get_context_data(self, **kwargs):
        kwargs["balances"] = selectors.balances(partner=self.partner)
        return super().get_context_data(**kwargs)


class BalanceView(PortalListView):
    """The withdrawable balance of one pool (rebates, or referral with the switch): its ledger and totals."""

    queryset = LedgerEntry.objects.select_related("accrual", "withdrawal")
    filterset_class = LedgerEntryFilter
    table_class = LedgerEntryTable
    right = Right.FINANCE_VIEW
    section = "finance"
    template_name = "finance/balance.html"

    @property
    def pool(self) -> str:
        return Pool.REFERRAL if self.request.GET.get("pool") == Pool.REFERRAL else Pool.REBATES

    @property
    def title(self):
        return Pool(self.pool).label

    def get_queryset(self):
        return super().get_queryset().filter(pool=self.pool)

    def get_context_data(self, **kwargs):
        kwargs["pool"] = self.pool
        kwargs["balances"] = selectors.balances(partner=self.partner, pools=[self.pool])
        kwargs["may_withdraw"] = self.membership.has(Right.FINANCE_WITHDRAW)
        return super().get_context_data(**kwargs)


class WithdrawView(PortalPageView):
    """Withdraw: amount and destination, then a confirmation page, then the hold on the balance."""

    template_name = "finance/withdraw.html"
    right = Right.FINANCE_WITHDRAW
    section = "finance"

    def get(self, request):
        pool = request.GET.get("pool", Pool.REBATES)
        form = WithdrawalForm(
            initial={"pool": pool, "currency": self.partner.currency, "destination": "bank"}
        )
        return self.render_to_response(self.get_context_data(form=form, pool=pool))

    def post(self, request):
        form = WithdrawalForm(request.POST)
        context = {"form": form, "pool": request.POST.get("pool", Pool.REBATES)}
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(**context))
        data = form.cleaned_data
        if not data["confirmed"]:
            available = selectors.balance(
                partner_id=self.partner.pk, pool=data["pool"], currency=data["currency"]
            )
            return self.render_to_response(
                self.get_context_data(confirm=True, available=available, **context)
            )
        try:
            services.withdrawal_request(
                partner=self.partner,
                pool=data["pool"],
                amount=data["amount"],
                currency=data["currency"],
                destination=data["destination"],
                requested_by=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.render_to_response(self.get_context_data(**context))
        messages.success(
            request,
            _("Withdrawal of %(amount)s %(currency)s requested.")
            % {"amount": data["amount"], "currency": data["currency"]},
        )
        return redirect(f"{reverse('finance:balance')}?pool={data['pool']}")


class AccrualDetailView(PortalDetailView):
    queryset = Accrual.objects.select_related("subaccount", "term")
    right = Right.FINANCE_VIEW
    section = "finance"
