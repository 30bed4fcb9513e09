"""Schemathesis against the schema the console serves: generated calls to every operation (valid
ones and invalid ones) never get a 5xx, and every answer matches the schema (status, media type,
body). Few examples per operation, so CI stays quick; the seed is fixed so a failure repeats."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from dashboard.live.models import Channel
from tests.dashboard.api.conftest import Tokens
from tests.dashboard.conftest import World2
from tests.dashboard.site.test_isolation import acme_recording

MAX_EXAMPLES = 5
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


# Loaded at collection from the served schema (no database needed to describe the API).
# Schemathesis's lazy fixture loader (`from_fixture`) does not run under pytest 9.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    get_wsgi_application(),
    config=SchemathesisConfig.from_dict(
        {
            "seed": 19,
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
            "generation": {"max-examples": MAX_EXAMPLES},
            # 422 is also the answer to values valid by the schema that the schema cannot judge:
            # a cursor the API did not make, a channel id that must repeat the channel's, a
            # layout of another tenant, a filter the page's FilterSet refuses. 5xx stays a failure.
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
                }
            },
        }
    ),
)


@pytest.fixture
def acme_data(two_tenants: World2, api_tokens: Tokens, settings) -> Tokens:
    settings.API_RATE_LIMIT = "100000/min"  # the limit has its own test; here it would only answer 429
    acme_recording(two_tenants)  # a channel and a recording for the ids to find
    Channel.objects.get_or_create(app=two_tenants.acme_manual_app, channel_id="second-room")
    return api_tokens


@schema.parametrize()
# The fixture only sets data up; examples may share it (and what they changed), as callers would.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_answers_within_its_schema(case, acme_data: Tokens) -> None:
    # A valid tenant name becomes the token's own, so the calls reach its data (other tenants:
    # test_isolation.py); an invalid one, generated to be refused, stays.
    tenant = (case.path_parameters or {}).get("tenant")
    if isinstance(tenant, str) and len(tenant) <= 60 and SLUG.fullmatch(tenant):
        case.path_parameters["tenant"] = "acme"
    case.call_and_validate(headers={"Authorization": f"Bearer {acme_data.acme_act}"})
