"""Shopify's side of a fault run: the deliveries, a sender that retries like Shopify, the oracle.

``scenario`` builds the traffic from a seed: ``orders/paid`` for customers with accounts,
``refunds/create`` for some orders (a share of them sent before their order), and duplicates
(Shopify's retries: the same ``X-Shopify-Webhook-Id`` again). The bodies are devshop's builders
(Shopify's example payloads with our data). The oracle is what the program must end with for
each customer, computed from what was sent and nothing else: 1 point per unit of the subtotal,
minus each refund's subtotal (amounts chosen so that every share is exact).

``Sender`` posts each delivery with Shopify's headers (topic, HMAC over the raw body, shop, API
version, webhook id, event id, triggered at) and retries anything but a 2xx with exponential
backoff, 8 tries in all, with the same headers, as Shopify does (its backoff is hours; here it
is scaled down to seconds).
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from devshop.signing import webhook_hmac
from devshop.webhooks import payloads as p

TRIES = 8  # Shopify retries a failed delivery 8 times in all
BACKOFF_START = 0.25  # seconds; doubled per try, capped
BACKOFF_MAX = 4.0


@dataclass(frozen=True)
class Delivery:
    topic: str
    body: bytes
    webhook_id: str
    event_id: str
    triggered_at: str


@dataclass
class Scenario:
    shop_domain: str
    deliveries: list[Delivery]
    expected_balance: dict[int, int]  # customer Shopify id → points
    order_ids: list[int]
    refund_ids: list[int]

    @property
    def unique_webhooks(self) -> int:
        return len({d.webhook_id for d in self.deliveries})


def scenario(
    *, shop_domain: str, orders: int, refunds: int, early_refunds: int, duplicates: int,
    customers: int, seed: int = 15,
) -> Scenario:  # fmt: skip
    rng = random.Random(seed)
    ids = iter(range(7_000_000_000 + seed * 10_000_000, 8_000_000_000))
    shop = p.ShopData(id=1, domain=shop_domain, name="Faults", email="owner@example.com")
    base = datetime(2026, 7, 1, tzinfo=UTC)
    people = [
        p.CustomerData(
            id=next(ids),
            email=f"c{n}@example.com",
            first_name="Ada",
            last_name=f"L{n}",
            created_at=base,
            updated_at=base,
            state="enabled",
        )
        for n in range(customers)
    ]
    expected = {c.id: 0 for c in people}
    order_rows: list[tuple[p.OrderData, Delivery]] = []
    for n in range(orders):
        customer = rng.choice(people)
        price = Decimal(2 * rng.randint(10, 100))  # even: half of it is a whole point
        at = base + timedelta(minutes=n)
        order = p.OrderData(
            id=next(ids), order_number=1000 + n, email=customer.email, customer=customer,
            line_items=[p.LineItemData(id=next(ids), title="Tea", quantity=1, price=price)],
            created_at=at, updated_at=at, processed_at=at,
        )  # fmt: skip
        expected[customer.id] += int(price)
        body = p.order_payload(shop=shop, order=order, topic="orders/paid")
        order_rows.append((order, _delivery("orders/paid", body, at)))
    refund_rows: list[Delivery] = []
    refund_ids: list[int] = []
    for order, _ in rng.sample(order_rows, refunds):
        item = order.line_items[0]
        half = item.price / 2
        at = order.updated_at + timedelta(seconds=30)
        refund = p.RefundData(
            id=next(ids), created_at=at, processed_at=at, amount=half, transaction_id=next(ids),
            line_items=[p.RefundLineItemData(id=next(ids), line_item_id=item.id, quantity=1,
                                             subtotal=half)],
        )  # fmt: skip
        assert order.customer is not None
        expected[order.customer.id] -= int(half)
        refund_ids.append(refund.id)
        body = p.refund_payload(shop=shop, order=order, refund=refund)
        refund_rows.append(_delivery("refunds/create", body, at))
    # Refunds before their order: the first ``early_refunds`` go at the very start.
    early, late = refund_rows[:early_refunds], refund_rows[early_refunds:]
    stream = [d for _, d in order_rows]
    for refund_delivery in late:  # each after its order, somewhere later in the stream
        stream.insert(rng.randint(len(stream) // 2, len(stream)), refund_delivery)
    stream = early + stream
    for _ in range(duplicates):  # Shopify's retries: the same webhook id, a little later
        index = rng.randrange(len(stream))
        stream.insert(min(len(stream), index + rng.randint(1, 50)), stream[index])
    return Scenario(
        shop_domain=shop_domain,
        deliveries=stream,
        expected_balance={
            c: v
            for c, v in expected.items()
            if any(o.customer and o.customer.id == c for o, _ in order_rows)
        },
        order_ids=[o.id for o, _ in order_rows],
        refund_ids=refund_ids,
    )


def _delivery(topic: str, body: dict, at: datetime) -> Delivery:
    return Delivery(
        topic=topic,
        body=json.dumps(body).encode(),
        webhook_id=str(uuid.uuid4()),
        event_id=str(uuid.uuid4()),
        triggered_at=at.isoformat(),
    )


@dataclass
class SendReport:
    delivered: int = 0
    given_up: list[str] = field(default_factory=list)
    tries: Counter = field(default_factory=Counter)  # tries needed → deliveries
    statuses: Counter = field(default_factory=Counter)  # every answer (or error) seen
    lock: threading.Lock = field(default_factory=threading.Lock)


class Sender:
    def __init__(self, *, port: int, shop_domain: str, secret: str) -> None:
        self.port, self.shop_domain, self.secret = port, shop_domain, secret
        self.report = SendReport()

    def _post(self, delivery: Delivery) -> str:
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Hmac-Sha256": webhook_hmac(delivery.body, self.secret),
            "X-Shopify-Shop-Domain": self.shop_domain,
            "X-Shopify-API-Version": "2026-07",
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Event-Id": delivery.event_id,
            "X-Shopify-Triggered-At": delivery.triggered_at,
        }
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", "/webhooks", body=delivery.body, headers=headers)
            response = conn.getresponse()
            response.read()
            return str(response.status)
        except OSError as exc:
            return type(exc).__name__
        finally:
            conn.close()

    def send(self, delivery: Delivery) -> bool:
        for attempt in range(1, TRIES + 1):
            outcome = self._post(delivery)
            with self.report.lock:
                self.report.statuses[outcome] += 1
            if outcome.startswith("2"):
                with self.report.lock:
                    self.report.delivered += 1
                    self.report.tries[attempt] += 1
                return True
            time.sleep(min(BACKOFF_MAX, BACKOFF_START * 2 ** (attempt - 1)))
        with self.report.lock:
            self.report.given_up.append(delivery.webhook_id)
        return False

    def send_all(self, deliveries: list[Delivery], *, threads: int, faults=None) -> None:
        """Send in order from ``threads`` threads; ``faults`` maps a delivery index to a function
        run (in its own thread) when that delivery is handed out."""
        faults = dict(faults or {})
        fault_threads = []
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for index, delivery in enumerate(deliveries):
                if index in faults:
                    thread = threading.Thread(target=faults.pop(index), daemon=True)
                    thread.start()
                    fault_threads.append(thread)
                pool.submit(self.send, delivery)
                time.sleep(0.005)  # a steady stream rather than one burst
        for thread in fault_threads:
            thread.join(120)


def verify(pg, scenario: Scenario) -> dict[str, object]:
    """Compare the cluster's database with the oracle: the discrepancies found (empty = none)."""
    problems: dict[str, object] = {}
    balances = dict(
        pg.query(
            "SELECT c.shopify_id, m.balance FROM loyalty_member m"
            " JOIN shopify_app_customer c ON c.id = m.customer_id"
        )
    )
    wrong = {
        c: (balances.get(c), want)
        for c, want in scenario.expected_balance.items()
        if balances.get(c) != want
    }
    if wrong:
        problems["members off the oracle (got, want)"] = wrong
    earns = dict(
        pg.query(
            "SELECT source_id, count(*) FROM loyalty_pointstransaction WHERE kind = 'order'"
            " GROUP BY source_id"
        )
    )
    lost = [o for o in scenario.order_ids if earns.get(str(o), 0) == 0]
    doubled = [o for o, n in earns.items() if n > 1]
    if lost:
        problems["orders without their earn"] = lost[:20]
    if doubled:
        problems["orders earned twice"] = doubled[:20]
    reversals = Counter(
        key for (key,) in pg.query(
            "SELECT idempotency_key FROM loyalty_pointstransaction WHERE kind = 'refund_reversal'"
        )
    )  # fmt: skip
    missing = [r for r in scenario.refund_ids if reversals.get(f"refund:{r}:reverse", 0) == 0]
    if missing:
        problems["refunds without their reversal"] = missing[:20]
    rows = dict(pg.query("SELECT status, count(*) FROM shopify_app_webhookdelivery GROUP BY 1"))
    if rows.get("done", 0) != scenario.unique_webhooks or set(rows) - {"done"}:
        problems["inbox rows by status (want all done)"] = {
            **rows, "expected done": scenario.unique_webhooks,
        }  # fmt: skip
    return problems
