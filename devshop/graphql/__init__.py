"""devshop's Admin GraphQL API: Shopify's real schema, devshop's resolvers for a subset."""
