"""The admin API's OpenAPI 3 schema (drf-spectacular, ``/api/admin/schema``): only the
``/api/admin/*`` routes, authenticated by App Bridge session tokens.

Loaded through ``SPECTACULAR_SETTINGS["PREPROCESSING_HOOKS"]`` before any view is inspected,
which also registers the authentication extension below.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ADMIN_PREFIX = "/api/admin/"


def admin_endpoints_only(*, endpoints):
    """The schema documents the admin API, not itself, webhooks or the app proxy."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith(ADMIN_PREFIX) and endpoint[0] != f"{ADMIN_PREFIX}schema"
    ]


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "shopify_app.authentication.SessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An App Bridge session token (HS256, signed with the app's secret).",
        }
