"""The pantry's services: intake, first-expiring-first distribution, fair shares,
reservations, adjustments, and refusals that change nothing."""

from datetime import timedelta

import pytest

from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.models import HistoryEntry
from mutualaid.governance.models import Proposal
from mutualaid.needs import services as need_services
from mutualaid.pantry import selectors, services
from mutualaid.pantry.errors import FairShareExceeded, NotEnoughStock
from mutualaid.pantry.models import (
    Distribution,
    FairShareRule,
    Item,
    Lot,
    Reservation,
    StockMovement,
)
from mutualaid.pantry.services import IntakeLine
from tests.factories import CategoryFactory, MemberFactory, NeedFactory
from tests.pantry.conftest import TODAY, stock


def snapshot():
    return (
        list(Item.objects.values_list("pk", "on_hand", "reserved").order_by("pk")),
        list(Lot.objects.values_list("pk", "quantity").order_by("pk")),
        StockMovement.objects.count(),
        Distribution.objects.count(),
        Reservation.objects.count(),
    )


def assert_log_matches(item):
    item.refresh_from_db()
    assert selectors.stock_rebuilt(item=item) == (item.on_hand, item.reserved)
    for lot in item.lots.all():
        assert selectors.lot_rebuilt(lot=lot) == lot.quantity


# --- Intake ---------------------------------------------------------------------------------


def test_an_intake_records_several_items_at_once_with_an_anonymous_donor(keeper, rice, formula):
    lots = services.intake_record(
        actor=keeper,
        lines=[
            IntakeLine(item=rice, quantity=10, unit="kg", expires_on=TODAY + timedelta(days=90)),
            IntakeLine(item=formula, quantity=4, unit="can", location="shelf B"),
        ],
        source="donation",
    )
    assert [lot.quantity for lot in lots] == [10, 4]
    assert all(lot.donor == "" for lot in lots)
    rice.refresh_from_db()
    formula.refresh_from_db()
    assert (rice.on_hand, formula.on_hand) == (10, 4)
    assert_log_matches(rice)
    assert_log_matches(formula)


@pytest.mark.parametrize(
    ("quantity", "unit", "days", "words"),
    [
        (0, "kg", 10, "at least 1"),
        (-3, "kg", 10, "at least 1"),
        (5, "can", 10, "Rice is counted in kilograms, not cans."),
        (5, "spoonful", 10, "not spoonful"),
        (5, "kg", -1, "Expired food cannot be taken in as fresh."),
    ],
)
def test_a_bad_intake_line_is_refused_and_nothing_is_recorded(
    keeper, rice, formula, quantity, unit, days, words
):
    before = snapshot()
    with pytest.raises(InvalidInput) as refused:
        services.intake_record(
            actor=keeper,
            lines=[
                IntakeLine(item=formula, quantity=2, unit="can"),  # a good line first
                IntakeLine(
                    item=rice, quantity=quantity, unit=unit, expires_on=TODAY + timedelta(days)
                ),
            ],
            source="purchase",
        )
    assert words in refused.value.message
    assert snapshot() == before


def test_a_member_without_the_pantry_permission_cannot_take_stock_in(bystander, rice):
    with pytest.raises(PermissionDenied):
        services.intake_record(
            actor=bystander, lines=[IntakeLine(item=rice, quantity=1, unit="kg")], source="donation"
        )


def test_another_networks_item_is_not_found(keeper, outsider):
    from mutualaid.networks.models import Member

    outsider.role = Member.Role.FOUNDING_ORGANISER
    outsider.save()
    theirs = services.item_create(actor=outsider, name="Beans", unit="can", category="beans")
    with pytest.raises(NotFound):
        services.intake_record(
            actor=keeper, lines=[IntakeLine(item=theirs, quantity=1, unit="can")], source="donation"
        )


# --- Distribution ---------------------------------------------------------------------------


def test_lots_go_out_first_expiring_first(keeper, rice, household):
    late = stock(keeper, rice, 5, days=60)
    no_date = stock(keeper, rice, 5, days=None)
    soon = stock(keeper, rice, 3, days=2)
    services.distribution_create(actor=keeper, household=household, lines=[(rice, 6)])
    quantities = {lot.pk: lot.quantity for lot in Lot.objects.all()}
    assert quantities == {soon.pk: 0, late.pk: 2, no_date.pk: 5}
    assert_log_matches(rice)


def test_an_expired_lot_is_never_given_out(keeper, rice, household):
    old = stock(keeper, rice, 4, days=1)
    Lot.objects.filter(pk=old.pk).update(expires_on=TODAY - timedelta(days=1))  # time passed
    fresh = stock(keeper, rice, 2, days=10)
    before = snapshot()
    with pytest.raises(NotEnoughStock) as refused:
        services.distribution_create(actor=keeper, household=household, lines=[(rice, 3)])
    assert "past their expiry date" in refused.value.message
    assert snapshot() == before
    services.distribution_create(actor=keeper, household=household, lines=[(rice, 2)])
    assert Lot.objects.get(pk=old.pk).quantity == 4
    assert Lot.objects.get(pk=fresh.pk).quantity == 0


