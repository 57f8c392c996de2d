"""Needs through the API: browse with filters and pages, post, read, close, still needed,
and offering help."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.needs.models import Match, Need
from mutualaid.networks.models import Neighbourhood
from tests.api.conftest import assert_error
from tests.factories import (
    CENTER_CELL,
    FAR_CELL,
    NEARBY_CELL,
    CategoryFactory,
    NeedFactory,
    OfferFactory,
)

NEED_FIELDS = {
    "id",
    "category",
    "description",
    "urgency",
    "window_start",
    "window_end",
    "cell",
    "neighbourhood",
    "distance_km",
    "languages",
    "status",
    "created_at",
    "for_someone_else",
    "mine",
    "actions",
}


def need_body(**overrides):
    now = timezone.now()
    body = {
        "category": "groceries",
        "description": "Someone to pick up groceries",
        "urgency": "today",
        "window_start": now.isoformat(),
        "window_end": (now + timedelta(days=2)).isoformat(),
        "cell": NEARBY_CELL,
        "languages": ["en", "es"],
        "address": "1 Main St",
        "phone": "+1 510 555 0000",
    }
    return body | overrides


# --- Browse


def test_the_list_shows_open_needs_of_my_network_with_public_fields_only(
    need, bystander_api, outsider
):
    Neighbourhood.objects.create(network=need.network, name="Lakeside", cell=need.cell)
    NeedFactory(requester=outsider)  # another network's need
    NeedFactory(requester=need.requester, status=Need.Status.CLOSED)

    response = bystander_api.get("/needs")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["page"] == 1
    [item] = body["items"]
    assert set(item) == NEED_FIELDS
    assert item["id"] == need.pk
    assert item["category"] == {"slug": "groceries", "label": "Groceries"}
    assert item["neighbourhood"] == "Lakeside"
    assert item["distance_km"] == pytest.approx(1.0, abs=0.5)
    assert item["mine"] is False


def test_the_list_filters_like_the_page(requester, bystander_api):
    network = requester.network
    meals = CategoryFactory(network=network, slug="meals", name="Meals")
    groceries = NeedFactory(requester=requester, urgency="today", languages=["es"])
    meal = NeedFactory(requester=requester, category=meals, urgency="flexible", cell=FAR_CELL)

    def ids(**params):
        response = bystander_api.get("/needs", params)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids() == {groceries.pk, meal.pk}
    assert ids(category="meals") == {meal.pk}
    assert ids(category="no-such-category") == set()
    assert ids(urgency="today") == {groceries.pk}
    assert ids(language="es") == {groceries.pk}
    assert ids(nearby="true") == {groceries.pk}
    assert ids(nearby="false") == {groceries.pk, meal.pk}


def test_the_list_puts_the_most_urgent_first(requester, bystander_api):
    flexible = NeedFactory(requester=requester, urgency="flexible")
    today = NeedFactory(requester=requester, urgency="today")
    items = bystander_api.get("/needs").json()["items"]
    assert [i["id"] for i in items] == [today.pk, flexible.pk]


def test_the_list_is_paginated(requester, bystander_api):
    needs = [NeedFactory(requester=requester) for _ in range(5)]
    first = bystander_api.get("/needs", {"page_size": 2}).json()
    third = bystander_api.get("/needs", {"page_size": 2, "page": 3}).json()
    beyond = bystander_api.get("/needs", {"page_size": 2, "page": 9}).json()
    assert first["count"] == 5
    assert len(first["items"]) == 2
    assert [i["id"] for i in third["items"]] == [needs[0].pk]
    assert beyond["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 101},
        {"page_size": 0},
        {"page": 0},
        {"page": 10**30},
        {"urgency": "whenever"},
        {"language": "xx"},
        {"nearby": "perhaps"},
        {"category": "x" * 100_000},
    ],
)
def test_bad_list_parameters_are_422(bystander_api, params):
    assert_error(bystander_api.get("/needs", params), 422, "invalid_input")


# --- Post


def test_a_member_posts_a_need(requester, requester_api, category):
    response = requester_api.post("/needs", need_body())
    assert response.status_code == 201, response.content
    body = response.json()
    need = Need.objects.get(pk=body["id"])
    assert need.requester == requester
    assert need.address == "1 Main St"
    assert body["status"] == "open"
    assert body["languages"] == ["en", "es"]
    assert body["mine"] is True
    assert body["private"]["address"] == "1 Main St"  # the requester sees their own
    assert body["matches"] == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "not-a-category"}, "category"),
        ({"cell": "not-a-cell"}, "cell"),
        ({"window_end": (timezone.now() - timedelta(days=1)).isoformat()}, "window_end"),
        ({"window_end": (timezone.now() + timedelta(days=200)).isoformat()}, "window_end"),
        ({"description": "   "}, "description"),
    ],
)
def test_a_need_the_services_refuse_is_400_with_the_field(
    requester_api, category, overrides, field
):
    body = assert_error(requester_api.post("/needs", need_body(**overrides)), 400, "invalid_input")
    assert field in body["fields"]
    assert not Need.objects.exists()


def test_a_need_window_without_a_time_zone_is_422(requester_api, category):
    response = requester_api.post("/needs", need_body(window_start="2030-01-01T10:00:00"))
    body = assert_error(response, 422, "invalid_input")
    assert "window_start" in body["fields"]


def test_a_category_of_another_network_cannot_be_used(requester_api, outsider):
    CategoryFactory(network=outsider.network, slug="only-there", name="Only there")
    response = requester_api.post("/needs", need_body(category="only-there"))
    assert_error(response, 400, "invalid_input")


# --- Read, close, still needed


def test_a_need_in_detail_for_a_bystander_has_no_private_details(need, bystander_api):
    body = bystander_api.get(f"/needs/{need.pk}").json()
    assert set(body) == NEED_FIELDS | {"private", "matches"}
    assert body["private"] is None
    assert body["matches"] == []


def test_the_requester_sees_every_offer_of_help_on_their_need(need, requester_api, helper):
    from mutualaid.needs import services

    match = services.match_propose(actor=helper, need=need, message="Happy to")
    body = requester_api.get(f"/needs/{need.pk}").json()
    [seen] = body["matches"]
    assert seen["id"] == match.pk
    assert seen["helper"] == {"id": helper.pk, "display_name": "Hugo"}
    assert seen["message"] == "Happy to"
    assert seen["my_side"] == "requester"


def test_the_requester_closes_their_need(need, requester_api):
    response = requester_api.post(f"/needs/{need.pk}/close")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert_error(requester_api.post(f"/needs/{need.pk}/close"), 409, "illegal_transition")


def test_still_needed_yes_extends_and_no_closes(need, requester_api):
    before = need.window_end
    response = requester_api.post(f"/needs/{need.pk}/still-needed", {"still_needed": True})
    assert response.status_code == 200
    need.refresh_from_db()
    assert need.window_end > before
    response = requester_api.post(f"/needs/{need.pk}/still-needed", {"still_needed": False})
    assert response.json()["status"] == "closed"


# --- Offering help


def test_a_member_offers_help_and_gets_a_proposed_match(need, helper, helper_api):
    response = helper_api.post(f"/needs/{need.pk}/offers-of-help", {"message": "I have a car"})
    assert response.status_code == 201, response.content
    body = response.json()
    match = Match.objects.get(pk=body["id"])
    assert match.helper == helper
    assert body["state"] == "proposed"
    assert body["my_side"] == "helper"
    assert body["need"]["id"] == need.pk


def test_offering_help_with_one_of_my_offers(need, helper, helper_api):
    offer = OfferFactory(helper=helper)
    response = helper_api.post(f"/needs/{need.pk}/offers-of-help", {"offer_id": offer.pk})
    assert response.status_code == 201
    assert response.json()["offer_id"] == offer.pk


def test_offering_help_with_someone_elses_offer_is_refused(need, helper_api, bystander):
    offer = OfferFactory(helper=bystander)
    response = helper_api.post(f"/needs/{need.pk}/offers-of-help", {"offer_id": offer.pk})
    assert_error(response, 400, "invalid_input")
    assert not Match.objects.exists()


def test_offering_help_twice_is_a_conflict(need, helper_api):
    assert helper_api.post(f"/needs/{need.pk}/offers-of-help", {}).status_code == 201
    assert_error(helper_api.post(f"/needs/{need.pk}/offers-of-help", {}), 409, "conflict")
    assert Match.objects.count() == 1


def test_a_requester_cannot_offer_help_with_their_own_need(need, requester_api):
    assert_error(requester_api.post(f"/needs/{need.pk}/offers-of-help", {}), 400)


def test_the_member_area_is_used_for_distance(need, bystander, bystander_api):
    bystander.cell = CENTER_CELL
    bystander.save()
    body = bystander_api.get(f"/needs/{need.pk}").json()
    assert body["distance_km"] > 0
