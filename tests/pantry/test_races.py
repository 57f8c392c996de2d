"""Races on the last units, with real concurrent connections, on SQLite and PostgreSQL:
stock never goes below zero and is never double-reserved."""

import pytest

from mutualaid.needs import services as need_services
from mutualaid.pantry import selectors, services
from mutualaid.pantry.errors import FairShareExceeded, NotEnoughStock
from mutualaid.pantry.models import Distribution, Item, Reservation
from tests.concurrency import run_together
from tests.factories import MemberFactory, NeedFactory
from tests.pantry.conftest import stock

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_distributions_of_the_last_unit_give_it_out_once(database, keeper, rice):
    # given one kilogram of rice left and two households at two tables
    stock(keeper, rice, 1)
    first = services.household_create(actor=keeper, code="A1")
    second = services.household_create(actor=keeper, code="B2")

    # when both are given it at the same instant
    outcomes = run_together(
        [
            lambda h=h: services.distribution_create(actor=keeper, household=h, lines=[(rice, 1)])
            for h in (first, second)
        ]
    )

    # then exactly one wins and the other is told, in words, there is not enough
    winners = [o for o in outcomes if isinstance(o, Distribution)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1, outcomes
    assert [type(e) for e in losers] == [NotEnoughStock]
    assert "Not enough stock of Rice" in losers[0].message
    rice.refresh_from_db()
    assert (rice.on_hand, rice.reserved) == (0, 0)
    assert selectors.stock_rebuilt(item=rice) == (0, 0)


def test_ten_reservations_for_the_last_three_units_hold_three(database, keeper, rice):
    # given three kilograms left and ten live matches wanting one each
    stock(keeper, rice, 3)
    matches = []
    for _ in range(10):
        need = NeedFactory(requester=MemberFactory(network=keeper.network))
        helper = MemberFactory(network=keeper.network)
        matches.append(need_services.match_propose(actor=helper, need=need))

    # when all reserve at once
    outcomes = run_together(
        [
            lambda m=m: services.reservation_create(actor=keeper, match=m, item=rice, quantity=1)
            for m in matches
        ]
    )

    # then exactly three are held, never more than on hand
    held = [o for o in outcomes if isinstance(o, Reservation)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(held) == 3, outcomes
    assert {type(e) for e in refused} == {NotEnoughStock}
    item = Item.objects.get(pk=rice.pk)
    assert (item.on_hand, item.reserved) == (3, 3)
    assert selectors.stock_rebuilt(item=item) == (3, 3)


def test_one_household_served_at_two_tables_gets_its_fair_share_once(database, keeper, network):
    # given a rule of 1 baby item a week and two different baby items in stock
    formula = services.item_create(actor=keeper, name="Formula", unit="can", category="baby")
    cereal = services.item_create(actor=keeper, name="Cereal", unit="box", category="baby")
    stock(keeper, formula, 5)
    stock(keeper, cereal, 5)
    services.fair_share_set(network=network, category="baby", quantity=1, period="week", reason="")
    household = services.household_create(actor=keeper, code="Twice")

    # when the same household is given one of each at two tables at once
    outcomes = run_together(
        [
            lambda i=i: services.distribution_create(
                actor=keeper, household=household, lines=[(i, 1)]
            )
            for i in (formula, cereal)
        ]
    )

    # then only one is given; the other is told the fair share is used up
    assert len([o for o in outcomes if isinstance(o, Distribution)]) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [FairShareExceeded]
