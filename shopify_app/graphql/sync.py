"""Initial sync (bulk operations) and reconciliation (paged recent changes) of the mirrors.

The customer and order selections are shared by the bulk queries and the reconciliation
pages, so both paths read the same fields and map them the same way (``shopify_app.sync.rows``
and ``shopify_app.sync.payloads``). Money is always the ``shopMoney`` side of a ``*Set``.

Bulk query rules (shopify-platform.md §9): at most five connections, nested at most two deep,
nested connections need no ``first``, and a connection may not sit inside a list field. So an
order's ``refunds`` (a list) carries only its scalar totals in bulk: refund line items,
transactions and shipping lines are connections; ``refunds/create`` webhooks and
reconciliation (``ORDER_REFUNDS``) bring them.
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
        processedAt
        totalRefundedSet {{ {_MONEY} }}
      }}
"""

_LINE_ITEM_FIELDS = f"""
          id
          quantity
          isGiftCard
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

# Our recent bulk query operations, newest first: a start that died after Shopify accepted it
# finds its operation here (``query`` tells which resource it reads) instead of starting another.
BULK_OPERATIONS_RECENT = """
query SyncBulkOperationsRecent($query: String!) {
  bulkOperations(first: 20, query: $query, sortKey: CREATED_AT) {
    nodes {
      id
      status
      query
      createdAt
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

# The refunds of one order with their lines, money movements and refunded shipping, for
# reconciliation of a lost refunds/create (connections inside the refunds list are fine outside
# bulk operations). 5 refunds x (25 lines, 3 transactions, 2 shipping lines) stay under the
# 1,000-point ceiling.
ORDER_REFUNDS = f"""
query SyncOrderRefunds($id: ID!) {{
  order(id: $id) {{
    id
    refunds(first: 5) {{
      id
      createdAt
      processedAt
      totalRefundedSet {{ {_MONEY} }}
      refundLineItems(first: 25) {{
        nodes {{
          lineItem {{ id isGiftCard }}
          quantity
          subtotalSet {{ {_MONEY} }}
          totalTaxSet {{ {_MONEY} }}
        }}
      }}
      transactions(first: 3) {{
        nodes {{
          id
          kind
          status
          amountSet {{ {_MONEY} }}
        }}
      }}
      refundShippingLines(first: 2) {{
        nodes {{
          subtotalAmountSet {{ {_MONEY} }}
          taxAmountSet {{ {_MONEY} }}
        }}
      }}
    }}
  }}
}}
"""
