"""Project configuration: settings, URLs, the Celery app and cross-cutting HTTP pieces."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
