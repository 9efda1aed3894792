"""``Authorization: Bearer <token>``: the token stands for its membership, as a session stands for its user
on the pages (portal/tenancy.py). The view opens the partner's scope once authenticated (api/views.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from access import services, tokens


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as: Authorization: Bearer <token>."))
        token = tokens.find(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid, has expired or was revoked."))
        membership = token.membership
        # the same attributes the pages read (portal/tenancy.py), on DRF's request and on Django's below it
        for target in (request, request._request):
            target.membership = membership
            target.partner = membership.partner
            target.memberships = [membership]
        services.api_token_used(token)
        return membership.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