def test_not_enough_stock_is_refused_with_how_much_is_left(keeper, rice, formula, household):
    stock(keeper, rice, 2)
    stock(keeper, formula, 5)
    before = snapshot()
    with pytest.raises(NotEnoughStock) as refused:
        services.distribution_create(
            actor=keeper, household=household, lines=[(formula, 1), (rice, 3)]
        )
    assert refused.value.message == "Not enough stock of Rice: 2 kilograms left, 3 asked."
    assert snapshot() == before


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_zero_or_negative_distribution_is_refused(keeper, rice, household, quantity):
    stock(keeper, rice, 2)
    before = snapshot()
    with pytest.raises(InvalidInput):
        services.distribution_create(actor=keeper, household=household, lines=[(rice, quantity)])
    assert snapshot() == before


# --- Fair share -----------------------------------------------------------------------------


def test_the_fair_share_says_how_much_is_left_and_why(keeper, formula, household):
    stock(keeper, formula, 10)
    services.fair_share_set(
        network=keeper.network, item_name="Baby formula", quantity=2, period="week", reason="t"
    )
    services.distribution_create(actor=keeper, household=household, lines=[(formula, 1)])
    [allowance] = selectors.allowances(household=household, item=formula)
    assert allowance.remaining == 1
    assert allowance.explain() == (
        "1 more cans of Baby formula: the rule is 2 a week per household, "
        "and 1 were given in the last 7 days."
    )
    before = snapshot()
    with pytest.raises(FairShareExceeded) as refused:
        services.distribution_create(actor=keeper, household=household, lines=[(formula, 2)])
    assert "more than the 1 left of this household's fair share (2 a week)" in (
        refused.value.message
    )
    assert snapshot() == before


def test_a_category_rule_counts_every_item_in_it(keeper, formula, household):
    cereal = services.item_create(actor=keeper, name="Baby cereal", unit="box", category="baby")
    stock(keeper, formula, 5)
    stock(keeper, cereal, 5)
    services.fair_share_set(
        network=keeper.network, category="baby", quantity=3, period="week", reason="t"
    )
    services.distribution_create(actor=keeper, household=household, lines=[(formula, 2)])
    with pytest.raises(FairShareExceeded):
        services.distribution_create(actor=keeper, household=household, lines=[(cereal, 2)])
    services.distribution_create(actor=keeper, household=household, lines=[(cereal, 1)])


def test_an_override_needs_a_reason_and_is_logged(keeper, formula, household):
    stock(keeper, formula, 10)
    services.fair_share_set(
        network=keeper.network, item_name="Baby formula", quantity=2, period="week", reason="t"
    )
    given = services.distribution_create(
        actor=keeper, household=household, lines=[(formula, 4)], override_reason="twins"
    )
    assert given.override_reason == "twins"
    entry = HistoryEntry.objects.get(action="pantry.fair_share_override")
    assert entry.data == {"reason": "twins"}
    assert entry.actor == keeper


def test_another_household_is_not_counted(keeper, formula, household):
    stock(keeper, formula, 10)
    services.fair_share_set(
        network=keeper.network, item_name="Baby formula", quantity=2, period="week", reason="t"
    )
    other = services.household_create(actor=keeper, code="Green 3")
    services.distribution_create(actor=keeper, household=household, lines=[(formula, 2)])
    services.distribution_create(actor=keeper, household=other, lines=[(formula, 2)])


def test_a_rule_with_quantity_zero_is_removed(keeper, formula):
    services.fair_share_set(
        network=keeper.network, item_name="Baby formula", quantity=2, period="week", reason="t"
    )
    services.fair_share_set(
        network=keeper.network, item_name="Baby formula", quantity=0, period="week", reason="t"
    )
    assert not FairShareRule.objects.exists()


# --- Reservations ---------------------------------------------------------------------------


@pytest.fixture
def match(requester, helper):
    need = NeedFactory(requester=requester)
    return need_services.match_propose(actor=helper, need=need)


def test_reserved_stock_is_not_available_to_anyone_else(keeper, rice, household, match):
    stock(keeper, rice, 5)
    services.reservation_create(actor=keeper, match=match, item=rice, quantity=4)
    with pytest.raises(NotEnoughStock):
        services.distribution_create(actor=keeper, household=household, lines=[(rice, 2)])
    with pytest.raises(NotEnoughStock):
        services.reservation_create(actor=keeper, match=match, item=rice, quantity=2)
    services.distribution_create(actor=keeper, household=household, lines=[(rice, 1)])
    assert_log_matches(rice)


