"""The project's configuration: settings per environment, the URL map, the Celery app and the WSGI entry
point. It imports the sections; nothing imports it."""

from .celery import app as celery_app

__all__ = ("celery_app",)
