from django.apps import AppConfig


class DevshopConfig(AppConfig):
    name = "devshop"
    verbose_name = "devshop (Shopify stand-in)"
