"""The app's routes plus ``/bench/noop``: a Django view that does nothing, behind the same
middleware, under the same server — what a request costs before any of our work."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def noop(request) -> HttpResponse:
    return HttpResponse(b"{}", content_type="application/json")


urlpatterns = [path("bench/noop", noop), *app_urlpatterns]
