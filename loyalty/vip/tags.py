"""The member's tier as a Shopify customer tag (for segments, flows and the merchant's eye).

``tagsAdd`` and ``tagsRemove`` are idempotent on Shopify's side (adding a tag the customer has,
or removing one they lack, is a no-op), so the sync simply states the end result: the current
tier's tag added, every other tier's tag of the shop removed. It runs after commit from a
Celery task (``vip.tasks``), which retries on retriable errors; a later change's sync reads the
state again, so two syncs of one member in any order end on the latest tier.
"""

from __future__ import annotations

from loyalty.vip.models import MemberTier, Tier
from shopify_app import admin_api
from shopify_app.models import Customer

TAGS_ADD = """
mutation VipTagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) {
    node {
      id
    }
    userErrors {
      field
      message
    }
  }
}
"""

TAGS_REMOVE = """
mutation VipTagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) {
    node {
      id
    }
    userErrors {
      field
      message
    }
  }
}
"""


def member_tags_plan(*, member_id: int) -> tuple[Customer, list[str], list[str]] | None:
    """(customer, tags to add, tags to remove) for the member's current tier; None when the
    member or their customer is gone or redacted."""
    state = MemberTier.objects.select_related("tier", "member__customer").filter(
        member_id=member_id
    )
    found = state.first()
    if found is None:
        return None
    customer = found.member.customer
    if customer.redacted_at or customer.deleted_at:
        return None
    current = found.tier.customer_tag.strip() if found.tier and found.tier.active else ""
    others = {
        tag.strip()
        for tag in Tier.objects.filter(shop_id=found.shop_id).values_list("customer_tag", flat=True)
        if tag.strip()
    } - {current}
    return customer, [current] if current else [], sorted(others)


def member_tags_sync(*, member_id: int) -> tuple[list[str], list[str]]:
    """Write the member's tier tag to their Shopify customer; returns (added, removed).

    Raises ``admin_api``'s errors (the task retries the retriable ones)."""
    plan = member_tags_plan(member_id=member_id)
    if plan is None:
        return [], []
    customer, add, remove = plan
    gid = f"gid://shopify/Customer/{customer.shopify_id}"
    if remove:
        admin_api.mutate(
            shop=customer.shop,
            document=TAGS_REMOVE,
            variables={"id": gid, "tags": remove},
            field="tagsRemove",
        )
    if add:
        admin_api.mutate(
            shop=customer.shop,
            document=TAGS_ADD,
            variables={"id": gid, "tags": add},
            field="tagsAdd",
        )
    return add, remove
