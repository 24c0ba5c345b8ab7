"""Billing API (manual pricing): subscribe to a plan, read what is active, cancel."""

APP_SUBSCRIPTION_CREATE = """
mutation BillingAppSubscriptionCreate(
  $name: String!
  $lineItems: [AppSubscriptionLineItemInput!]!
  $returnUrl: URL!
  $test: Boolean
  $trialDays: Int
) {
  appSubscriptionCreate(
    name: $name
    lineItems: $lineItems
    returnUrl: $returnUrl
    test: $test
    trialDays: $trialDays
    replacementBehavior: APPLY_IMMEDIATELY
  ) {
    appSubscription {
      id
      status
    }
    confirmationUrl
    userErrors {
      field
      message
    }
  }
}
"""

APP_SUBSCRIPTION_CANCEL = """
mutation BillingAppSubscriptionCancel($id: ID!) {
  appSubscriptionCancel(id: $id, prorate: true) {
    appSubscription {
      id
      status
    }
    userErrors {
      field
      message
    }
  }
}
"""

ACTIVE_SUBSCRIPTIONS = """
query BillingActiveSubscriptions {
  currentAppInstallation {
    activeSubscriptions {
      id
      name
      status
      test
    }
  }
}
"""

SHOP_PLAN = """
query BillingShopPlan {
  shop {
    plan {
      partnerDevelopment
    }
  }
}
"""
