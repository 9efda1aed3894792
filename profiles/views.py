from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from portal.permissions import Right
from portal.views import PortalPageView, PortalUpdateView

from .forms import PartnerProfileForm


class ProfileView(PortalPageView):
    template_name = "profiles/profile.html"
    right = Right.PROFILE_VIEW
    section = "profiles"

    def get_context_data(self, **kwargs):
        partner = self.partner
        kwargs.update(
            partner=partner,
            specializations=partner.specializations.select_related("specialization"),
            contacts=partner.contacts.all(),
            payout=getattr(partner, "payout_details", None),
            show_personal_data=self.membership.has(Right.PERSONAL_DATA),
        )
        return super().get_context_data(**kwargs)


class ProfileEditView(PortalUpdateView):
    """Only the partner's own organisation: the object is the current partner, never taken from the URL."""

    form_class = PartnerProfileForm
    right = Right.PROFILE_EDIT
    section = "profiles"
    title = _("Edit partner profile")
    success_message = _("Partner profile saved.")
    success_url = reverse_lazy("profiles:profile")

    def get_object(self, queryset=None):
        return self.partner
