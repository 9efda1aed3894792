"""The current partner and membership, resolved once per request and checked on every request."""

from __future__ import annotations

from django.http import HttpRequest
from django_scopes import scope, scopes_disabled

from portal.permissions import ROLE_RIGHTS

SESSION_KEY = "portal_partner_id"


class TenancyMiddleware:
    """Sets ``request.memberships``, ``request.membership`` and ``request.partner``, and opens the partner's
    scope (portal/models.py) for the rest of the request.

    The partner chosen in the header is kept in the session, but only ever honoured if the user still holds a
    membership in it: a stale or forged session value falls back to the user's first partner.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.memberships = []
        request.membership = None
        request.partner = None
        if request.user.is_authenticated:
            with scopes_disabled():  # the user's partners, before one is chosen: across partners on purpose
                memberships = list(
                    request.user.memberships.filter(removed_at__isnull=True)
                    .select_related("partner")
                    .order_by("partner__name")
                )
            request.memberships = memberships
            chosen = request.session.get(SESSION_KEY)
            current = next((m for m in memberships if m.partner_id == chosen), None)
            if current is None and memberships:
                current = memberships[0]
            if current is not None:
                request.membership = current
                request.partner = current.partner
        if request.partner is None:  # signed out, or a user of no partner: no partner's rows at all
            return self.get_response(request)
        with scope(partner=request.partner.pk):  # every partner-owned query of the request: this partner's
            return self.get_response(request)


def switch_partner(request: HttpRequest, partner_id: int) -> bool:
    """Make ``partner_id`` the current partner if the user is a member of it; False otherwise."""
    membership = next((m for m in request.memberships if m.partner_id == partner_id), None)
    if membership is None:
        return False
    request.session[SESSION_KEY] = partner_id
    request.membership = membership
    request.partner = membership.partner
    return True


def tenancy_context(request: HttpRequest) -> dict:

    membership = getattr(request, "membership", None)
    return {
        "current_partner": getattr(request, "partner", None),
        "current_membership": membership,
        "user_memberships": getattr(request, "memberships", []),
        "rights": {str(r) for r in ROLE_RIGHTS.get(membership.role, ())} if membership else set(),
    }
