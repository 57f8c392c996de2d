"""Two facilitators act on one member at the same instant, on separate database connections.
Exactly one act happens on SQLite and on PostgreSQL, the circle log records it once, and the
other facilitator reads a clear message, never an IntegrityError."""

import pytest

from mutualaid.care import services
from mutualaid.care.models import CircleLogEntry, CircleMembership
from mutualaid.core.errors import Conflict
from tests.care.conftest import AGREEMENT, join
from tests.concurrency import run_together
from tests.factories import MemberFactory, NetworkFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _circle_with_two_facilitators():
    network = NetworkFactory()
    first = MemberFactory(network=network)
    circle = services.circle_create(actor=first, name="Circle", agreement=AGREEMENT)
    second = MemberFactory(network=network)
    join(circle, second, first)
    CircleMembership.objects.filter(circle=circle, member=second).update(is_facilitator=True)
    return circle, first, second


def test_two_facilitators_removing_one_member_at_once_remove_them_once(database):
    # Given a circle with two facilitators and a member,
    circle, first, second = _circle_with_two_facilitators()
    member = MemberFactory(network=circle.network)
    membership = join(circle, member, first)
    membership.circle = circle

    # when both remove the member at the same moment,
    outcomes = run_together(
        [
            lambda: services.membership_remove(
                actor=first, membership=membership, reason="Asked to"
            ),
            lambda: services.membership_remove(
                actor=second, membership=membership, reason="Broke the agreement"
            ),
        ]
    )

    # then one removal happened, the log has it once, and the other facilitator was told.
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert [type(e) for e in errors] == [Conflict], outcomes
    assert errors[0].message == "This member already left the circle."
    assert CircleMembership.objects.get(pk=membership.pk).state == "removed"
    assert CircleLogEntry.objects.filter(circle=circle, action="member_removed").count() == 1


def test_two_facilitators_welcoming_one_request_at_once_welcome_it_once(database):
    circle, first, second = _circle_with_two_facilitators()
    newcomer = MemberFactory(network=circle.network)
    request = services.membership_request(actor=newcomer, circle=circle)
    request.circle = circle
    welcomed = CircleLogEntry.objects.filter(circle=circle, action="member_accepted")
    before = welcomed.count()

    outcomes = run_together(
        [
            lambda: services.membership_accept(actor=first, membership=request),
            lambda: services.membership_accept(actor=second, membership=request),
        ]
    )

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert [type(e) for e in errors] == [Conflict], outcomes
    assert errors[0].message == "This request was already answered."
    assert CircleMembership.objects.get(pk=request.pk).state == "active"
    assert welcomed.count() == before + 1


def test_two_members_inviting_one_person_at_once_make_one_invitation(database):
    circle, first, second = _circle_with_two_facilitators()
    invited = MemberFactory(network=circle.network)

    outcomes = run_together(
        [
            lambda: services.membership_invite(actor=first, circle=circle, member=invited),
            lambda: services.membership_invite(actor=second, circle=circle, member=invited),
        ]
    )

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert [type(e) for e in errors] == [Conflict], outcomes
    assert CircleMembership.objects.filter(circle=circle, member=invited).count() == 1
