"""Bad input on every write: a 4xx in the one error shape, and nothing written.

Missing fields, wrong types, 100 000-character strings, out-of-range numbers, unknown
choices, unknown ids and other networks' ids, and bodies that are not JSON objects.
"""

import pytest

from mutualaid.core.models import HistoryEntry, IdempotencyRecord
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks.models import ApplicationVote, Member
from tests.api.conftest import api_client_for, assert_error
from tests.factories import NEARBY_CELL, CategoryFactory, NeedFactory, OfferFactory

HUGE = "x" * 100_000
BIG_INT = 10**30
VALID_NEED = {
    "category": "groceries",
    "description": "Groceries",
    "window_start": "2030-01-01T10:00:00+00:00",
    "window_end": "2030-01-02T10:00:00+00:00",
    "cell": NEARBY_CELL,
}
VALID_OFFER = {"kind": "time", "title": "Shopping"}


def _need(**changes):
    return {k: v for k, v in (VALID_NEED | changes).items() if v is not ...}


def _offer(**changes):
    return {k: v for k, v in (VALID_OFFER | changes).items() if v is not ...}


BAD_BODIES = {
    "POST /needs": [
        {},
        _need(category=...),
        _need(description=...),
        _need(window_start=...),
        _need(description=5),
        _need(description=HUGE),
        _need(address=HUGE),
        _need(phone=HUGE),
        _need(category=HUGE),
        _need(cell=HUGE),
        _need(urgency="asap"),
        _need(languages=["xx"]),
        _need(languages="en"),
        _need(languages=["en"] * 17),
        _need(window_start="tomorrow"),
        _need(window_end="0001-01-01T00:00:00+14:00"),
        _need(window_end="9999-12-31T23:59:59-14:00"),
        _need(for_someone_else="perhaps"),
        _need(description="nul\x00byte"),
        _need(category="not-a-category"),
        _need(cell="8828308105fffff0"),
    ],
    "POST /offers": [
        {},
        _offer(kind=...),
        _offer(kind="favour"),
        _offer(title=HUGE),
        _offer(description=HUGE),
        _offer(capacity=0),
        _offer(capacity=BIG_INT),
        _offer(capacity="many"),
        _offer(radius_km=-1),
        _offer(availability=["someday"]),
        _offer(availability="sat-morning"),
        _offer(category="not-a-category"),
        _offer(cell="nowhere"),
    ],
    "POST /needs/{need}/offers-of-help": [
        {"message": HUGE},
        {"message": 7},
        {"offer_id": "mine"},
        {"offer_id": 0},
        {"offer_id": BIG_INT},
        {"offer_id": 999_999},
        {"offer_id": "{foreign_offer}"},
    ],
    "POST /needs/{need}/still-needed": [
        {},
        {"still_needed": "perhaps"},
        {"still_needed": None},
    ],
    "POST /needs/{need}/close": [],
    "PATCH /me/profile": [
        {"display_name": HUGE},
        {"display_name": ""},
        {"display_name": 3},
        {"languages": ["xx"]},
        {"skill_ids": [BIG_INT]},
        {"skill_ids": [999_999]},
        {"free_tags": [HUGE]},
        {"free_tags": ["t"] * 21},
        {"accessibility_needs": HUGE},
        {"cell": "nowhere"},
        {"availability": ["mon-night"]},
        {"weekly_task_cap": BIG_INT},
        {"travel_radius_km": -5},
        {"contact_preference": "pigeon"},
        {"contact_preference": "phone"},
        {"phone": HUGE},
    ],
    "PATCH /offers/{offer}/status": [{}, {"status": "gone"}, {"status": 1}],
    "POST /matches/{match}/release": [{}, {"reason": ""}, {"reason": HUGE}],
    "POST /matches/{match}/cancel": [{"reason": HUGE}, {"reason": ["no"]}],
    "POST /applications/999999/vote": [{"decision": "approve"}],
    "POST /applications/{foreign_application}/vote": [{"decision": "approve"}],
}
NOT_OBJECTS = ["{", "[]", '"text"', "null", "12", "\xff"]
BAD_IDS = ["999999", "0", "-3", str(BIG_INT), "abc", "{foreign}"]


@pytest.fixture
def world(requester, helper, outsider):
    """A need the helper is helping with, an offer of theirs, and another network's things."""
    from mutualaid.needs import services
    from mutualaid.networks.models import Application
    from tests.factories import UserFactory

    CategoryFactory(network=requester.network)
    need = NeedFactory(requester=requester)
    match = services.match_accept(
        actor=requester, match=services.match_propose(actor=helper, need=need)
    )
    foreign_need = NeedFactory(requester=outsider)
    return {
        "need": need.pk,
        "match": match.pk,
        "offer": OfferFactory(helper=helper).pk,
        "foreign": foreign_need.pk,
        "foreign_offer": OfferFactory(helper=outsider).pk,
        "foreign_application": Application.objects.create(
            network=outsider.network, user=UserFactory(), display_name="X"
        ).pk,
    }


