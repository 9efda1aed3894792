from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet

from .models import Membership, UserPreferences


def user_language(user) -> str | None:
    """The language a user chose in the header (None: the portal's default)."""
    chosen = UserPreferences.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen or None


def staff_recipients() -> list[tuple[str, str | None]]:
    """The provider's active staff (Django admin's users), each with their language."""
    staff = get_user_model().objects.filter(is_staff=True, is_active=True)
    return sorted(
        (email, language or None)
        for email, language in staff.values_list("email", "preferences__language")
        if email
    )


def members_for_list() -> QuerySet[Membership]:
    """Memberships with their user and whether the user has set up two-factor authentication."""
    totp = Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP)
    return Membership.objects.select_related("user").annotate(two_factor=Exists(totp))


def user_exists(email: str) -> bool:
    """Whether someone already signed up with this address (any case): an invitee logs in rather than
    setting a password."""
    return get_user_model().objects.filter(email__iexact=email).exists()
