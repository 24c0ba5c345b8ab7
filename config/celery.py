"""The Celery app. Configuration lives in Django settings under the ``CELERY_`` namespace."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("loyalty")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules autodiscovery can't find (it only imports ``<app>.tasks``).
app.conf.include = ["config.tasks", "shopify_app.sync.tasks"]
