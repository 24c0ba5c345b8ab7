from django.urls import path

from devshop.frame import views

urlpatterns = [
    path("devshop/app-bridge.js", views.app_bridge_script, name="devshop-app-bridge"),
    path("devshop/admin/<str:shop>/apps/<str:app>", views.admin_frame, name="devshop-admin-frame"),
    path("devshop/admin/<str:shop>/id-token", views.id_token, name="devshop-admin-id-token"),
    path(
        "devshop/admin.shopify.com/store/<str:handle>/apps/<str:app>",
        views.admin_host_redirect,
        name="devshop-admin-host",
    ),
]
