from django.urls import path

from devshop.webhooks import views

urlpatterns = [
    path("devshop/webhooks/run-due", views.run_due, name="devshop-webhooks-run-due"),
    path("devshop/webhooks/release-held", views.release_held, name="devshop-webhooks-release-held"),
    path("devshop/webhooks/deliveries", views.delivery_list, name="devshop-webhooks-deliveries"),
]
