"""devshop's demo storefront: a plain theme page with the app's theme app extension embedded."""
