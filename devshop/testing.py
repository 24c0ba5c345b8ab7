"""Run devshop and the app in one process: a requests adapter that serves requests in-process.

Both the app (``shopify_app.http.session``) and devshop (its outgoing webhooks and proxy
requests) speak plain HTTP through ``requests``. In tests we mount ``InProcessAdapter`` on
those sessions for ``http://testserver/``, so a request is handled by Django's test client
against the test URLconf (app + devshop) on the same database connection, inside the test's
transaction. Nothing is mocked: the full request/response path of both sides runs.
"""

from __future__ import annotations

from io import BytesIO
from urllib.parse import urlsplit

import requests
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

BASE_URL = "http://testserver"

# Headers the test client would otherwise mangle or that describe the transport, not the call.
_SKIP_REQUEST_HEADERS = {"content-length", "host", "connection", "accept-encoding"}


class InProcessAdapter(BaseAdapter):
    """Serve a ``requests`` PreparedRequest with Django's test ``Client``."""

    def __init__(self) -> None:
        super().__init__()
        self.client = Client(raise_request_exception=True)
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.requests.append(request)
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in _SKIP_REQUEST_HEADERS
        }
        content_type = headers.pop("Content-Type", headers.pop("content-type", None))
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        response = self.client.generic(
            request.method,
            path,
            data=body,
            content_type=content_type or "application/octet-stream",
            headers=headers,
            follow=False,
        )
        return self._to_requests_response(request, response)

    @staticmethod
    def _to_requests_response(request, django_response) -> requests.Response:
        result = requests.Response()
        result.status_code = django_response.status_code
        result.headers = CaseInsensitiveDict(dict(django_response.items()))
        content = (
            b"".join(django_response.streaming_content)
            if getattr(django_response, "streaming", False)
            else django_response.content
        )
        result.raw = BytesIO(content)
        result._content = content
        result.url = request.url
        result.request = request
        result.reason = getattr(django_response, "reason_phrase", "")
        result.encoding = "utf-8"
        return result

    def close(self) -> None:
        return None
