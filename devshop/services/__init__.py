"""devshop's actions (writes). Each sends the webhooks Shopify sends for it.

Grouped by subject: ``shops`` (shops, install/uninstall), ``tokens`` (OAuth), ``customers``
(customers, tags, metafields), ``orders`` (create/pay/cancel/refund), ``discounts``,
``subscriptions`` (webhook subscriptions), ``bulk`` (bulk operations), ``billing``
(app subscriptions), ``gdpr`` (privacy requests).
"""
