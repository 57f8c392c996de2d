"""Who may see and do what through the API.

Six roles look at one need: nobody (no token), a member of another network, a bystander in
the same network, the requester, the helper the requester accepted, and a helper the
requester declined. The need's address and phone (and the requester's phone) must appear in
no response body, byte for byte, except the requester's own and the accepted helper's while
the match is open.
"""

from dataclasses import dataclass

import pytest

from mutualaid.needs import services
from mutualaid.needs.models import Match
from mutualaid.networks.models import Member
from tests.api.conftest import ApiClient, api_client_for
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.factories import MemberFactory, NeedFactory

SECRETS = (SECRET_ADDRESS.encode(), SECRET_PHONE.encode())
ROLES = ["anonymous", "outsider", "bystander", "requester", "accepted_helper", "declined_helper"]


@dataclass
class World:
    clients: dict[str, ApiClient]
    need_id: int
    accepted_id: int
    declined_id: int


@pytest.fixture
def world(network, outsider) -> World:
    requester = MemberFactory(
        network=network,
        display_name="Rosa",
        phone=SECRET_PHONE,
        contact_preference=Member.ContactPreference.PHONE,
    )
    need = NeedFactory(requester=requester, address=SECRET_ADDRESS, phone=SECRET_PHONE)
    declined_helper = MemberFactory(network=network, display_name="Dora")
    accepted_helper = MemberFactory(network=network, display_name="Hugo")
    declined = services.match_propose(actor=declined_helper, need=need, message="me?")
    services.match_decline(actor=requester, match=declined)
    accepted = services.match_propose(actor=accepted_helper, need=need, message="me!")
    services.match_accept(actor=requester, match=accepted)
    members = {
        "anonymous": None,
        "outsider": outsider,
        "bystander": MemberFactory(network=network, display_name="Bea"),
        "requester": requester,
        "accepted_helper": accepted_helper,
        "declined_helper": declined_helper,
    }
    clients = {role: api_client_for(member) for role, member in members.items()}
    return World(clients, need.pk, accepted.pk, declined.pk)


def reads(world: World) -> dict[str, str]:
    return {
        "me": "/me",
        "my data": "/me/data",
        "needs": "/needs",
        "need": f"/needs/{world.need_id}",
        "matches": "/matches",
        "live matches": "/matches?live_only=true",
        "accepted match": f"/matches/{world.accepted_id}",
        "declined match": f"/matches/{world.declined_id}",
        "offers": "/offers",
        "categories": "/categories",
        "neighbourhoods": "/neighbourhoods",
        "applications": "/applications",
    }


def leaks(response) -> bool:
    return any(secret in response.content for secret in SECRETS)


# Which reads may carry the secrets, per role: the requester's own need and own data export,
# and the accepted helper's view of the need while the match is open.
MAY_SEE_SECRETS = {
    "requester": {"me", "my data", "need"},
    "accepted_helper": {"need"},
}


@pytest.mark.parametrize("role", ROLES)
def test_the_address_and_phone_appear_only_where_allowed(world, role):
    client = world.clients[role]
    for name, path in reads(world).items():
        response = client.get(path)
        assert response.status_code < 500, (role, name)
        allowed = name in MAY_SEE_SECRETS.get(role, set())
        assert leaks(response) == allowed, (role, name, response.content[:300])


VISIBILITY = {
    # read: anonymous, outsider, bystander, requester, accepted, declined
    "need": (401, 404, 200, 200, 200, 200),
    "accepted match": (401, 404, 404, 200, 200, 404),
    "declined match": (401, 404, 404, 200, 404, 200),
    "needs": (401, 200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("read", VISIBILITY)
def test_who_may_read_what(world, read):
    path = reads(world)[read]
    statuses = tuple(world.clients[role].get(path).status_code for role in ROLES)
    assert statuses == VISIBILITY[read]


def test_the_need_list_is_empty_for_another_networks_member(world):
    assert world.clients["outsider"].get("/needs").json()["count"] == 0


def test_the_accepted_helper_sees_the_private_details_and_no_one_else(world):
    private = {
        role: world.clients[role].get(f"/needs/{world.need_id}").json().get("private")
        for role in ("bystander", "requester", "accepted_helper", "declined_helper")
    }
    assert private["accepted_helper"]["address"] == SECRET_ADDRESS
    assert private["accepted_helper"]["contact_phone"] == SECRET_PHONE
    assert private["requester"]["address"] == SECRET_ADDRESS
    assert private["bystander"] is None
    assert private["declined_helper"] is None


def test_a_declined_offer_is_seen_only_by_the_two_people_involved(world):
    def declined_ids(role):
        body = world.clients[role].get(f"/needs/{world.need_id}").json()
        return [m["id"] for m in body["matches"] if m["state"] == "declined"]

    assert declined_ids("requester") == [world.declined_id]
    assert declined_ids("declined_helper") == [world.declined_id]
    assert declined_ids("accepted_helper") == []
    assert declined_ids("bystander") == []


@pytest.mark.parametrize("step", ["release", "done"])
def test_the_helper_loses_the_address_once_the_match_is_over(world, step):
    helper, requester = world.clients["accepted_helper"], world.clients["requester"]
    if step == "release":
        helper.post(f"/matches/{world.accepted_id}/release", {"reason": "Sorry, ill"})
    else:
        helper.post(f"/matches/{world.accepted_id}/start")
        helper.post(f"/matches/{world.accepted_id}/confirm-done")
        requester.post(f"/matches/{world.accepted_id}/confirm-done")
    assert Match.objects.get(pk=world.accepted_id).state in {"released", "done"}
    response = helper.get(f"/needs/{world.need_id}")
    assert response.json()["private"] is None
    assert not leaks(response)


WRITES = {
    # write: (method, path template, body), then statuses for the six roles in ROLES order
    "close the need": (
        ("post", "/needs/{need}/close", {}),
        (401, 404, 403, 200, 403, 403),
    ),
    "say it is still needed": (
        ("post", "/needs/{need}/still-needed", {"still_needed": True}),
        (401, 404, 403, 409, 403, 403),
    ),
    "offer help": (
        ("post", "/needs/{need}/offers-of-help", {}),
        (401, 404, 409, 400, 409, 409),
    ),
    "start the match": (
        ("post", "/matches/{accepted}/start", {}),
        (401, 404, 404, 200, 200, 404),
    ),
    "release the match": (
        ("post", "/matches/{accepted}/release", {"reason": "Ill"}),
        (401, 404, 404, 403, 200, 404),
    ),
    "cancel the match": (
        ("post", "/matches/{accepted}/cancel", {}),
        (401, 404, 404, 200, 200, 404),
    ),
    "accept the declined offer": (
        ("post", "/matches/{declined}/accept", {}),
        (401, 404, 404, 409, 404, 403),
    ),
}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_who_may_do_what(world, write, role_index):
    (method, template, body), statuses = WRITES[write]
    role = ROLES[role_index]
    path = template.format(
        need=world.need_id, accepted=world.accepted_id, declined=world.declined_id
    )
    response = getattr(world.clients[role], method)(path, body)
    assert response.status_code == statuses[role_index], (role, write, response.content[:300])
    if role not in MAY_SEE_SECRETS or response.status_code >= 400:
        assert not leaks(response), (role, write)
