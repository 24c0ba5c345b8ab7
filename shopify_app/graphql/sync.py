"""Initial sync (bulk operations) and reconciliation (paged recent changes) of the mirrors.

The customer and order selections are shared by the bulk queries and the reconciliation
pages, so both paths read the same fields and map them the same way (``shopify_app.sync.rows``
and ``shopify_app.sync.payloads``). Money is always the ``shopMoney`` side of a ``*Set``.

Bulk query rules (shopify-platform.md §9): at most five connections, nested at most two deep,
nested connections need no ``first``, and a connection may not sit inside a list field. So an
order's ``refunds`` (a list) carries only its scalar totals: refund line items are a connection
and cannot be read in bulk; ``refunds/create`` webhooks and reconciliation bring them.

``LineItem.isGiftCard`` is not selected yet: devshop does not implement it, and every document
here runs against devshop in the tests. The mapping reads it when present, so adding it back is
one line once devshop serves it; until then synced line items have ``gift_card: false``.
"""

_MONEY = "shopMoney { amount currencyCode }"

_CUSTOMER_FIELDS = """
      id
      defaultEmailAddress { emailAddress }
      defaultPhoneNumber { phoneNumber }
      firstName
      lastName
      state
      tags
      amountSpent { amount currencyCode }
      numberOfOrders
      createdAt
      updatedAt
"""

_ORDER_FIELDS = f"""
      id
      name
      email
      currencyCode
      displayFinancialStatus
      test
      sourceName
      customer {{ id }}
      subtotalPriceSet {{ {_MONEY} }}
      totalPriceSet {{ {_MONEY} }}
      totalDiscountsSet {{ {_MONEY} }}
      totalShippingPriceSet {{ {_MONEY} }}
      totalTaxSet {{ {_MONEY} }}
      currentTotalPriceSet {{ {_MONEY} }}
      currentSubtotalPriceSet {{ {_MONEY} }}
      discountCodes
      customAttributes {{ key value }}
      processedAt
      cancelledAt
      createdAt
      updatedAt
      refunds {{
        id
        createdAt
        totalRefundedSet {{ {_MONEY} }}
      }}
"""

_LINE_ITEM_FIELDS = f"""
          id
          quantity
          variant {{ id }}
          product {{ id }}
          originalUnitPriceSet {{ {_MONEY} }}
          totalDiscountSet {{ {_MONEY} }}
"""

# The queries run in bulk: the whole shop, children as separate JSONL lines (`__parentId`).
CUSTOMERS_BULK_QUERY = f"""
query SyncCustomersBulk {{
  customers {{
    edges {{
      node {{{_CUSTOMER_FIELDS}      }}
    }}
  }}
}}
"""

ORDERS_BULK_QUERY = f"""
query SyncOrdersBulk {{
  orders {{
    edges {{
      node {{{_ORDER_FIELDS}        lineItems {{
          edges {{
            node {{{_LINE_ITEM_FIELDS}            }}
          }}
        }}
      }}
    }}
  }}
}}
"""

BULK_OPERATION_RUN_QUERY = """
mutation SyncBulkOperationRunQuery($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation {
      id
      status
      createdAt
    }
    userErrors {
      field
      message
      code
    }
  }
}
"""

BULK_OPERATION = """
query SyncBulkOperation($id: ID!) {
  bulkOperation(id: $id) {
    id
    status
    errorCode
    createdAt
    completedAt
    objectCount
    rootObjectCount
    fileSize
    url
    partialDataUrl
  }
}
"""

# Reconciliation pages: what changed in a window of Shopify's updated_at, oldest first.
CUSTOMERS_UPDATED = f"""
query SyncCustomersUpdated($first: Int!, $after: String, $query: String!) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{{_CUSTOMER_FIELDS}    }}
    pageInfo {{
      hasNextPage
      endCursor
    }}
  }}
}}
"""

# Query cost is about `first` x (order + its line items): keep both small enough to stay under
# Shopify's 1,000-point ceiling per query (shopify-platform.md §10).
ORDERS_UPDATED = f"""
query SyncOrdersUpdated($first: Int!, $after: String, $query: String!, $lineItems: Int!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{{_ORDER_FIELDS}      lineItems(first: $lineItems) {{
        nodes {{{_LINE_ITEM_FIELDS}        }}
        pageInfo {{
          hasNextPage
        }}
      }}
    }}
    pageInfo {{
      hasNextPage
      endCursor
    }}
  }}
}}
"""

# The refunds of one order with their lines, for reconciliation of a lost refunds/create
# (connections inside the refunds list are fine outside bulk operations). A refund's time is its
# `createdAt` (Shopify processes a refund when it creates it) and its amount `totalRefundedSet`.
# 5 refunds x 25 lines (about 6 points per line) stay under the 1,000-point ceiling.
ORDER_REFUNDS = f"""
query SyncOrderRefunds($id: ID!) {{
  order(id: $id) {{
    id
    refunds(first: 5) {{
      id
      createdAt
      totalRefundedSet {{ {_MONEY} }}
      refundLineItems(first: 25) {{
        nodes {{
          lineItem {{ id }}
          quantity
          subtotalSet {{ {_MONEY} }}
          totalTaxSet {{ {_MONEY} }}
        }}
      }}
    }}
  }}
}}
"""
