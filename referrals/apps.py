from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        # After shopify_app's and loyalty's ready() (INSTALLED_APPS order): our handlers run
        # after the mirror upserts and loyalty's handlers (referrals.handlers says why that
        # order is sound).
        from referrals import privacy as referrals_privacy
        from referrals.handlers import BATCH_HANDLERS, HANDLERS
        from referrals.storefront import referrals_section
        from shopify_app.privacy import register_privacy
        from shopify_app.storefront import register_section
        from shopify_app.webhooks.registry import register_batch_handler, register_handler

        register_section("referrals", referrals_section, title="Refer a friend", order=30)
        for topic, handlers in HANDLERS.items():
            for handler in handlers:
                register_handler(topic, handler)
                if handler in BATCH_HANDLERS:
                    register_batch_handler(topic, handler, BATCH_HANDLERS[handler])
        register_privacy(
            "referrals",
            exporter=referrals_privacy.customer_referrals_export,
            redactor=referrals_privacy.customer_referrals_redact,
            covers=referrals_privacy.COVERS,
            exempt=referrals_privacy.EXEMPT,
        )
