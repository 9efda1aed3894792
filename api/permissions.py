"""What a request with a token may do: its member's role must hold the right the pages ask for the same
action (portal/permissions.py), and the token's own scope must cover the section, for reading or writing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions


class SectionPermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        token = request.auth
        if token is None:
            return False  # DRF answers 401: no credentials
        write = request.method not in permissions.SAFE_METHODS
        if not token.allows(view.section, write=write):
            self.message = (
                _("This token may not change data in this section.")
                if write
                else _("This token may not read this section.")
            )
            return False
        membership = request.membership
        if not membership.has(view.right_for(request)):
            self.message = _("Your role does not allow this.")
            return False
        if getattr(view, "partner_wide", False) and membership.restricted:
            self.message = _("This covers every customer; your access is limited to some of them.")
            return False
        return True
