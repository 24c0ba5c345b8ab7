"""Routes of the referral admin API."""

from django.urls import path

from referrals import storefront, views

urlpatterns = [
    # The launcher's referrals section, behind the app proxy (/apps/rewards/* → /proxy/*).
    path(
        "proxy/api/referrals/claim",
        storefront.ReferralClaimApi.as_view(),
        name="storefront_referral_claim",
    ),
    path(
        "proxy/api/referrals/visit",
        storefront.ReferralVisitApi.as_view(),
        name="storefront_referral_visit",
    ),
    path("proxy/r/<str:code>", storefront.ReferralLinkApi.as_view(), name="storefront_ref_link"),
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
