"""The shop's own details, read after install (``shopify_app.services.shops``)."""

# ``plan.displayName`` is deprecated in 2026-07 in favour of ``publicDisplayName``.
SHOP_DETAILS = """
query ShopDetails {
  shop {
    id
    name
    email
    myshopifyDomain
    currencyCode
    ianaTimezone
    plan {
      publicDisplayName
    }
  }
}
"""
