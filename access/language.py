"""The portal's language as each user chose it: the header's switch stores it on the user (and in the
session and the language cookie), a sign-in brings it back on any browser, and emails to the user are
written in it (``access.notifications.notify``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from .models import UserPreferences
from .selectors import user_language

SESSION_KEY = "portal_language"
CODES = {code for code, _name in settings.LANGUAGES}


def choose(request, language: str) -> bool:
    """Make ``language`` the visitor's (a signed-in user's for good); False when it is not one we speak."""
    if language not in CODES:
        return False
    request.session[SESSION_KEY] = language
    if request.user.is_authenticated:
        UserPreferences.objects.update_or_create(user=request.user, defaults={"language": language})
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return True


@receiver(user_logged_in, dispatch_uid="portal-language-at-sign-in")
def _at_sign_in(sender, request, user, **kwargs):
    chosen = user_language(user)
    if chosen in CODES and request is not None:
        request.session[SESSION_KEY] = chosen


class UserLanguageMiddleware:
    """After the session and the user: the language the user chose wins over the browser's; the language
    cookie follows it, so the public pages speak it after signing out too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if chosen in CODES:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if chosen in CODES and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
