"""Discount codes for loyalty redemptions (``loyalty.services.redemption``).

Each redemption gets one code for one customer: ``context.customers.add`` (``customerSelection``
is deprecated), ``usageLimit: 1``, ``appliesOncePerCustomer: true``, ``endsAt``. Percentages are
fractions 0-1. The code string is derived from the redemption id, so a retry after a lost
response gets ``TAKEN`` and ``CODE_DISCOUNT_NODE_BY_CODE`` finds the code already made.
"""

DISCOUNT_CODE_BASIC_CREATE = """
mutation DiscountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode {
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

DISCOUNT_CODE_FREE_SHIPPING_CREATE = """
mutation DiscountCodeFreeShippingCreate(
  $freeShippingCodeDiscount: DiscountCodeFreeShippingInput!
) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount) {
    codeDiscountNode {
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

CODE_DISCOUNT_NODE_BY_CODE = """
query CodeDiscountNodeByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) {
    id
  }
}
"""

# A granted reward's code (``loyalty.services.grants``): before voiding it, whether it was used.
CODE_DISCOUNT_USAGE_BY_CODE = """
query CodeDiscountUsageByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) {
    id
    codeDiscount {
      __typename
      ... on DiscountCodeBasic {
        status
        asyncUsageCount
      }
      ... on DiscountCodeFreeShipping {
        status
        asyncUsageCount
      }
    }
  }
}
"""

# Ends the code now; Shopify keeps it (status EXPIRED), so the merchant still sees what it was.
DISCOUNT_CODE_DEACTIVATE = """
mutation DiscountCodeDeactivate($id: ID!) {
  discountCodeDeactivate(id: $id) {
    codeDiscountNode {
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
