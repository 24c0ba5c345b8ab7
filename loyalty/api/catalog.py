"""Earning rules and the rewards catalog: list, create, read, edit (``If-Match``), deactivate."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from loyalty import selectors
from loyalty.api.base import (
    EDIT_ERRORS,
    ERRORS,
    IF_MATCH,
    AdminApi,
    OutputModelSerializer,
    PageQuerySerializer,
    VersionField,
    if_match,
    page_of,
    paginate,
    with_version,
)
from loyalty.models import EarningRule, Reward
from loyalty.services import catalog

_RULE_FIELDS = sorted(catalog.RULE_FIELDS)
_REWARD_FIELDS = sorted(catalog.REWARD_FIELDS)


class EarningRuleSerializer(OutputModelSerializer):
    version = VersionField()

    class Meta:
        model = EarningRule
        fields = ["id", *_RULE_FIELDS, "version", "created_at", "updated_at"]
        ref_name = "EarningRule"


class EarningRuleInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = EarningRule
        fields = _RULE_FIELDS
        ref_name = "EarningRuleInput"
        extra_kwargs = {"points": {"min_value": 1, "max_value": 1_000_000}}


class RewardSerializer(OutputModelSerializer):
    version = VersionField()

    class Meta:
        model = Reward
        fields = ["id", *_REWARD_FIELDS, "version", "created_at", "updated_at"]
        ref_name = "Reward"


class RewardInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reward
        fields = _REWARD_FIELDS
        ref_name = "RewardInput"
        extra_kwargs = {
            "points_cost": {"min_value": 1, "max_value": 100_000_000},
            "amount": {"min_value": 0},
            "percent": {"min_value": 0, "max_value": 100},
            "minimum_order": {"min_value": 0},
            "product_variant_id": {"min_value": 1},
        }


class ActiveFilterSerializer(PageQuerySerializer):
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class EarningRuleListApi(AdminApi):
    """The shop's earning rules (filter by ``active``); POST creates one."""

    @extend_schema(
        operation_id="earning_rules_list",
        parameters=[ActiveFilterSerializer],
        responses={200: page_of(EarningRuleSerializer), **ERRORS},
    )
    def get(self, request):
        query = ActiveFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rules = selectors.earning_rule_list(shop=request.shop)
        if query.validated_data["active"] is not None:
            rules = rules.filter(active=query.validated_data["active"])
        return paginate(self, rules, EarningRuleSerializer)

    @extend_schema(
        operation_id="earning_rules_create",
        request=EarningRuleInputSerializer,
        responses={201: EarningRuleSerializer, **ERRORS},
    )
    def post(self, request):
        payload = EarningRuleInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rule = catalog.earning_rule_create(
            shop_id=request.shop.pk,
            staff_user_id=request.staff_user_id,
            fields=dict(payload.validated_data),
        )
        response = Response(EarningRuleSerializer(rule).data, status=status.HTTP_201_CREATED)
        return with_version(response, rule)


class EarningRuleDetailApi(AdminApi):
    """One earning rule; PATCH edits it with ``If-Match``."""

    def _rule(self, request, rule_id: int) -> EarningRule:
        rule = selectors.earning_rule_get(shop=request.shop, rule_id=rule_id)
        if rule is None:
            raise self.not_found("earning rule")
        return rule

    @extend_schema(
        operation_id="earning_rules_get", responses={200: EarningRuleSerializer, **ERRORS}
    )
    def get(self, request, rule_id: int):
        rule = self._rule(request, rule_id)
        return with_version(Response(EarningRuleSerializer(rule).data), rule)

    @extend_schema(
        operation_id="earning_rules_update",
        request=EarningRuleInputSerializer(partial=True),
        parameters=[IF_MATCH],
        responses={200: EarningRuleSerializer, **EDIT_ERRORS},
    )
    def patch(self, request, rule_id: int):
        rule = self._rule(request, rule_id)
        payload = EarningRuleInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        rule = catalog.earning_rule_update(
            rule=rule,
            staff_user_id=request.staff_user_id,
            version=if_match(request),
            fields=dict(payload.validated_data),
        )
        return with_version(Response(EarningRuleSerializer(rule).data), rule)


class EarningRuleDeactivateApi(EarningRuleDetailApi):
    """Stop a rule earning; the points it gave stay."""

    http_method_names = ["post", "options"]

    @extend_schema(
        operation_id="earning_rules_deactivate",
        request=None,
        responses={200: EarningRuleSerializer, **ERRORS},
    )
    def post(self, request, rule_id: int):
        rule = catalog.earning_rule_deactivate(
            rule=self._rule(request, rule_id), staff_user_id=request.staff_user_id
        )
        return with_version(Response(EarningRuleSerializer(rule).data), rule)


class RewardListApi(AdminApi):
    """The rewards catalog (filter by ``active``); POST adds a reward."""

    @extend_schema(
        operation_id="rewards_list",
        parameters=[ActiveFilterSerializer],
        responses={200: page_of(RewardSerializer), **ERRORS},
    )
    def get(self, request):
        query = ActiveFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rewards = selectors.reward_list(shop=request.shop)
        if query.validated_data["active"] is not None:
            rewards = rewards.filter(active=query.validated_data["active"])
        return paginate(self, rewards, RewardSerializer)

    @extend_schema(
        operation_id="rewards_create",
        request=RewardInputSerializer,
        responses={201: RewardSerializer, **ERRORS},
    )
    def post(self, request):
        payload = RewardInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reward = catalog.reward_create(
            shop_id=request.shop.pk,
            staff_user_id=request.staff_user_id,
            fields=dict(payload.validated_data),
        )
        response = Response(RewardSerializer(reward).data, status=status.HTTP_201_CREATED)
        return with_version(response, reward)


class RewardDetailApi(AdminApi):
    """One reward; PATCH edits it with ``If-Match``."""

    def _reward(self, request, reward_id: int) -> Reward:
        reward = selectors.reward_get(shop=request.shop, reward_id=reward_id)
        if reward is None:
            raise self.not_found("reward")
        return reward

    @extend_schema(operation_id="rewards_get", responses={200: RewardSerializer, **ERRORS})
    def get(self, request, reward_id: int):
        reward = self._reward(request, reward_id)
        return with_version(Response(RewardSerializer(reward).data), reward)

    @extend_schema(
        operation_id="rewards_update",
        request=RewardInputSerializer(partial=True),
        parameters=[IF_MATCH],
        responses={200: RewardSerializer, **EDIT_ERRORS},
    )
    def patch(self, request, reward_id: int):
        reward = self._reward(request, reward_id)
        payload = RewardInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        reward = catalog.reward_update(
            reward=reward,
            staff_user_id=request.staff_user_id,
            version=if_match(request),
            fields=dict(payload.validated_data),
        )
        return with_version(Response(RewardSerializer(reward).data), reward)


class RewardDeactivateApi(RewardDetailApi):
    """Take a reward out of the catalog; codes already issued stay valid."""

    http_method_names = ["post", "options"]

    @extend_schema(
        operation_id="rewards_deactivate", request=None, responses={200: RewardSerializer, **ERRORS}
    )
    def post(self, request, reward_id: int):
        reward = catalog.reward_deactivate(
            reward=self._reward(request, reward_id), staff_user_id=request.staff_user_id
        )
        return with_version(Response(RewardSerializer(reward).data), reward)
