"""The demo / developer machine: DEBUG on, emails to the console."""

from .base import *  # noqa: F403
from .base import broker_url, database, env

DATABASES = {"default": database(allow_embedded=True)}
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = broker_url(allow_embedded=True)  # results on the same Redis

DEBUG = env.bool("DJANGO_DEBUG", default=True)
