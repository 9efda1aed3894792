from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# Where a user without a second factor may still go: allauth (to set it up, or log out), the partner
# switch (to a partner that does not require it), static files, the API (its tokens, not the session,
# authenticate; they are made on pages that do require the second factor).
OPEN_PREFIXES = ("/auth/", "/switch-partner/", "/static/", "/i18n/", "/api/")


class RequireTwoFactorMiddleware:
    """A partner that requires two-factor authentication sends users without it to set it up first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        partner = getattr(request, "partner", None)
        if (
            partner is not None
            and partner.require_two_factor
            and not request.path.startswith(OPEN_PREFIXES)
            and not is_mfa_enabled(request.user)
        ):
            messages.warning(
                request,
                _("%(partner)s requires two-factor authentication. Set it up to continue.")
                % {"partner": partner},
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
