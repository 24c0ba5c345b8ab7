"""Freeze the offer of redemptions made before ``Redemption.offer`` existed, from their reward
as it is now (the best record there is), so issuing never reads the live reward."""

from django.db import migrations


def fill(apps, schema_editor):
    Redemption = apps.get_model("loyalty", "Redemption")
    for redemption in Redemption.objects.filter(offer={}).select_related("reward").iterator():
        reward = redemption.reward
        redemption.offer = {
            "kind": reward.kind,
            "name": reward.name,
            "product_variant_id": reward.product_variant_id,
            "minimum_order": str(reward.minimum_order) if reward.minimum_order else None,
            "combines_with_order": reward.combines_with_order,
            "combines_with_product": reward.combines_with_product,
            "combines_with_shipping": reward.combines_with_shipping,
        }
        redemption.save(update_fields=["offer"])


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0005_redemption_offer")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
