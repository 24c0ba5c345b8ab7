"""The app's routes plus two baselines under the same server:

- ``/bench/noop``: a Django view that does nothing, behind the same middleware — what a request
  costs before any of our work (the issue's baseline). It takes POSTs too (CSRF-exempt, as the
  app's DRF views are), for the benchmarks of storefront writes;
- ``/proxy/api/noop``: a storefront API view that does nothing but what every proxied request
  does — the same middleware, DRF, the app proxy signature check, throttles as configured and
  ``Cache-Control`` — answering ``{}``: the floor a cached GET state can approach.
"""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as app_urlpatterns
from shopify_app.authentication import AppProxySignatureAuthentication
from shopify_app.views.api import AppProxyAPIView


@csrf_exempt
def noop(request) -> HttpResponse:
    request.body  # noqa: B018 — read, as a real view reads a POST's body
    return HttpResponse(b"{}", content_type="application/json")


class ProxyNoopApi(AppProxyAPIView):
    authentication_classes = [AppProxySignatureAuthentication]

    def get(self, request):
        return HttpResponse(b"{}", content_type="application/json")


urlpatterns = [
    path("bench/noop", noop),
    path("proxy/api/noop", ProxyNoopApi.as_view()),
    *app_urlpatterns,
]
