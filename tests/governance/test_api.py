"""The governance API: roles, members and trust, and the history log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.history import history_record
from mutualaid.governance.models import Trust
from mutualaid.governance.selectors import roles_of
from mutualaid.governance.services.trust import trust_give
from mutualaid.needs import services as need_services
from mutualaid.needs.models import Need
from tests.api.conftest import API, ApiClient, api_client_for, assert_error
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.factories import CategoryFactory, MemberFactory

pytestmark = pytest.mark.django_db

SECRET_MESSAGE = "I can come by at 6, my door code is 4411"


@pytest.fixture
def anonymous_api(db):
    return ApiClient(None)


@pytest.fixture
def requester_api(requester):
    return api_client_for(requester)


@pytest.fixture
def bystander_api(bystander):
    return api_client_for(bystander)


def delete(api, path):
    return api.client.delete(API + path, headers=api._headers(None))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/governance/roles"),
        ("get", "/governance/members"),
        ("post", "/governance/trust/1"),
        ("delete", "/governance/trust/1"),
        ("get", "/history"),
    ],
)
def test_every_governance_operation_needs_a_token(anonymous_api, method, path):
    response = (
        delete(anonymous_api, path)
        if method == "delete"
        else (getattr(anonymous_api, method)(path))
    )
    assert_error(response, 401, "unauthorized")


def test_members_lists_my_network_with_roles_and_trust(requester, helper, outsider, requester_api):
    trust_give(actor=requester, receiver=helper)
    body = requester_api.get("/governance/members").json()
    by_name = {row["display_name"]: row for row in body}
    assert set(by_name) == {"Rosa", "Hugo"}
    assert by_name["Hugo"]["trusted_by"] == 1
    assert by_name["Hugo"]["trusted_by_me"] is True
    assert by_name["Hugo"]["roles"] == ["Coordinator", "Moderator"]
    assert by_name["Rosa"]["trusted_by_me"] is False


def test_roles_describe_permissions_threshold_term_and_holders(requester, helper, requester_api):
    trust_give(actor=requester, receiver=helper)
    roles = {r["slug"]: r for r in requester_api.get("/governance/roles").json()}
    coordinator = roles["coordinator"]
    assert "application.review" in coordinator["permissions"]
    assert "Approve or decline applications to join." in coordinator["permission_descriptions"]
    assert coordinator["trust_needed_now"] == 1
    assert coordinator["term_months"] == 12
    [holder] = coordinator["holders"]
    assert holder["member_id"] == helper.pk
    assert holder["expires_at"] is not None


def test_trust_through_the_api_earns_and_loses_a_role(network, requester, helper, bystander):
    # given four members: coordinator needs min(3, ceil(0.5 × 4)) = 2 trusts
    ruth = MemberFactory(network=network, display_name="Ruth")
    # when two trust Ruth
    for giver in (requester, helper):
        response = api_client_for(giver).post(f"/governance/trust/{ruth.pk}")
        assert response.status_code == 200, response.content
    # then she is a coordinator, and the answer says so
    assert response.json()["trusted_by"] == 2
    assert "Coordinator" in response.json()["roles"]
    assert "coordinator" in {r.slug for r in roles_of(ruth)}
    # when one takes it back, she is not
    response = delete(api_client_for(helper), f"/governance/trust/{ruth.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["trusted_by_me"] is False
    assert "coordinator" not in {r.slug for r in roles_of(ruth)}


def test_bad_trust_requests_are_refused_and_write_nothing(
    requester, helper, outsider, requester_api
):
    body = assert_error(requester_api.post(f"/governance/trust/{requester.pk}"), 400)
    assert body["message"] == "You cannot give trust to yourself."
    body = assert_error(requester_api.post(f"/governance/trust/{outsider.pk}"), 404, "not_found")
    assert "in your network" in body["message"]
    assert_error(requester_api.post("/governance/trust/999999"), 404, "not_found")
    assert_error(requester_api.post("/governance/trust/0"), 422, "invalid_input")
    assert_error(delete(requester_api, f"/governance/trust/{helper.pk}"), 404, "not_found")
    assert not Trust.objects.exists()
    requester_api.post(f"/governance/trust/{helper.pk}")
    assert_error(requester_api.post(f"/governance/trust/{helper.pk}"), 409, "conflict")
    assert Trust.objects.count() == 1


def test_history_is_my_networks_without_private_details(
    network, requester, helper, outsider, bystander_api
):
    need = need_services.need_create(
        actor=requester,
        category=CategoryFactory(network=network),
        description="Groceries for the week",
        urgency=Need.Urgency.THIS_WEEK,
        window_start=timezone.now(),
        window_end=timezone.now() + timedelta(days=2),
        cell=requester.cell,
        address=SECRET_ADDRESS,
        phone=SECRET_PHONE,
    )
    match = need_services.match_propose(actor=helper, need=need, message=SECRET_MESSAGE)
    history_record(actor=helper, action="match.start", target=match, message=SECRET_MESSAGE)
    history_record(actor=outsider, action="need.create", target=outsider)

    response = bystander_api.get("/history")

    assert response.status_code == 200
    body = response.json()
    text = response.content.decode()
    for secret in (SECRET_ADDRESS, SECRET_PHONE, SECRET_MESSAGE, "Olga"):
        assert secret not in text
    actions = [item["action"] for item in body["items"]]
    assert actions[0] == "match.start"  # newest first
    assert "need.create" in actions
    [created] = [item for item in body["items"] if item["action"] == "need.create"]
    assert created["actor_name"] == "Rosa"
    assert created["data"] == {"category": "groceries"}


def test_history_filters_by_kind_and_member(requester, helper, requester_api):
    trust_give(actor=requester, receiver=helper)
    items = requester_api.get("/history", {"kind": "trust"}).json()["items"]
    assert [i["action"] for i in items] == ["trust.give"]
    items = requester_api.get("/history", {"member_id": helper.pk}).json()["items"]
    assert items == []
    assert_error(requester_api.get("/history", {"kind": "secrets"}), 422, "invalid_input")


def test_history_shows_that_a_member_voted_never_who_nor_how(
    network, requester, helper, bystander_api
):
    from mutualaid.governance.services.proposals import proposal_open, proposal_vote

    proposal = proposal_open(
        actor=requester,
        title="Buy a second freezer",
        body="The first one is full every Friday.",
        method="consent",
        deadline=timezone.now() + timedelta(days=3),
        anonymous=True,
    )
    proposal_vote(actor=helper, proposal=proposal, choice="objection", reason="too loud, sorry")

    items = bystander_api.get("/history", {"kind": "proposal"}).json()["items"]

    assert [i["action"] for i in items] == ["proposal.vote", "proposal.open"]
    assert items[0]["actor_name"] == "A member"  # never Hugo: one vote and a tally tell all
    assert items[0]["data"] == {}
    assert "too loud" not in str(items)
