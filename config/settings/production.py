"""Production: everything secret or host-specific must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import broker_url, caches, database, env, with_replica

DATABASES = with_replica({"default": database(allow_embedded=False)})
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = broker_url(allow_embedded=False)  # results on the same Redis
CACHES = caches(CELERY_BROKER_URL)

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = False
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="")
if not PORTAL_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "Set PORTAL_BASE_URL to the portal's public https:// address (e.g. https://partners.example.com): "
        "the links in its emails — customer and access invitations, referral links — are built on it."
    )
# HTTPS only: the TLS-terminating proxy in front says X-Forwarded-Proto; plain HTTP is redirected, and
# browsers are told (HSTS) never to try it again; the "preload" directive alone enrolls nothing, it lets
# the domain's owner submit it to the browsers' preload list (DJANGO_HSTS_PRELOAD=false leaves it out)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
