from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = "Loyalty"

    def ready(self) -> None:
        # After shopify_app's ready() (INSTALLED_APPS order): our handlers run after its
        # mirror upserts for the same topic.
        from loyalty import privacy as loyalty_privacy
        from loyalty.handlers import BATCH_HANDLERS, HANDLERS
        from loyalty.services.earning import register_multiplier_provider
        from loyalty.storefront.selectors import launcher_settings, points_section
        from loyalty.vip import handlers as vip_handlers
        from loyalty.vip.services import tier_multiplier
        from loyalty.vip.storefront import vip_section
        from shopify_app.privacy import register_privacy
        from shopify_app.storefront import register_launcher, register_section
        from shopify_app.webhooks.registry import register_batch_handler, register_handler

        register_section("points", points_section, title="Points", order=10)
        register_section("vip", vip_section, title="VIP", order=20)
        register_launcher(launcher_settings)

        # The VIP club's handlers after the points' own: a tier is decided on the points written.
        for table, batches in (
            (HANDLERS, BATCH_HANDLERS),
            (vip_handlers.HANDLERS, vip_handlers.BATCH_HANDLERS),
        ):
            for topic, handlers in table.items():
                for handler in handlers:
                    register_handler(topic, handler)
                    if handler in batches:
                        register_batch_handler(topic, handler, batches[handler])
        register_multiplier_provider(tier_multiplier)
        # customers/data_request and customers/redact cover the program's data too.
        register_privacy(
            "loyalty",
            exporter=loyalty_privacy.customer_loyalty_export,
            redactor=loyalty_privacy.customer_loyalty_redact,
            covers=loyalty_privacy.COVERS,
            exempt=loyalty_privacy.EXEMPT,
        )
