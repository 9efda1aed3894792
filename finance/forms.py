from django import forms
from django.utils.translation import gettext_lazy as _

from portal.money import Currency

from .models import Pool, Withdrawal


class WithdrawalForm(forms.Form):
    """Step one asks; step two (``confirmed``) shows the same values back before anything is held."""

    pool = forms.ChoiceField(
        choices=[(Pool.REBATES, Pool.REBATES.label), (Pool.REFERRAL, Pool.REFERRAL.label)],
        widget=forms.HiddenInput,
    )
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0.01)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    destination = forms.ChoiceField(
        label=_("Destination"), choices=Withdrawal.Destination.choices, widget=forms.RadioSelect
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
