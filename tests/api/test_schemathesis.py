"""Property-based tests of the whole API against its own OpenAPI document (schemathesis).

Every operation is called with generated input and a valid bearer token, against a network
with needs, offers, matches and an application in it. No response may be a server error or
break the documented status codes, content types and response schemas.
"""

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mutualaid.needs import services as need_services
from mutualaid.networks.models import Application, Neighbourhood
from mutualaid.networks.services import api_token_create
from tests.factories import (
    NEARBY_CELL,
    CategoryFactory,
    MemberFactory,
    NeedFactory,
    NetworkFactory,
    OfferFactory,
    UserFactory,
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

# Not negative_data_rejection: the test must put a valid token on every case, which undoes
# the header mutations that check relies on, and some query "violations" serialise to valid
# URLs (a one-item array is a plain value), so it reported accepted requests that were valid.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def _keep_test_connection():
    """Schemathesis calls the WSGI app directly, which would close the test's database
    connection at the end of each request; Django's own test client prevents that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, _keep_test_connection) -> dict[str, str]:
    """A member's token, in a network where every kind of object exists."""
    network = NetworkFactory()
    category = CategoryFactory(network=network)
    Neighbourhood.objects.create(network=network, name="Lakeside", cell=NEARBY_CELL)
    me = MemberFactory(network=network, phone="+1 510 555 0100")
    other = MemberFactory(network=network)
    mine = NeedFactory(requester=me, category=category)
    theirs = NeedFactory(requester=other, category=category, urgency="today")
    NeedFactory(requester=other, category=category, window_end=timezone.now() + timedelta(days=1))
    OfferFactory(helper=me, category=category)
    OfferFactory(helper=other)
    need_services.match_propose(actor=other, need=mine, message="I can help")
    need_services.match_propose(actor=me, need=theirs, message="Me too")
    Application.objects.create(network=network, user=UserFactory(), display_name="Newcomer")
    _token, secret = api_token_create(actor=me, name="schemathesis")
    return {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    # The same examples on every run, so CI results do not depend on a random draw.
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
def test_the_api_honours_its_schema_and_never_fails_on_the_server(case, bearer):
    # The token goes on the case itself, so it replaces whatever Authorization was generated.
    case.headers = {**(case.headers or {}), **bearer}
    case.call_and_validate(checks=CHECKS)
