"""The points program's door for shoppers: the launcher's "points" section and its actions,
behind the app proxy (``shopify_app.views.api.AppProxyAPIView``). Registered in
``loyalty.apps.LoyaltyConfig.ready()``; the contract is CONTRACT-launcher.md."""
