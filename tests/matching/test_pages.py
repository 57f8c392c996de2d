"""Matching's pages: how matching works, a need's best helpers with "Ask them", and the
helper's yes or no on the match card."""

from django.urls import reverse

from mutualaid.matching.services import policy_change, suggestion_create
from mutualaid.needs.models import Match
from mutualaid.networks.models import Member
from tests.conftest import client_for
from tests.factories import MemberFactory, NeedFactory
from tests.matching.helpers import a_helper


def need_page(need):
    return reverse("needs:need_detail", kwargs={"slug": need.network.slug, "need_id": need.pk})


def ask_url(need):
    return reverse("matching:need_ask", kwargs={"slug": need.network.slug, "need_id": need.pk})


def test_how_matching_works_shows_the_networks_policy_in_plain_words(network, bystander):
    url = reverse("matching:how_it_works", kwargs={"slug": network.slug})

    page = client_for(bystander).get(url).content.decode()
    assert "Nobody is asked for more than 3 tasks a week." in page
    assert "People who have had the least help recently come first." in page

    policy_change(network=network, changes={"helper_cap": 5, "cap_period_days": 14})
    page = client_for(bystander).get(url).content.decode()
    assert "Nobody is asked for more than 5 tasks in 14 days." in page


def test_an_organiser_sees_a_needs_best_helpers_and_can_ask_one(network, need):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    helper = a_helper(network, display_name="Hana", languages=["en", "es"])
    client = client_for(organiser)

    page = client.get(need_page(need)).content.decode()
    assert "Who could help" in page
    assert "Hana" in page
    assert "km away" in page

    response = client.post(ask_url(need), {"helper": helper.pk})
    assert response.status_code == 302
    match = Match.objects.get(need=need, helper=helper)
    assert (match.state, match.origin) == (Match.State.SUGGESTED, Match.Origin.ASKED)
    assert match.explanation[0][0] == "distance_km"
    assert "km away" in client_for(helper).get(need_page(need)).content.decode()
    assert "asked, waiting for their answer" in client.get(need_page(need)).content.decode()


def test_members_and_requesters_do_not_see_suggested_helpers_unless_allowed(network, need):
    a_helper(network, display_name="Hana")
    bystander = MemberFactory(network=network)

    assert "Who could help" not in client_for(bystander).get(need_page(need)).content.decode()
    requester = client_for(need.requester)
    assert "Who could help" not in requester.get(need_page(need)).content.decode()

    policy_change(network=network, changes={"requester_sees_suggestions": True})
    assert "Hana" in requester.get(need_page(need)).content.decode()


def test_asking_without_the_right_is_refused_and_writes_nothing(network, need):
    helper = a_helper(network)
    bystander = MemberFactory(network=network)

    response = client_for(bystander).post(ask_url(need), {"helper": helper.pk}, follow=True)

    assert "You are not allowed to do that." in response.content.decode()
    assert not Match.objects.exists()


def test_the_helper_answers_a_suggestion_on_the_match_card(network, need):
    helper = a_helper(network)
    match = suggestion_create(need=need, helper=helper, explanation=[("distance_km", 1.2)])
    client = client_for(helper)

    page = client.get(need_page(need)).content.decode()
    assert "A neighbour may need your help" in page
    assert "1.2 km away" in page
    assert "Yes, I can help" in page
    assert "Not this time" in page

    step = reverse(
        "needs:match_step",
        kwargs={"slug": network.slug, "match_id": match.pk, "action": "agree"},
    )
    assert client.post(step).status_code == 302
    match.refresh_from_db()
    assert match.state == Match.State.PROPOSED
    assert "offered to help" in client_for(need.requester).get(need_page(need)).content.decode()


def test_the_requester_never_sees_a_suggestion_the_helper_turned_down(network, need):
    helper = a_helper(network, display_name="Hana")
    match = suggestion_create(need=need, helper=helper)
    step = reverse(
        "needs:match_step", kwargs={"slug": network.slug, "match_id": match.pk, "action": "pass"}
    )

    assert client_for(helper).post(step).status_code == 302

    assert Match.objects.get(pk=match.pk).state == Match.State.PASSED
    assert "Hana" not in client_for(need.requester).get(need_page(need)).content.decode()
    # nor can they act on it
    accept = reverse(
        "needs:match_step",
        kwargs={"slug": network.slug, "match_id": match.pk, "action": "accept"},
    )
    assert client_for(need.requester).post(accept).status_code == 404


def test_a_need_with_no_possible_helper_says_so(network):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    need = NeedFactory(requester=MemberFactory(network=network), languages=["am"])
    a_helper(network, languages=["en"])

    page = client_for(organiser).get(need_page(need)).content.decode()

    assert "Nobody fits this need right now" in page
