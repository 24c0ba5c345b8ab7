from django.contrib import admin
from django.urls import path

from config.health import health

urlpatterns = [
    path("healthz", health, name="health"),
    path("django-admin/", admin.site.urls),
]