def test_a_cancelled_match_gives_its_reservation_back(keeper, rice, match, requester):
    stock(keeper, rice, 5)
    reservation = services.reservation_create(actor=keeper, match=match, item=rice, quantity=4)
    need_services.match_cancel(actor=requester, match=match)
    assert services.reservations_release_sweep() == 1
    assert services.reservations_release_sweep() == 0  # safe to run twice
    reservation.refresh_from_db()
    rice.refresh_from_db()
    assert reservation.state == Reservation.State.RELEASED
    assert (rice.on_hand, rice.reserved) == (5, 0)
    assert_log_matches(rice)


def test_a_live_match_keeps_its_reservation_through_the_sweep(keeper, rice, match):
    stock(keeper, rice, 5)
    services.reservation_create(actor=keeper, match=match, item=rice, quantity=4)
    assert services.reservations_release_sweep() == 0


def test_a_reservation_is_fulfilled_from_held_stock(keeper, rice, match, household):
    stock(keeper, rice, 5)
    reservation = services.reservation_create(actor=keeper, match=match, item=rice, quantity=4)
    services.reservation_fulfil(actor=keeper, reservation=reservation, household=household)
    rice.refresh_from_db()
    assert (rice.on_hand, rice.reserved) == (1, 0)
    with pytest.raises(Conflict):
        services.reservation_release(actor=keeper, reservation=reservation)
    assert_log_matches(rice)


def test_stock_is_reserved_only_for_a_groceries_need(keeper, rice, requester, helper):
    stock(keeper, rice, 5)
    rides = CategoryFactory(network=requester.network, slug="rides", name="Rides")
    match = need_services.match_propose(
        actor=helper, need=NeedFactory(requester=requester, category=rides)
    )
    with pytest.raises(InvalidInput, match="only for a match on a groceries need"):
        services.reservation_create(actor=keeper, match=match, item=rice, quantity=1)
    rice.refresh_from_db()
    assert rice.reserved == 0
    assert not Reservation.objects.exists()


def test_nothing_is_reserved_for_an_ended_match(keeper, rice, match, requester):
    stock(keeper, rice, 5)
    need_services.match_cancel(actor=requester, match=match)
    match.refresh_from_db()
    with pytest.raises(Conflict):
        services.reservation_create(actor=keeper, match=match, item=rice, quantity=1)


# --- Adjustments ----------------------------------------------------------------------------


def test_an_adjustment_needs_a_reason_and_is_logged(keeper, rice):
    lot = stock(keeper, rice, 5)
    with pytest.raises(InvalidInput):
        services.stock_adjust(actor=keeper, lot=lot, change=-1, reason="")
    services.stock_adjust(actor=keeper, lot=lot, change=-2, reason="spoiled", note="mould")
    services.stock_count(actor=keeper, lot=lot, counted=4)
    lot.refresh_from_db()
    assert lot.quantity == 4
    reasons = list(
        StockMovement.objects.filter(kind="adjustment").values_list("reason", "on_hand_change")
    )
    assert reasons == [("spoiled", -2), ("miscounted", 1)]
    assert_log_matches(rice)


@pytest.mark.parametrize(("change", "reason"), [(0, "miscounted"), (-9, "damaged"), (3, "spoiled")])
def test_a_bad_adjustment_changes_nothing(keeper, rice, change, reason):
    lot = stock(keeper, rice, 5)
    before = snapshot()
    with pytest.raises(InvalidInput):
        services.stock_adjust(actor=keeper, lot=lot, change=change, reason=reason)
    assert snapshot() == before


def test_an_adjustment_cannot_take_away_reserved_stock(keeper, rice, match):
    lot = stock(keeper, rice, 5)
    services.reservation_create(actor=keeper, match=match, item=rice, quantity=4)
    with pytest.raises(NotEnoughStock):
        services.stock_adjust(actor=keeper, lot=lot, change=-2, reason="damaged")


# --- The capacity signal and exports hold no person -----------------------------------------


def test_the_capacity_signal_counts_households_and_names_low_items(keeper, rice, household):
    stock(keeper, rice, 6)
    services.pantry_settings_set(actor=keeper, weekly_household_slots=40)
    services.distribution_create(actor=keeper, household=household, lines=[(rice, 2)])
    signal = selectors.capacity_signal(network=keeper.network)
    assert signal.slots_left == 39
    assert signal.low_on == ["Rice"]
    assert signal.open_now is False


def test_the_distribution_export_is_per_week_and_item(keeper, rice, household):
    stock(keeper, rice, 6)
    other = services.household_create(actor=keeper, code="Green 3")
    services.distribution_create(actor=keeper, household=household, lines=[(rice, 2)])
    services.distribution_create(actor=keeper, household=other, lines=[(rice, 1)])
    [row] = selectors.distribution_weeks(network=keeper.network)
    assert row[1:] == ["Rice", "kg", 3, 2]


