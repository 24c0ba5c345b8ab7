"""Drive the app as Shopify does: devshop's payload builders (Shopify's example bodies filled
with our data) stored in the real inbox and processed by the real dispatcher, so the mirror
upserts and our handlers run exactly as in production."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from devshop.webhooks import payloads as p
from shopify_app.models import Shop, WebhookDelivery
from shopify_app.services.webhooks import ProcessOutcome, webhook_deliveries_process

_ids = itertools.count(9_100_000_000)


class Store:
    """One shop's Shopify side: customers, orders and refunds, and their webhooks."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.data = p.ShopData(
            id=shop.shopify_id or 1,
            domain=shop.domain,
            name=shop.name,
            email="owner@example.com",
            currency=shop.currency,
            iana_timezone=shop.timezone,
        )
        self.clock = timezone.now().replace(microsecond=0)
        self._held: list[WebhookDelivery] | None = None

    def tick(self, **delta) -> datetime:
        self.clock += timedelta(**(delta or {"seconds": 1}))
        return self.clock

    def customer(self, *, email: str | None = None, state: str = "enabled") -> p.CustomerData:
        cid = next(_ids)
        return p.CustomerData(
            id=cid,
            email=email or f"c{cid}@example.com",
            first_name="Ada",
            last_name="Lovelace",
            created_at=self.clock,
            updated_at=self.tick(),
            state=state,
        )

    def order(
        self,
        *,
        customer: p.CustomerData | None,
        lines: list[tuple[Decimal, int]] | None = None,
        gift_card: Decimal | None = None,
        shipping: Decimal = Decimal(0),
        tax: Decimal = Decimal(0),
        codes: tuple[str, ...] = (),
    ) -> p.OrderData:
        oid = next(_ids)
        items = [
            p.LineItemData(id=next(_ids), title="Tea", quantity=q, price=price)
            for price, q in (lines or [(Decimal("100.00"), 1)])
        ]
        if gift_card is not None:
            items.append(
                p.LineItemData(
                    id=next(_ids), title="Gift card", quantity=1, price=gift_card, gift_card=True
                )
            )
        at = self.tick()
        return p.OrderData(
            id=oid,
            order_number=oid % 100000,
            email=customer.email if customer else None,
            customer=customer,
            line_items=items,
            created_at=at,
            updated_at=at,
            processed_at=at,
            shipping_price=shipping,
            total_tax=tax,
            discount_codes=[p.DiscountCodeData(code=c, amount=Decimal("5.00")) for c in codes],
        )

    def refund(
        self, order: p.OrderData, *, line: int = 0, quantity: int = 1, subtotal: Decimal
    ) -> tuple[p.OrderData, p.RefundData]:
        """A refund of part of a line; returns the order as updated and the refund."""
        item = order.line_items[line]
        refund = p.RefundData(
            id=next(_ids),
            created_at=self.tick(),
            processed_at=self.clock,
            line_items=[
                p.RefundLineItemData(
                    id=next(_ids), line_item_id=item.id, quantity=quantity, subtotal=subtotal
                )
            ],
            amount=subtotal,
            transaction_id=next(_ids),
        )
        refunds = [*order.refunds, refund]
        total = sum((i.price * i.quantity for i in order.line_items), Decimal(0))
        refunded = sum((r.amount for r in refunds), Decimal(0))
        status = "refunded" if refunded >= total else "partially_refunded"
        updated = replace(order, refunds=refunds, financial_status=status, updated_at=self.tick())
        return updated, refund

    def cancel(self, order: p.OrderData) -> p.OrderData:
        at = self.tick()
        return replace(order, cancelled_at=at, cancel_reason="customer", updated_at=at)

    # --- webhooks ----------------------------------------------------------------------------

    def send(self, topic: str, body: dict, *, webhook_id: str | None = None) -> WebhookDelivery:
        """Store the delivery in the inbox (a repeated ``webhook_id`` is Shopify's retry: the
        inbox keeps one row) and process it through the dispatcher, as the worker would."""
        delivery, created = WebhookDelivery.objects.get_or_create(
            shop=self.shop,
            webhook_id=webhook_id or f"wh-{next(_ids)}",
            defaults={
                "topic": topic,
                "api_version": "2026-07",
                "triggered_at": self.clock,
                "payload": json.loads(json.dumps(body)),
            },
        )
        if created and self._held is not None:
            self._held.append(delivery)
        elif created:
            webhook_deliveries_process(delivery_id=delivery.pk, batch=0)
            delivery.refresh_from_db()
        return delivery

    @contextmanager
    def hold(self) -> Iterator[list[WebhookDelivery]]:
        """Deliveries sent inside the block are only stored (listed), not processed."""
        self._held = []
        try:
            yield self._held
        finally:
            self._held = None

    @contextmanager
    def batch(self) -> Iterator[list[ProcessOutcome]]:
        """Deliveries sent inside the block are stored; at its end one worker call claims and
        processes them all together (the list is filled with their outcomes)."""
        outcomes: list[ProcessOutcome] = []
        with self.hold() as held:
            yield outcomes
        outcomes += webhook_deliveries_process(delivery_id=None, batch=len(held))
        for delivery in held:
            delivery.refresh_from_db()

    def order_event(self, topic: str, order: p.OrderData, **kw) -> WebhookDelivery:
        return self.send(topic, p.order_payload(shop=self.data, order=order, topic=topic), **kw)

    def paid(self, order: p.OrderData, **kw) -> WebhookDelivery:
        return self.order_event("orders/paid", order, **kw)

    def refunded(self, order: p.OrderData, refund: p.RefundData, **kw) -> WebhookDelivery:
        body = p.refund_payload(shop=self.data, order=order, refund=refund)
        return self.send("refunds/create", body, **kw)

    def customer_created(self, customer: p.CustomerData, topic: str = "customers/create"):
        return self.send(topic, p.customer_payload(shop=self.data, customer=customer, topic=topic))
