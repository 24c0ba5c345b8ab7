"""Recovery after faults: a whole deployment (``tests/reliability/cluster.py``) under bursts.

For each fault in turn: a burst of ``BENCH_FAULT_BURST`` deliveries (``orders/paid``, refunds,
Shopify's retries) is sent by Shopify-like clients; at the end of the burst the fault strikes;
then the bench waits for the inbox to be empty. Printed per fault: the rows still pending when
it struck, the time from the fault to an empty inbox, and the burst's worst receipt-to-processed
latency. At the end, the oracle check (0 lost, 0 double).

Faults (``BENCH_FAULTS``, comma-separated, in this order): ``children`` (SIGKILL of a worker's
pool children), ``main`` (SIGKILL of a worker main; the supervisor restarts it), ``redis`` (a
Redis restart, every queued message lost), ``postgres`` (a crash and restart), ``final`` (every
pool child killed and Redis restarted at once, the end of traffic in issue 15).

The baseline is the same bench run against another checkout: ``BENCH_FAULTS_CODE=/path`` runs
that tree's app (e.g. ``git archive fa6df4e | tar -x -C /tmp/base``, the inbox before the
drain on reconnect and the short sweep), with the same cluster, traffic and faults.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

FAULTS = os.environ.get("BENCH_FAULTS", "children,main,redis,postgres,final").split(",")
BURST = int(os.environ.get("BENCH_FAULT_BURST", "400"))
WAIT = float(os.environ.get("BENCH_FAULT_WAIT", "600"))  # the old sweeper needs 5 min +
SHOP = "bench-faults.myshopify.com"


def run() -> dict[str, object]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.conf import settings

    from tests.reliability import cluster as faults
    from tests.reliability.traffic import Sender, scenario, verify

    code = Path(os.environ.get("BENCH_FAULTS_CODE", faults.ROOT))
    bursts = len(FAULTS)
    traffic = scenario(
        shop_domain=SHOP,
        orders=int(BURST * bursts * 0.7),
        refunds=int(BURST * bursts * 0.1),
        early_refunds=int(BURST * bursts * 0.03),
        duplicates=int(BURST * bursts * 0.2),
        customers=200,
    )
    figures: dict[str, object] = {"code": str(code)}
    with faults.running(shop_domain=SHOP, code_dir=code) as cluster:
        sender = Sender(port=cluster.web_port, shop_domain=SHOP, secret=settings.SHOPIFY_API_SECRET)

        def final() -> None:
            cluster.kill_pool_children()
            cluster.redis.restart()

        strike = {
            "children": lambda: cluster.kill_pool_children(cluster.workers[0]),
            "main": lambda: cluster.kill_main(cluster.workers[1]),
            "redis": cluster.redis.restart,
            "postgres": cluster.pg.restart,
            "final": final,
        }
        for n, fault in enumerate(FAULTS):
            burst = traffic.deliveries[n * BURST : (n + 1) * BURST]
            if n == bursts - 1:
                burst = traffic.deliveries[n * BURST :]
            first_id = cluster.pg.query(
                "SELECT coalesce(max(id), 0) FROM shopify_app_webhookdelivery"
            )
            sender.send_all(burst, threads=8)
            pending = cluster.pending()
            struck = time.monotonic()
            strike[fault]()
            empty = None
            while time.monotonic() - struck < WAIT:
                try:
                    if cluster.pending() == 0:
                        empty = time.monotonic() - struck
                        break
                except Exception:  # PostgreSQL restarting
                    pass
                time.sleep(0.2)
            worst = cluster.pg.query(
                "SELECT extract(epoch FROM max(processed_at - received_at))"
                " FROM shopify_app_webhookdelivery WHERE id > %s",
                (first_id[0][0],),
            )[0][0]
            empty_text = f"{empty:.1f} s" if empty is not None else f"> {WAIT:.0f} s"
            print(
                f"   {fault:<9} pending at the fault {pending:>4}; inbox empty after {empty_text};"
                f" worst receipt-to-processed {float(worst or 0):.1f} s",
                flush=True,
            )
            figures[f"{fault}: pending at fault"] = pending
            figures[f"{fault}: empty inbox after (s)"] = round(empty, 1) if empty else None
            figures[f"{fault}: worst latency (s)"] = round(float(worst or 0), 1)
        problems = verify(cluster.pg, traffic)
        figures["deliveries"] = len(traffic.deliveries)
        figures["given up by the sender"] = len(sender.report.given_up)
        figures["oracle"] = problems if problems else "equal"
        figures["worker main restarts"] = sum(w.starts - 1 for w in cluster.workers)
        print(f"   oracle: {figures['oracle']}", flush=True)
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<36} {value}")
