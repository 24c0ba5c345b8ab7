"""devshop's embedded admin: the app in an iframe, as Shopify's admin shows it, with an App
Bridge stand-in (``app-bridge.js``) that hands the app correctly signed session tokens."""
