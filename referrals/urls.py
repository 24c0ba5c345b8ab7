"""Routes of the referral admin API."""

from django.urls import path

from referrals import views

urlpatterns = [
    path("api/admin/referrals", views.ReferralListApi.as_view(), name="api_admin_referrals"),
    path(
        "api/admin/referrals/program",
        views.ReferralProgramApi.as_view(),
        name="api_admin_referral_program",
    ),
    path(
        "api/admin/referrals/stats",
        views.ReferralStatsApi.as_view(),
        name="api_admin_referral_stats",
    ),
    path(
        "api/admin/referrals/<int:referral_id>/approve",
        views.ReferralApproveApi.as_view(),
        name="api_admin_referral_approve",
    ),
    path(
        "api/admin/referrals/<int:referral_id>/reject",
        views.ReferralRejectApi.as_view(),
        name="api_admin_referral_reject",
    ),
]