def test_fair_share_rules_read_in_plain_words(keeper, formula):
    services.fair_share_set(
        network=keeper.network, item_name="Baby formula", quantity=2, period="week", reason="t"
    )
    assert selectors.rules_in_words(network=keeper.network) == [
        "Each household may take up to 2 cans of Baby formula a week."
    ]


def test_proposal_model_is_importable():
    assert Proposal  # the governance action is tested in test_governance.py


def test_a_member_leaving_keeps_the_pantry_records_without_them():
    # (Checked on the schema: deleting a member here would also touch every other app's rows.)
    from django.db.models import SET_NULL

    from mutualaid.pantry.models import Household

    for model, field in [
        (Household, "member"),
        (Distribution, "given_by"),
        (StockMovement, "actor"),
    ]:
        assert model._meta.get_field(field).remote_field.on_delete is SET_NULL


def test_a_network_with_a_pantry_can_be_deleted(keeper, rice, household, network):
    stock(keeper, rice, 3)
    services.distribution_create(actor=keeper, household=household, lines=[(rice, 1)])
    # (The network's own rows in the pantry: a network's deletion cascades to its items.)
    Item.objects.filter(network=network).delete()
    assert not Item.objects.exists()


# --- Editing and retiring items -------------------------------------------------------------


def test_an_item_is_edited_and_its_unit_changes_while_it_never_had_stock(keeper, rice):
    item = services.item_update(
        actor=keeper,
        item=rice,
        name="Brown rice",
        unit="pack",
        category="grains",
        dietary_tags=["vegetarian"],
        low_stock_below=3,
    )
    assert (item.name, item.unit, item.dietary_tags, item.low_stock_below) == (
        "Brown rice",
        "pack",
        ["vegetarian"],
        3,
    )
    assert HistoryEntry.objects.filter(action="pantry.item_update").exists()


def test_the_unit_is_locked_once_the_item_has_had_stock(keeper, rice):
    lot = stock(keeper, rice, 2)
    services.stock_count(actor=keeper, lot=lot, counted=0)
    with pytest.raises(InvalidInput, match="unit cannot change once the item has had stock"):
        services.item_update(actor=keeper, item=rice, name="Rice", unit="pack", category="grains")
    rice.refresh_from_db()
    assert rice.unit == "kg"
    renamed = services.item_update(
        actor=keeper, item=rice, name="White rice", unit="kg", category="grains"
    )
    assert renamed.name == "White rice"


def test_an_item_cannot_take_another_items_name(keeper, rice, formula):
    with pytest.raises(InvalidInput, match="already has an item called"):
        services.item_update(actor=keeper, item=formula, name="rice", unit="can", category="baby")


def test_only_the_pantry_permission_edits_or_retires(bystander, rice):
    with pytest.raises(PermissionDenied):
        services.item_update(actor=bystander, item=rice, name="X", unit="kg", category="grains")
    with pytest.raises(PermissionDenied):
        services.item_retire(actor=bystander, item=rice)


def test_a_retired_item_is_not_taken_in_and_keeps_its_history(keeper, rice, household):
    lot = stock(keeper, rice, 2)
    with pytest.raises(Conflict, match="still has 2 on hand"):
        services.item_retire(actor=keeper, item=rice)
    services.distribution_create(actor=keeper, household=household, lines=[(rice, 2)])
    retired = services.item_retire(actor=keeper, item=rice)
    assert retired.retired_at is not None
    assert rice not in selectors.items_in_use(network=keeper.network)
    assert rice in selectors.items_of(network=keeper.network)
    with pytest.raises(InvalidInput, match="retired"):
        stock(keeper, retired, 1)
    assert Lot.objects.filter(pk=lot.pk).exists()
    assert StockMovement.objects.filter(item=rice).count() == 2
    with pytest.raises(Conflict, match="already retired"):
        services.item_retire(actor=keeper, item=retired)


# --- Linking a household to a member --------------------------------------------------------


def test_a_household_is_linked_to_a_member_and_unlinked(keeper, household, requester):
    linked = services.household_link(actor=keeper, household=household, member=requester)
    assert linked.member == requester
    assert HistoryEntry.objects.filter(action="pantry.household_link").exists()
    unlinked = services.household_link(actor=keeper, household=household, member=None)
    assert unlinked.member is None


def test_linking_needs_the_permission_and_a_member_of_the_network(keeper, bystander, household):
    with pytest.raises(PermissionDenied):
        services.household_link(actor=bystander, household=household, member=bystander)
    stranger = MemberFactory()
    with pytest.raises(NotFound):
        services.household_link(actor=keeper, household=household, member=stranger)
    household.refresh_from_db()
    assert household.member is None
