"""Check every member's balance, pending points and lots against the ledger.

    manage.py loyalty_audit [--shop DOMAIN] [--repair]

1. One set-based query lists members whose caches disagree with their entries.
2. Each drift is printed; with ``--repair`` the member's caches and lots are rebuilt from the
   ledger (``member_ledger_repair``) and the member is audited again.
Exits 1 when drift remains, so a cron or CI job notices.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from loyalty.services.audit import ledger_audit, member_ledger_repair
from shopify_app.models import Shop


class Command(BaseCommand):
    help = "Audit members' balances against the points ledger; --repair fixes drift."

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="only this shop (xxx.myshopify.com)")
        parser.add_argument("--repair", action="store_true", help="rebuild drifted members")

    def handle(self, *args, shop=None, repair=False, **options):
        shop_id = None
        if shop:
            shop_id = Shop.objects.filter(domain=shop).values_list("pk", flat=True).first()
            if shop_id is None:
                raise CommandError(f"no shop {shop}")
        drifts = ledger_audit(shop_id=shop_id)
        for drift in drifts:
            self.stdout.write(f"DRIFT {drift.describe()}")
        if repair and drifts:
            for drift in drifts:
                member_ledger_repair(member_id=drift.member_id)
            drifts = ledger_audit(member_ids=[d.member_id for d in drifts])
            for drift in drifts:
                self.stdout.write(f"UNREPAIRED {drift.describe()}")
        if drifts:
            raise CommandError(f"{len(drifts)} member(s) drifted from the ledger")
        self.stdout.write("ledger consistent")
