"""Every GraphQL document the app sends to Shopify, as named module constants.

One module per subject (``webhooks``; others add ``bulk``, ``discounts``, ``customers``…).
A document is an UPPER_CASE ``str`` constant holding one named operation, sent with
``shopify_app.admin_api.execute``/``mutate``. ``tests/shopify_app/test_graphql_documents.py``
validates every such constant in this package (and any GraphQL-looking constant elsewhere in
the project) against Shopify's Admin schema for the pinned version
(``shopify_app/schema/admin_<version>.json.gz``), so a document that Shopify would refuse
fails CI, not production.
"""
