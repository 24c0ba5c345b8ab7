"""The Admin GraphQL documents of the tiers' automatic discounts (``vip.discounts``): a
customer segment per tier, and the automatic basic discount that names it. Validated against
the vendored Admin schema with every other document (tests/shopify_app/test_graphql_documents).
"""

SEGMENTS_BY_NAME = """
query VipSegmentsByName($query: String!) {
  segments(first: 10, query: $query) {
    nodes {
      id
      name
      query
    }
  }
}
"""

SEGMENT_CREATE = """
mutation VipSegmentCreate($name: String!, $query: String!) {
  segmentCreate(name: $name, query: $query) {
    segment {
      id
    }
    userErrors {
      field
      message
    }
  }
}
"""

SEGMENT_UPDATE = """
mutation VipSegmentUpdate($id: ID!, $name: String, $query: String) {
  segmentUpdate(id: $id, name: $name, query: $query) {
    segment {
      id
    }
    userErrors {
      field
      message
    }
  }
}
"""

SEGMENT_DELETE = """
mutation VipSegmentDelete($id: ID!) {
  segmentDelete(id: $id) {
    deletedSegmentId
    userErrors {
      field
      message
    }
  }
}
"""

DISCOUNTS_BY_TAG = """
query VipDiscountsByTag($query: String!) {
  discountNodes(first: 10, query: $query) {
    nodes {
      id
      discount {
        __typename
      }
    }
  }
}
"""

DISCOUNT_CREATE = """
mutation VipDiscountCreate($discount: DiscountAutomaticBasicInput!) {
  discountAutomaticBasicCreate(automaticBasicDiscount: $discount) {
    automaticDiscountNode {
      id
    }
    userErrors {
      field
      message
      code
    }
  }
}
"""

DISCOUNT_UPDATE = """
mutation VipDiscountUpdate($id: ID!, $discount: DiscountAutomaticBasicInput!) {
  discountAutomaticBasicUpdate(id: $id, automaticBasicDiscount: $discount) {
    automaticDiscountNode {
      id
    }
    userErrors {
      field
      message
      code
    }
  }
}
"""

DISCOUNT_DELETE = """
mutation VipDiscountDelete($id: ID!) {
  discountAutomaticDelete(id: $id) {
    deletedAutomaticDiscountId
    userErrors {
      field
      message
      code
    }
  }
}
"""
