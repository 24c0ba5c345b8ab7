"""schemathesis against the published OpenAPI schema: generated requests to every operation of
``/api/admin/*`` (bounded examples, so CI stays well under a minute) find no server error.

The schema is loaded from the running app's ``/api/admin/schema`` (the WSGI app, in process),
and each request carries a valid session token for a shop with a rule, a reward and a member,
whose ids replace most generated ones so requests reach real objects (the cross-shop matrix
covers foreign ids); very large generated ids are kept, to probe overflows.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.factories import EarningRuleFactory, MemberFactory, RewardFactory
from tests.loyalty.api.conftest import bearer
from tests.loyalty.conftest import credit

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

# The launcher check and subscribing to a plan ask Shopify; with no Shopify here they answer 503
# shopify_unavailable by design, and tests/shopify_app/test_onboarding_apis.py and
# test_plans_api.py run them against devshop.
schema = schemathesis.openapi.from_wsgi("/api/admin/schema", get_wsgi_application()).exclude(
    operation_id=["onboarding_launcher_get", "plans_subscribe"]
)

# Examples per operation: enough to reach each field's edges, few enough for CI.
MAX_EXAMPLES = 15


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection when a request ends, which would close
    the test's transaction; Django's test client disconnects the same signal for this reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def objects(installed):
    member = MemberFactory(shop=installed)
    credit(member, 1000, f"seed:{member.pk}")
    return {
        "rule_id": EarningRuleFactory(shop=installed).pk,
        "reward_id": RewardFactory(shop=installed).pk,
        "member_id": member.pk,
    }


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
def test_no_server_error(case, installed, objects):
    for name, value in objects.items():
        generated = (case.path_parameters or {}).get(name)
        if isinstance(generated, int) and generated < 10**9:
            case.path_parameters[name] = value
    case.call_and_validate(headers=bearer(installed.domain), checks=[not_a_server_error])
