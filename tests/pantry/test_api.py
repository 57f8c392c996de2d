"""The pantry through the JSON API: the same services, errors with stable codes."""

from typing import get_args

import pytest

from mutualaid.networks.services import api_token_create
from mutualaid.pantry import api as pantry_api
from mutualaid.pantry import services
from mutualaid.pantry.models import (
    DietaryTag,
    Distribution,
    ItemCategory,
    Lot,
    Reservation,
    StockMovement,
    Unit,
)
from tests.api.conftest import ApiClient
from tests.pantry.conftest import stock


@pytest.fixture
def api(keeper):
    _token, secret = api_token_create(actor=keeper, name="pantry tablet")
    return ApiClient(secret)


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        (pantry_api.UnitName, Unit.values),
        (pantry_api.CategoryName, ItemCategory.values),
        (pantry_api.Tag, DietaryTag.values),
        (pantry_api.Source, Lot.Source.values),
        (pantry_api.AdjustReason, [v for v in StockMovement.Reason.values if v]),
        (pantry_api.ReservationState, Reservation.State.values),
    ],
)
def test_the_api_lists_exactly_the_models_choices(literal, values):
    assert sorted(get_args(literal)) == sorted(values)


def test_intake_then_distribution_through_the_api(api, rice, formula, household):
    response = api.post(
        "/pantry/intake",
        {
            "source": "food_rescue",
            "lines": [
                {"item": rice.pk, "quantity": 5, "unit": "kg", "expires_on": "2999-01-01"},
                {"item": formula.pk, "quantity": 2, "unit": "can"},
            ],
        },
        headers={"Idempotency-Key": "delivery-1"},
    )
    assert response.status_code == 201, response.json()
    again = api.post(
        "/pantry/intake",
        {
            "source": "food_rescue",
            "lines": [
                {"item": rice.pk, "quantity": 5, "unit": "kg", "expires_on": "2999-01-01"},
                {"item": formula.pk, "quantity": 2, "unit": "can"},
            ],
        },
        headers={"Idempotency-Key": "delivery-1"},
    )
    assert again.json() == response.json()
    assert Lot.objects.count() == 2
    given = api.post(
        "/pantry/distributions",
        {"household": household.pk, "lines": [{"item": rice.pk, "quantity": 2}]},
    )
    assert given.status_code == 201, given.json()
    assert given.json()["lines"] == [{"item_id": rice.pk, "quantity": 2}]
    items = {i["name"]: i for i in api.get("/pantry/items").json()}
    assert items["Rice"]["available"] == 3


def test_not_enough_stock_has_its_own_code(api, keeper, rice, household):
    stock(keeper, rice, 1)
    response = api.post(
        "/pantry/distributions",
        {"household": household.pk, "lines": [{"item": rice.pk, "quantity": 2}]},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_enough_stock"
    assert not Distribution.objects.exists()


@pytest.mark.parametrize("quantity", [0, -4])
def test_a_zero_or_negative_quantity_is_refused_in_words(api, rice, quantity):
    response = api.post(
        "/pantry/intake",
        {"source": "donation", "lines": [{"item": rice.pk, "quantity": quantity, "unit": "kg"}]},
    )
    assert response.status_code == 400
    assert "at least 1" in response.json()["message"]
    assert not Lot.objects.exists()


def test_the_fair_share_left_is_readable(api, keeper, formula, household, network):
    services.fair_share_set(
        network=network, item_name="Baby formula", quantity=2, period="week", reason="t"
    )
    [allowance] = api.get(f"/pantry/households/{household.pk}/allowances").json()
    assert allowance["remaining"] == 2
    assert api.get("/pantry/rules").json() == {
        "rules": ["Each household may take up to 2 cans of Baby formula a week."]
    }


def test_a_member_without_the_permission_sees_no_household(bystander, household):
    _token, secret = api_token_create(actor=bystander, name="phone")
    response = ApiClient(secret).get(f"/pantry/households/{household.pk}/allowances")
    assert response.status_code == 404


def test_the_capacity_signal_needs_no_sign_in(keeper, rice, network):
    stock(keeper, rice, 1)
    response = ApiClient(None).get(f"/networks/{network.slug}/pantry/capacity")
    assert response.status_code == 200
    assert response.json() == {"open_now": False, "low_on": ["Rice"], "household_slots_left": None}
    assert ApiClient(None).get("/networks/nowhere/pantry/capacity").status_code == 404


def test_a_lot_is_adjusted_through_the_api(api, keeper, rice):
    lot = stock(keeper, rice, 4)
    response = api.post(f"/pantry/lots/{lot.pk}/adjust", {"change": -1, "reason": "damaged"})
    assert response.status_code == 200
    assert response.json()["quantity"] == 3


def test_a_reservation_is_held_and_given_out_through_the_api(
    api, keeper, rice, household, requester, helper
):
    from mutualaid.needs import services as need_services
    from tests.factories import NeedFactory

    stock(keeper, rice, 5)
    match = need_services.match_propose(actor=helper, need=NeedFactory(requester=requester))
    held = api.post("/pantry/reservations", {"match": match.pk, "item": rice.pk, "quantity": 3})
    assert held.status_code == 201, held.json()
    again = api.post("/pantry/reservations", {"match": match.pk, "item": rice.pk, "quantity": 1})
    assert again.status_code == 409
    given = api.post(
        f"/pantry/reservations/{held.json()['id']}/fulfil", {"household": household.pk}
    )
    assert given.status_code == 201, given.json()
    rice.refresh_from_db()
    assert (rice.on_hand, rice.reserved) == (2, 0)


def test_an_item_is_changed_and_retired_through_the_api(api, keeper, rice):
    changed = api.patch(f"/pantry/items/{rice.pk}", {"low_stock_below": 9})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["low_stock_below"] == 9
    assert changed.json()["name"] == "Rice"
    stock(keeper, rice, 1)
    locked = api.patch(f"/pantry/items/{rice.pk}", {"unit": "pack"})
    assert locked.status_code == 400
    assert "unit cannot change" in locked.json()["message"]
    refused = api.post(f"/pantry/items/{rice.pk}/retire")
    assert refused.status_code == 409
    lot = Lot.objects.get(item=rice)
    services.stock_count(actor=keeper, lot=lot, counted=0)
    retired = api.post(f"/pantry/items/{rice.pk}/retire")
    assert retired.status_code == 200, retired.json()
    assert retired.json()["retired_at"] is not None


def test_a_household_is_linked_through_the_api(api, household, requester, bystander):
    from tests.api.conftest import api_client_for

    linked = api.post(f"/pantry/households/{household.pk}/member", {"member": requester.pk})
    assert linked.status_code == 200, linked.json()
    assert linked.json()["member_id"] == requester.pk
    refused = api_client_for(bystander).post(
        f"/pantry/households/{household.pk}/member", {"member": None}
    )
    assert refused.status_code in (403, 404)
    household.refresh_from_db()
    assert household.member == requester
    unlinked = api.post(f"/pantry/households/{household.pk}/member", {"member": None})
    assert unlinked.json()["member_id"] is None
