"""HTTP entry points of the Shopify edge: install/auth pages, the embedded admin document, the
admin API base classes. (Webhook intake lives in ``shopify_app.webhooks.views``.)"""