def snapshot():
    """Everything a write could change."""
    return (
        Need.objects.count(),
        Offer.objects.count(),
        Match.objects.count(),
        ApplicationVote.objects.count(),
        IdempotencyRecord.objects.count(),
        HistoryEntry.objects.count(),
        sorted(Need.objects.values_list("pk", "status", "window_end")),
        sorted(Match.objects.values_list("pk", "state")),
        sorted(Offer.objects.values_list("pk", "status")),
        sorted(Member.objects.values_list("pk", "display_name", "cell", "weekly_task_cap")),
    )


def _fill(template, world):
    return template.format(**world) if isinstance(template, str) else template


def _who(endpoint):
    """The member for whom the endpoint would otherwise succeed."""
    helper_paths = ("offers-of-help", "/offers", "/matches/", "/applications")
    return "helper" if any(p in endpoint for p in helper_paths) else "requester"


def _cases():
    for endpoint, bodies in BAD_BODIES.items():
        for i, body in enumerate(bodies):
            yield pytest.param(endpoint, body, id=f"{endpoint}-{i}")


@pytest.mark.parametrize(("endpoint", "body"), list(_cases()))
def test_a_bad_body_is_refused_and_writes_nothing(world, request, endpoint, body):
    method, template = endpoint.split(" ")
    client = api_client_for(request.getfixturevalue(_who(endpoint)))
    body = {
        k: _fill(v, world) if v != "{foreign_offer}" else world["foreign_offer"]
        for k, v in body.items()
    }
    before = snapshot()
    response = getattr(client, method.lower())(_fill(template, world), body)
    assert 400 <= response.status_code < 500, response.content[:300]
    assert_error(response, response.status_code)
    assert snapshot() == before


WRITE_PATHS = [
    "POST /needs",
    "POST /offers",
    "POST /needs/{need}/offers-of-help",
    "POST /needs/{need}/still-needed",
    "PATCH /me/profile",
    "PATCH /offers/{offer}/status",
    "POST /matches/{match}/release",
    "POST /applications/{foreign_application}/vote",
]


@pytest.mark.parametrize("raw", NOT_OBJECTS)
@pytest.mark.parametrize("endpoint", WRITE_PATHS)
def test_a_body_that_is_not_a_json_object_is_refused(world, request, endpoint, raw):
    method, template = endpoint.split(" ")
    client = api_client_for(request.getfixturevalue(_who(endpoint)))
    before = snapshot()
    response = getattr(client, method.lower())(_fill(template, world), raw.encode("latin-1"))
    assert response.status_code in {400, 404, 422}, response.content[:300]
    assert_error(response, response.status_code)
    assert snapshot() == before


ID_PATHS = [
    ("get", "/needs/{id}", None),
    ("post", "/needs/{id}/close", {}),
    ("post", "/needs/{id}/still-needed", {"still_needed": True}),
    ("post", "/needs/{id}/offers-of-help", {}),
    ("patch", "/offers/{id}/status", {"status": "paused"}),
    ("get", "/matches/{id}", None),
    ("post", "/matches/{id}/accept", {}),
    ("post", "/matches/{id}/decline", {}),
    ("post", "/matches/{id}/start", {}),
    ("post", "/matches/{id}/confirm-done", {}),
    ("post", "/matches/{id}/release", {"reason": "x"}),
    ("post", "/matches/{id}/cancel", {}),
    ("post", "/applications/{id}/vote", {"decision": "approve"}),
]


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(("method", "template", "body"), ID_PATHS)
def test_unknown_and_foreign_ids_are_404_or_422(world, requester, method, template, body, bad_id):
    client = api_client_for(requester)
    path = template.format(id=bad_id.format(**world))
    before = snapshot()
    response = client.get(path) if method == "get" else getattr(client, method)(path, body)
    expected = 404 if bad_id in {"999999", "{foreign}"} else 422
    assert_error(response, expected)
    assert snapshot() == before


def test_an_unknown_api_path_is_a_json_404(requester):
    assert_error(api_client_for(requester).get("/no/such/thing"), 404, "not_found")


def test_double_submits_are_conflicts_and_write_once(world, helper, requester):
    helper_api, requester_api = api_client_for(helper), api_client_for(requester)
    need = NeedFactory(requester=requester)
    assert helper_api.post(f"/needs/{need.pk}/offers-of-help", {}).status_code == 201
    before = snapshot()
    assert_error(helper_api.post(f"/needs/{need.pk}/offers-of-help", {}), 409)
    assert requester_api.post(f"/needs/{need.pk}/close").status_code == 200
    closed = snapshot()
    assert_error(requester_api.post(f"/needs/{need.pk}/close"), 409)
    assert snapshot() == closed != before
