from django.urls import path  # noqa: F401  (routes are added as devshop grows)

urlpatterns: list = []
