"""Matching through the JSON API: the policy, a need's candidates, asking one, and the
helper's yes or no through the match step endpoints."""

from mutualaid.matching.services import suggestion_create
from mutualaid.needs.models import Match
from mutualaid.networks.models import Member
from tests.api.conftest import api_client_for
from tests.factories import MemberFactory
from tests.matching.helpers import a_helper


def test_any_member_reads_the_policy_with_its_plain_words(network, bystander):
    response = api_client_for(bystander).get("/matching/policy")

    assert response.status_code == 200
    body = response.json()
    assert body["helper_cap"] == 3
    assert body["in_words"][0].startswith("Nobody is asked for more than 3 tasks a week.")


def test_an_organiser_lists_candidates_and_asks_one(network, need):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    helper = a_helper(network, display_name="Hana")
    api = api_client_for(organiser)

    [candidate] = api.get(f"/needs/{need.pk}/candidates").json()
    assert candidate["helper"] == {"id": helper.pk, "display_name": "Hana"}
    assert candidate["reasons"][0].endswith("km away")
    assert candidate["asked"] is False

    asked = api.post(f"/needs/{need.pk}/candidates", {"helper_id": helper.pk})
    assert asked.status_code == 201, asked.content
    assert asked.json()["state"] == "suggested"
    [again] = api.get(f"/needs/{need.pk}/candidates").json()
    assert again["asked"] is True


def test_candidates_are_empty_for_a_member_who_may_not_see_them(network, need, bystander):
    a_helper(network)

    assert api_client_for(bystander).get(f"/needs/{need.pk}/candidates").json() == []


def test_asking_a_member_of_another_network_is_a_404(network, need, outsider):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)

    response = api_client_for(organiser).post(
        f"/needs/{need.pk}/candidates", {"helper_id": outsider.pk}
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_helper_says_yes_or_no_through_the_match_endpoints(network, need):
    yes, no = a_helper(network), a_helper(network)
    first = suggestion_create(need=need, helper=yes, explanation=[("distance_km", 0.4)])
    second = suggestion_create(need=need, helper=no)

    mine = api_client_for(yes).get(f"/matches/{first.pk}").json()
    assert mine["explanation"] == ["0.4 km away"]
    assert mine["state"] == "suggested"
    assert api_client_for(yes).post(f"/matches/{first.pk}/agree").json()["state"] == "proposed"
    assert api_client_for(no).post(f"/matches/{second.pk}/pass").json()["state"] == "passed"

    requester = api_client_for(need.requester)
    assert [m["id"] for m in requester.get("/matches").json()["items"]] == [first.pk]
    assert requester.get(f"/matches/{second.pk}").status_code == 404
    refused = requester.post(f"/matches/{first.pk}/agree")
    assert refused.status_code == 403
    assert Match.objects.get(pk=first.pk).state == Match.State.PROPOSED


def test_asking_twice_with_one_idempotency_key_asks_once(network, need):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    helper = a_helper(network)
    api = api_client_for(organiser)
    headers = {"Idempotency-Key": "ask-hana-once"}

    first = api.post(f"/needs/{need.pk}/candidates", {"helper_id": helper.pk}, headers=headers)
    again = api.post(f"/needs/{need.pk}/candidates", {"helper_id": helper.pk}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Match.objects.filter(need=need, helper=helper).count() == 1
