"""The pantry pages, through the client: they work without JavaScript and call the services."""

import csv
import io

from django.urls import reverse

from mutualaid.pantry import services
from mutualaid.pantry.models import Distribution, Item, Lot, OpenHours
from tests.conftest import client_for
from tests.pantry.conftest import TODAY, stock


def url(name, network, **kwargs):
    return reverse(f"pantry:{name}", kwargs={"slug": network.slug, **kwargs})


def test_an_intake_form_records_several_items(keeper, rice, formula, network):
    data = {
        "source": "donation",
        "donor": "",
        "line-TOTAL_FORMS": "3",
        "line-INITIAL_FORMS": "0",
        "line-0-item": rice.pk,
        "line-0-quantity": "10",
        "line-0-unit": "kg",
        "line-0-expires_on": "",
        "line-1-item": formula.pk,
        "line-1-quantity": "4",
        "line-1-unit": "can",
        "line-1-expires_on": TODAY.replace(year=TODAY.year + 1).isoformat(),
        "line-2-item": "",
    }
    response = client_for(keeper).post(url("intake", network), data)
    assert response.status_code == 302
    assert Lot.objects.count() == 2
    assert Item.objects.get(pk=rice.pk).on_hand == 10


def test_an_intake_with_the_wrong_unit_says_so_and_records_nothing(keeper, rice, network):
    data = {
        "source": "purchase",
        "line-TOTAL_FORMS": "1",
        "line-INITIAL_FORMS": "0",
        "line-0-item": rice.pk,
        "line-0-quantity": "3",
        "line-0-unit": "can",
    }
    response = client_for(keeper).post(url("intake", network), data)
    assert response.status_code == 400
    assert "Rice is counted in kilograms, not cans." in response.content.decode()
    assert not Lot.objects.exists()


def test_the_distribution_page_shows_what_the_household_may_still_take(
    keeper, formula, household, network
):
    stock(keeper, formula, 10)
    services.fair_share_set(
        network=network, item_name="Baby formula", quantity=2, period="week", reason="t"
    )
    client = client_for(keeper)
    page = client.get(url("distribute", network), {"household": household.pk})
    assert "the rule is 2 a week per household" in page.content.decode()
    data = {
        "household": household.pk,
        "line-TOTAL_FORMS": "1",
        "line-INITIAL_FORMS": "0",
        "line-0-item": formula.pk,
        "line-0-quantity": "3",
    }
    refused = client.post(url("distribute", network), data)
    assert refused.status_code == 400
    assert "fair share" in refused.content.decode()
    assert not Distribution.objects.exists()
    data["override_reason"] = "a family of six this week"
    assert client.post(url("distribute", network), data).status_code == 302
    assert Distribution.objects.get().override_reason == "a family of six this week"


def test_a_member_without_the_permission_cannot_open_the_distribution_page(bystander, network):
    assert client_for(bystander).get(url("distribute", network)).status_code == 403


def test_members_read_the_rules_in_plain_words(bystander, keeper, formula, network):
    services.fair_share_set(
        network=network, item_name="Baby formula", quantity=2, period="week", reason="t"
    )
    body = client_for(bystander).get(url("rules", network)).content.decode()
    assert "Each household may take up to 2 cans of Baby formula a week." in body


def test_the_public_capacity_page_says_open_low_and_slots(client, keeper, rice, network):
    from datetime import time

    stock(keeper, rice, 2)
    services.pantry_settings_set(actor=keeper, weekly_household_slots=40)
    services.open_hours_set(actor=keeper, hours=[(d, time(0, 0), time(23, 59)) for d in range(7)])
    body = " ".join(client.get(url("capacity", network)).content.decode().split())
    assert "open now · low on Rice · 40 household slots left this week" in body


def test_the_settings_form_sets_open_hours(keeper, network):
    data = {"weekly_household_slots": "30", "open_hours": "0 10:00-13:00\n4 16:00-19:00"}
    response = client_for(keeper).post(url("settings", network), data)
    assert response.status_code == 302
    assert OpenHours.objects.count() == 2


def test_the_csv_exports_hold_counts_and_no_household(keeper, bystander, rice, household, network):
    stock(keeper, rice, 6)
    services.distribution_create(actor=keeper, household=household, lines=[(rice, 2)])
    client = client_for(bystander)
    stock_rows = list(
        csv.reader(io.StringIO(client.get(url("stock_csv", network)).content.decode()))
    )
    assert stock_rows[0][:3] == ["item", "category", "unit"]
    assert stock_rows[1][0] == "Rice"
    assert stock_rows[1][4] == "4"
    weekly = client.get(url("distributions_csv", network)).content.decode()
    rows = list(csv.reader(io.StringIO(weekly)))
    assert rows[0] == ["week_starting", "item", "unit", "quantity", "households"]
    assert rows[1][1:] == ["Rice", "kg", "2", "1"]
    assert "Blue 14" not in weekly


