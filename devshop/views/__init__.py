"""devshop's HTTP endpoints: Shopify's (OAuth, Admin GraphQL, billing) and its own controls."""
