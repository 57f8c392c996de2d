"""The actions the API lists on an item or a reservation are exactly what the services then
allow: the same predicates decide both, for a keeper and for a member without the permission."""

import pytest
from django.urls import reverse

from mutualaid.core.errors import Conflict, PermissionDenied
from mutualaid.needs import services as need_services
from mutualaid.networks.services import api_token_create
from mutualaid.pantry.models import Lot
from mutualaid.pantry.services.items import item_retire
from mutualaid.pantry.services.reservations import reservation_create, reservation_release
from mutualaid.pantry.services.stock import stock_count
from tests.api.conftest import ApiClient
from tests.conftest import client_for
from tests.factories import NeedFactory
from tests.pantry.conftest import stock


def client_of(member):
    _token, secret = api_token_create(actor=member, name="test")
    return ApiClient(secret)


def actions_of(member, path, pk):
    [row] = [row for row in client_of(member).get(path).json() if row["id"] == pk]
    return row["actions"]


def test_a_member_without_the_permission_is_offered_nothing_and_refused(bystander, rice):
    # given an item, and a member who does not hold the pantry permission
    # when they list the items, then no action is offered
    assert actions_of(bystander, "/pantry/items", rice.pk) == []
    # and the service refuses the one they might try anyway
    with pytest.raises(PermissionDenied):
        item_retire(actor=bystander, item=rice)


def test_a_keeper_may_retire_an_item_only_once_nothing_is_on_hand(keeper, rice):
    # given an item with stock
    stock(keeper, rice, 2)
    actions = actions_of(keeper, "/pantry/items", rice.pk)
    # then the keeper may edit it, take it in and give it out, but not retire it
    assert actions == ["edit", "take_in", "give_out", "reserve"]
    with pytest.raises(Conflict):
        item_retire(actor=keeper, item=rice)
    # when the lot is counted to zero, then "retire" is offered, and the service agrees
    stock_count(actor=keeper, lot=Lot.objects.get(item=rice), counted=0)
    assert actions_of(keeper, "/pantry/items", rice.pk) == ["edit", "retire", "take_in"]
    rice.refresh_from_db()
    assert item_retire(actor=keeper, item=rice).retired_at is not None
    assert actions_of(keeper, "/pantry/items", rice.pk) == ["edit"]


def test_a_reservation_offers_release_and_fulfil_only_while_held(
    keeper, rice, requester, helper, bystander
):
    # given stock held for a live match
    stock(keeper, rice, 5)
    match = need_services.match_propose(actor=helper, need=NeedFactory(requester=requester))
    reservation = reservation_create(actor=keeper, match=match, item=rice, quantity=2)
    held = client_of(keeper).post(f"/pantry/reservations/{reservation.pk}/release")
    # when the keeper releases it through the API, the answer lists no more actions
    assert held.status_code == 200, held.json()
    assert held.json()["actions"] == []
    # and the service refuses a second release, as the empty list said
    with pytest.raises(Conflict):
        reservation_release(actor=keeper, reservation=reservation)
    # while a new reservation offers both to the keeper
    again = client_of(keeper).post(
        "/pantry/reservations", {"match": match.pk, "item": rice.pk, "quantity": 1}
    )
    assert again.status_code == 201, again.json()
    assert again.json()["actions"] == ["release", "fulfil"]


def test_the_pages_draw_the_same_buttons(keeper, bystander, rice, network):
    # given an item with stock on hand
    stock(keeper, rice, 2)
    edit = reverse("pantry:item_edit", kwargs={"slug": network.slug, "item_id": rice.pk})
    retire = reverse("pantry:item_retire", kwargs={"slug": network.slug, "item_id": rice.pk})
    stock_page = reverse("pantry:stock", kwargs={"slug": network.slug})
    # then the keeper's stock page links to the item's page, a bystander's does not
    assert edit in client_for(keeper).get(stock_page).content.decode()
    assert edit not in client_for(bystander).get(stock_page).content.decode()
    # and the item's page says why it cannot be retired yet instead of offering the button
    page = client_for(keeper).get(edit).content.decode()
    assert retire not in page
    assert "Rice still has 2 on hand" in page
