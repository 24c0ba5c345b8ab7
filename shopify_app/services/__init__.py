"""Services of the Shopify edge (writes), split by subdomain: credentials, shops, ..."""
