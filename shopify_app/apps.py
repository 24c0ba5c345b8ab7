from django.apps import AppConfig


class ShopifyAppConfig(AppConfig):
    name = "shopify_app"
    verbose_name = "Shopify"

    def ready(self) -> None:
        # shopify_app comes before loyalty and referrals in INSTALLED_APPS, so its mirror
        # handlers are registered (and run) first for every topic.
        from shopify_app import privacy
        from shopify_app.services.shops import post_install_hook_register
        from shopify_app.tasks import shop_details_refresh_hook, webhook_subscriptions_ensure_hook
        from shopify_app.webhooks.handlers import BATCH_HANDLERS, HANDLERS
        from shopify_app.webhooks.registry import register_batch_handler, register_handler

        for topic, handlers in HANDLERS.items():
            for handler in handlers:
                register_handler(topic, handler)
                if handler in BATCH_HANDLERS:
                    register_batch_handler(topic, handler, BATCH_HANDLERS[handler])
        privacy.register_privacy(
            "shopify",
            exporter=privacy.mirror_export,
            redactor=privacy.mirror_redact,
            covers=privacy.MIRROR_COVERS,
            exempt=privacy.MIRROR_EXEMPT,
        )
        post_install_hook_register(webhook_subscriptions_ensure_hook)
        post_install_hook_register(shop_details_refresh_hook)
        # The initial sync, bulk_operations/finish and billing's app_subscriptions/update.
        from shopify_app.services import billing
        from shopify_app.sync import handlers as sync_handlers

        sync_handlers.register()
        billing.register()
