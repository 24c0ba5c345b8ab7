"""Test URLconf: the app and devshop side by side, so both can run in one process.

devshop serves its shops under /store/<shop>/ and its controls under /devshop/, which never
collide with the app's routes.
"""

from django.urls import include, path

from config.urls import urlpatterns as app_urlpatterns

urlpatterns = [*app_urlpatterns, path("", include("devshop.urls"))]
