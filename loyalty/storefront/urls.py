"""The points section's storefront routes, under the app proxy's ``/proxy/api/points/``."""

from django.urls import path

from loyalty.storefront import views

urlpatterns = [
    path("history", views.PointsHistoryApi.as_view(), name="storefront_points_history"),
    path("join", views.PointsJoinApi.as_view(), name="storefront_points_join"),
    path("redeem", views.PointsRedeemApi.as_view(), name="storefront_points_redeem"),
    path("birthday", views.PointsBirthdayApi.as_view(), name="storefront_points_birthday"),
    path("social", views.PointsSocialFollowApi.as_view(), name="storefront_points_social"),
]
