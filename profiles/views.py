from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from portal.permissions import Right
from portal.views import PortalPageView, PortalUpdateView

from . import selectors, services
from .forms import ContactFormSet, PartnerProfileForm, PayoutDetailsForm
from .models import PayoutDetails


class ProfileView(PortalPageView):
    template_name = "profiles/profile.html"
    right = Right.PROFILE_VIEW
    section = "profiles"

    def get_context_data(self, **kwargs):
        partner = self.partner
        kwargs.update(
            partner=partner,
            specializations=selectors.specialization_progress(membership=self.membership),
            contacts=partner.contacts.all(),
            payout=selectors.payout_details(membership=self.membership),
        )
        return super().get_context_data(**kwargs)


class ProfileEditView(PortalUpdateView):
    """Only the partner's own organisation: the object is the current partner, never taken from the URL."""

    form_class = PartnerProfileForm
    formset_class = ContactFormSet
    template_name = "portal/object_formset_form.html"
    right = Right.PROFILE_EDIT
    section = "profiles"
    title = _("Edit partner profile")
    success_message = _("Partner profile saved.")
    success_url = reverse_lazy("profiles:profile")

    def get_object(self, queryset=None):
        return self.partner

    def save_object(self, form):
        return services.profile_update(
            partner=self.partner,
            actor=self.request.user,
            contacts=self.formset,
            **{f: form.cleaned_data[f] for f in services.PROFILE_FIELDS},
        )


class PayoutDetailsEditView(PortalUpdateView):
    form_class = PayoutDetailsForm
    right = Right.PROFILE_EDIT
    section = "profiles"
    title = _("Payout details")
    success_message = _("Payout details saved.")
    success_url = reverse_lazy("profiles:profile")

    def get_object(self, queryset=None):
        return selectors.payout_details(membership=self.membership) or PayoutDetails(partner=self.partner)

    def save_object(self, form):
        return services.payout_details_update(
            partner=self.partner,
            actor=self.request.user,
            code=form.cleaned_data.get("code", ""),
            **{f: form.cleaned_data[f] for f in services.PAYOUT_FIELDS},
        )