def test_a_lot_is_corrected_from_the_stock_page(keeper, rice, network):
    lot = stock(keeper, rice, 5)
    client = client_for(keeper)
    client.post(url("lot_adjust", network, lot_id=lot.pk), {"change": "-2", "reason": "spoiled"})
    lot.refresh_from_db()
    assert lot.quantity == 3
    page = client.get(url("stock", network))
    assert page.status_code == 200


def test_the_organisers_admin_shows_the_pantry_read_only(keeper, rice, network):
    stock(keeper, rice, 3)
    client = client_for(keeper)
    for model in ("item", "lot", "stockmovement", "household", "distribution", "reservation"):
        page = client.get(reverse(f"admin:pantry_{model}_changelist"))
        assert page.status_code == 200, model
    assert client.get(reverse("admin:pantry_item_add")).status_code == 403


def test_held_stock_is_given_out_from_the_reservations_page(
    keeper, rice, household, network, requester, helper
):
    from mutualaid.needs import services as need_services
    from tests.factories import NeedFactory

    stock(keeper, rice, 5)
    match = need_services.match_propose(actor=helper, need=NeedFactory(requester=requester))
    client = client_for(keeper)
    data = {"match": match.pk, "item": rice.pk, "quantity": 2}
    assert client.post(url("reservations", network), data).status_code == 302
    page = client.get(url("reservations", network)).content.decode()
    assert "Blue 14" in page
    reservation = rice.reservations.get()
    fulfil = url("reservation_fulfil", network, reservation_id=reservation.pk)
    assert client.post(fulfil, {"household": household.pk}).status_code == 302
    rice.refresh_from_db()
    assert (rice.on_hand, rice.reserved) == (3, 0)


def test_a_count_page_records_what_is_on_the_shelf_and_logs_the_difference(keeper, rice, network):
    from mutualaid.pantry.models import StockMovement

    lot = stock(keeper, rice, 5)
    client = client_for(keeper)
    page = client.get(url("lot_count", network, lot_id=lot.pk))
    assert page.status_code == 200
    response = client.post(url("lot_count", network, lot_id=lot.pk), {"counted": "3", "note": "x"})
    assert response.status_code == 302
    lot.refresh_from_db()
    rice.refresh_from_db()
    assert lot.quantity == 3
    assert rice.on_hand == 3
    movement = StockMovement.objects.filter(lot=lot, kind=StockMovement.Kind.ADJUSTMENT).get()
    assert movement.on_hand_change == -2
    assert movement.reason == StockMovement.Reason.MISCOUNTED


def test_a_count_below_zero_is_refused_and_changes_nothing(keeper, bystander, rice, network):
    lot = stock(keeper, rice, 5)
    response = client_for(keeper).post(url("lot_count", network, lot_id=lot.pk), {"counted": "-1"})
    assert response.status_code == 400
    lot.refresh_from_db()
    assert lot.quantity == 5
    assert client_for(bystander).get(url("lot_count", network, lot_id=lot.pk)).status_code == 403


def test_an_item_is_edited_and_retired_from_its_page(keeper, rice, network):
    client = client_for(keeper)
    assert client.get(url("item_edit", network, item_id=rice.pk)).status_code == 200
    saved = client.post(
        url("item_edit", network, item_id=rice.pk),
        {"name": "Brown rice", "unit": "kg", "category": "grains", "low_stock_below": "2"},
    )
    assert saved.status_code == 302
    rice.refresh_from_db()
    assert rice.name == "Brown rice"
    client.post(url("item_retire", network, item_id=rice.pk))
    rice.refresh_from_db()
    assert rice.retired_at is not None
    assert "Brown rice" not in client.get(url("intake", network)).content.decode()
    assert "Brown rice" not in client.get(url("distribute", network)).content.decode()
    assert "Brown rice" in client.get(url("stock", network)).content.decode()


def test_the_unit_of_an_item_with_stock_is_locked_with_a_message(keeper, rice, network):
    stock(keeper, rice, 2)
    response = client_for(keeper).post(
        url("item_edit", network, item_id=rice.pk),
        {"name": "Rice", "unit": "pack", "category": "grains", "low_stock_below": "5"},
    )
    assert response.status_code == 400
    assert "The unit cannot change once the item has had stock" in response.content.decode()
    rice.refresh_from_db()
    assert rice.unit == "kg"


def test_a_household_is_linked_to_a_member_from_its_page(
    keeper, bystander, requester, household, network
):
    client = client_for(keeper)
    assert client.get(url("household_link", network, household_id=household.pk)).status_code == 200
    response = client.post(
        url("household_link", network, household_id=household.pk), {"member": requester.pk}
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.member == requester
    refused = client_for(bystander).post(
        url("household_link", network, household_id=household.pk), {"member": ""}
    )
    assert refused.status_code in (403, 404)
    household.refresh_from_db()
    assert household.member == requester
