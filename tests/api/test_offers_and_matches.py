"""Offers and matches through the API: the whole loop from offer of help to done."""

import pytest

from mutualaid.needs import services
from mutualaid.needs.models import Match, Need, Offer
from tests.api.conftest import assert_error
from tests.factories import CategoryFactory, NeedFactory, OfferFactory

# --- Offers


def test_a_member_posts_an_offer(helper, helper_api, category):
    body = {
        "kind": "skill",
        "title": "Bike repairs",
        "category": "groceries",
        "capacity": 2,
        "availability": ["sat-morning", "sun-evening"],
        "radius_km": 5,
    }
    response = helper_api.post("/offers", body)
    assert response.status_code == 201, response.content
    out = response.json()
    offer = Offer.objects.get(pk=out["id"])
    assert offer.helper == helper
    assert offer.cell == helper.cell  # my own area when left out
    assert out["category"] == {"slug": "groceries", "label": "Groceries"}
    assert out["mine"] is True
    assert out["helper"] == {"id": helper.pk, "display_name": "Hugo"}


def test_offers_are_listed_and_filtered(network, helper, bystander, bystander_api, outsider):
    groceries = CategoryFactory(network=network)
    skill = OfferFactory(helper=helper, kind="skill", category=groceries)
    item = OfferFactory(helper=helper, kind="item")
    OfferFactory(helper=helper, status=Offer.Status.PAUSED)
    OfferFactory(helper=outsider)
    mine = OfferFactory(helper=bystander, status=Offer.Status.PAUSED)

    def ids(**params):
        response = bystander_api.get("/offers", params)
        assert response.status_code == 200, response.content
        return {o["id"] for o in response.json()["items"]}

    assert ids() == {skill.pk, item.pk}
    assert ids(kind="item") == {item.pk}
    assert ids(category="groceries") == {skill.pk}
    assert ids(mine="true") == {mine.pk}
    assert_error(bystander_api.get("/offers", {"kind": "favour"}), 422)


def test_a_helper_pauses_and_withdraws_their_offer(helper, helper_api):
    offer = OfferFactory(helper=helper)
    response = helper_api.patch(f"/offers/{offer.pk}/status", {"status": "paused"})
    assert response.status_code == 200
    assert response.json()["status"] == "paused"
    helper_api.patch(f"/offers/{offer.pk}/status", {"status": "withdrawn"})
    again = helper_api.patch(f"/offers/{offer.pk}/status", {"status": "active"})
    assert_error(again, 409, "illegal_transition")


def test_only_the_helper_changes_an_offer(helper, bystander_api, outsider_api):
    offer = OfferFactory(helper=helper)
    assert_error(bystander_api.patch(f"/offers/{offer.pk}/status", {"status": "paused"}), 403)
    assert_error(outsider_api.patch(f"/offers/{offer.pk}/status", {"status": "paused"}), 404)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACTIVE


# --- Matches


def test_the_whole_loop_through_the_api(need, requester_api, helper_api):
    match_id = helper_api.post(f"/needs/{need.pk}/offers-of-help", {}).json()["id"]

    accepted = requester_api.post(f"/matches/{match_id}/accept")
    assert accepted.json()["state"] == "accepted"
    assert helper_api.post(f"/matches/{match_id}/start").json()["state"] == "in_progress"
    half = helper_api.post(f"/matches/{match_id}/confirm-done").json()
    assert half["state"] == "in_progress"
    assert half["helper_confirmed_done"] is True
    done = requester_api.post(f"/matches/{match_id}/confirm-done").json()

    assert done["state"] == "done"
    assert done["done_at"] is not None
    need.refresh_from_db()
    assert need.status == Need.Status.DONE


def test_the_requester_declines_an_offer_of_help(proposed_match, requester_api):
    response = requester_api.post(f"/matches/{proposed_match.pk}/decline")
    assert response.json()["state"] == "declined"


def test_the_helper_releases_with_a_reason_and_the_need_reopens(accepted_match, helper_api, need):
    missing = helper_api.post(f"/matches/{accepted_match.pk}/release", {})
    assert_error(missing, 422, "invalid_input")
    response = helper_api.post(f"/matches/{accepted_match.pk}/release", {"reason": "I'm ill"})
    assert response.json()["state"] == "released"
    assert response.json()["release_reason"] == "I'm ill"
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_either_side_cancels_with_or_without_a_reason(need, helper_api, requester_api):
    first = helper_api.post(f"/needs/{need.pk}/offers-of-help", {}).json()["id"]
    response = requester_api.post(f"/matches/{first}/cancel")
    assert response.json()["state"] == "cancelled"
    assert response.json()["cancelled_by"] == "requester"


def test_steps_out_of_turn_are_refused(proposed_match, requester_api, helper_api, bystander_api):
    pk = proposed_match.pk
    assert_error(helper_api.post(f"/matches/{pk}/accept"), 403, "forbidden")
    assert_error(requester_api.post(f"/matches/{pk}/start"), 409, "illegal_transition")
    assert_error(bystander_api.post(f"/matches/{pk}/accept"), 404, "not_found")
    proposed_match.refresh_from_db()
    assert proposed_match.state == Match.State.PROPOSED


def test_a_second_accept_on_the_same_need_is_a_readable_conflict(need, requester_api, network):
    from tests.factories import MemberFactory

    one, two = (
        services.match_propose(actor=MemberFactory(network=network), need=need) for _ in range(2)
    )
    assert requester_api.post(f"/matches/{one.pk}/accept").status_code == 200
    body = assert_error(requester_api.post(f"/matches/{two.pk}/accept"), 409, "conflict")
    assert body["message"] == "Someone else is already helping with this need."


def test_my_matches_are_listed_and_filtered(need, helper, helper_api, requester_api):
    live = services.match_propose(actor=helper, need=need)
    other_need = NeedFactory(requester=need.requester)
    gone = services.match_propose(actor=helper, need=other_need)
    services.match_cancel(actor=helper, match=gone)

    every = helper_api.get("/matches").json()
    only_live = helper_api.get("/matches", {"live_only": "true"}).json()

    assert {m["id"] for m in every["items"]} == {live.pk, gone.pk}
    assert [m["id"] for m in only_live["items"]] == [live.pk]
    assert requester_api.get("/matches").json()["count"] == 2
    assert every["items"][0]["my_side"] == "helper"


def test_a_match_is_seen_by_its_two_sides_only(proposed_match, requester_api, bystander_api):
    response = requester_api.get(f"/matches/{proposed_match.pk}")
    assert response.status_code == 200
    assert response.json()["my_side"] == "requester"
    assert_error(bystander_api.get(f"/matches/{proposed_match.pk}"), 404)


@pytest.mark.parametrize("step", ["accept", "decline", "start", "confirm-done", "cancel"])
def test_unknown_matches_are_404(requester_api, step):
    assert_error(requester_api.post(f"/matches/999999/{step}"), 404, "not_found")
