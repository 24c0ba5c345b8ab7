from django.urls import include, path

urlpatterns: list = [
    path("", include("devshop.webhooks.urls")),
    path("", include("devshop.storefront.urls")),
]
