from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = "Loyalty"

    def ready(self) -> None:
        # After shopify_app's ready() (INSTALLED_APPS order): our handlers run after its
        # mirror upserts for the same topic.
        from loyalty import privacy as loyalty_privacy
        from loyalty.handlers import BATCH_HANDLERS, HANDLERS
        from loyalty.storefront.selectors import launcher_settings, points_section
        from shopify_app.privacy import register_privacy
        from shopify_app.storefront import register_launcher, register_section
        from shopify_app.webhooks.registry import register_batch_handler, register_handler

        register_section("points", points_section, title="Points", order=10)
        register_launcher(launcher_settings)

        for topic, handlers in HANDLERS.items():
            for handler in handlers:
                register_handler(topic, handler)
                if handler in BATCH_HANDLERS:
                    register_batch_handler(topic, handler, BATCH_HANDLERS[handler])
        # customers/data_request and customers/redact cover the program's data too.
        register_privacy(
            "loyalty",
            exporter=loyalty_privacy.customer_loyalty_export,
            redactor=loyalty_privacy.customer_loyalty_redact,
            covers=loyalty_privacy.COVERS,
            exempt=loyalty_privacy.EXEMPT,
        )
