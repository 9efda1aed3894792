"""Production: everything secret or host-specific must come from the environment."""

from .base import *  # noqa: F403
from .base import broker_url, database, env

DATABASES = {"default": database(allow_embedded=False)}
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = broker_url(allow_embedded=False)  # results on the same Redis

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
