"""Members sign up for the same slot at the same instant, on separate database connections.
Exactly one gets it on SQLite and on PostgreSQL; the others read a clear message, never an
IntegrityError."""

from datetime import timedelta

import pytest

from mutualaid.care.teams import services
from mutualaid.care.teams.models import Slot
from tests.care.teams.conftest import join, soon
from tests.concurrency import run_together
from tests.factories import MemberFactory, NetworkFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _slot_and_members(count: int):
    network = NetworkFactory()
    recipient = MemberFactory(network=network)
    team = services.team_create(actor=recipient, name="Meals", recipient=recipient)
    members = [MemberFactory(network=network) for _ in range(count)]
    for member in members:
        join(team, member, recipient)
    slot = services.slot_create(
        actor=recipient, team=team, kind="meal", starts_at=soon(30), ends_at=soon(31)
    )
    return slot, members


def test_two_members_signing_up_for_one_slot_at_once_exactly_one_wins(database):
    # given a meal slot and two neighbours on the team
    slot, (first, second) = _slot_and_members(2)

    # when both sign up at the same moment
    outcomes = run_together(
        [lambda m=m: services.slot_sign_up(actor=m, slot=slot) for m in (first, second)]
    )

    # then one has the slot and the other was told clearly that someone else took it
    winners = [o for o in outcomes if isinstance(o, Slot)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1, outcomes
    assert [type(e) for e in errors] == [services.SlotTaken], outcomes
    assert errors[0].code == "slot_taken"
    assert Slot.objects.get(pk=slot.pk).volunteer_id == winners[0].volunteer_id


def test_eight_members_racing_for_one_slot_leave_one_volunteer(database):
    slot, members = _slot_and_members(8)
    outcomes = run_together(
        [lambda m=m: services.slot_sign_up(actor=m, slot=slot) for m in members]
    )
    assert sum(isinstance(o, Slot) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, Slot | services.SlotTaken) for o in outcomes), outcomes
    assert Slot.objects.get(pk=slot.pk).volunteer_id in {m.pk for m in members}


def test_two_reminder_sweeps_at_once_remind_the_volunteer_once(database, mailoutbox):
    slot, (volunteer,) = _slot_and_members(1)
    services.slot_sign_up(actor=volunteer, slot=slot)
    the_day_before = slot.starts_at - timedelta(hours=20)
    outcomes = run_together([lambda: services.slots_remind_sweep(now=the_day_before)] * 2)
    assert sorted(outcomes) == [0, 1], outcomes
    assert Slot.objects.get(pk=slot.pk).reminded_at is not None
