"""The embedded admin's API for the points program (``/api/admin/*``, included from
``config.urls``). Thin views over ``loyalty.services`` (writes) and ``loyalty.selectors``
(reads), on ``shopify_app``'s ``ShopAPIView``: the shop comes from the session token, and every
write passes the staff member's id to the service that records it."""
