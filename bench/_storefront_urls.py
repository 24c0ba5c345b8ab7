"""The app's routes plus ``/bench/noop``: a Django view that does nothing, behind the same
middleware, under the same server — what a request costs before any of our work. It takes
POSTs too (CSRF-exempt, as the app's DRF views are), for the benchmarks of storefront writes."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def noop(request) -> HttpResponse:
    request.body  # noqa: B018 — read, as a real view reads a POST's body
    return HttpResponse(b"{}", content_type="application/json")


urlpatterns = [path("bench/noop", noop), *app_urlpatterns]
