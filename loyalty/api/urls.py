"""``/api/admin/*`` routes of the points program (included from ``config.urls``)."""

from django.urls import path

from loyalty.api import catalog, imports, members, onboarding, program, vip

urlpatterns = [
    path("program", program.ProgramSettingsApi.as_view(), name="api_admin_program"),
    path("changes", program.ChangeLogListApi.as_view(), name="api_admin_changes"),
    path("onboarding", onboarding.OnboardingApi.as_view(), name="api_admin_onboarding"),
    path(
        "onboarding/template",
        onboarding.TemplateApi.as_view(),
        name="api_admin_onboarding_template",
    ),
    path("onboarding/enrol", onboarding.EnrolApi.as_view(), name="api_admin_onboarding_enrol"),
    path("onboarding/launch", onboarding.LaunchApi.as_view(), name="api_admin_onboarding_launch"),
    path("earning-rules", catalog.EarningRuleListApi.as_view(), name="api_admin_rules"),
    path(
        "earning-rules/<int:rule_id>",
        catalog.EarningRuleDetailApi.as_view(),
        name="api_admin_rule",
    ),
    path(
        "earning-rules/<int:rule_id>/deactivate",
        catalog.EarningRuleDeactivateApi.as_view(),
        name="api_admin_rule_deactivate",
    ),
    path("rewards", catalog.RewardListApi.as_view(), name="api_admin_rewards"),
    path("rewards/<int:reward_id>", catalog.RewardDetailApi.as_view(), name="api_admin_reward"),
    path(
        "rewards/<int:reward_id>/deactivate",
        catalog.RewardDeactivateApi.as_view(),
        name="api_admin_reward_deactivate",
    ),
    path("imports", imports.ImportUploadApi.as_view(), name="api_admin_imports"),
    path("imports/<uuid:batch_id>", imports.ImportDetailApi.as_view(), name="api_admin_import"),
    path(
        "imports/<uuid:batch_id>/confirm",
        imports.ImportConfirmApi.as_view(),
        name="api_admin_import_confirm",
    ),
    path("vip", vip.TierConfigApi.as_view(), name="api_admin_vip"),
    path("vip/preview", vip.TierConfigPreviewApi.as_view(), name="api_admin_vip_preview"),
    path("vip/distribution", vip.TierDistributionApi.as_view(), name="api_admin_vip_distribution"),
    path("members", members.MemberListApi.as_view(), name="api_admin_members"),
    path("members/<int:member_id>", members.MemberDetailApi.as_view(), name="api_admin_member"),
    path(
        "members/<int:member_id>/adjustments",
        members.MemberAdjustApi.as_view(),
        name="api_admin_member_adjust",
    ),
    path(
        "members/<int:member_id>/exclude",
        members.MemberExcludeApi.as_view(),
        name="api_admin_member_exclude",
    ),
    path(
        "members/<int:member_id>/include",
        members.MemberIncludeApi.as_view(),
        name="api_admin_member_include",
    ),
    path(
        "members/<int:member_id>/vip-tiers/<int:tier_id>",
        vip.MemberVipTierApi.as_view(),
        name="api_admin_member_vip_tier",
    ),
]
