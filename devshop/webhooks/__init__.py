"""devshop's webhooks: bodies built from Shopify's examples (``payloads``) and signed delivery
with Shopify's headers, retries and fault knobs (``delivery``)."""
