import pytest

from mutualaid.care import services
from mutualaid.care.models import CircleMembership
from mutualaid.networks.models import Member
from tests.factories import MemberFactory

SECRET_POST = "I have not slept since the funeral"
AGREEMENT = "What is shared here stays here."


def join(circle, member: Member, facilitator: Member) -> CircleMembership:
    """Ask to join, be accepted by the facilitator, accept the agreement."""
    membership = services.membership_request(actor=member, circle=circle)
    services.membership_accept(actor=facilitator, membership=membership)
    services.agreement_accept(actor=member, circle=circle, version=1)
    membership.refresh_from_db()
    return membership


@pytest.fixture
def facilitator(network):
    return MemberFactory(network=network, display_name="Fatima Facilitator")


@pytest.fixture
def circle(facilitator):
    return services.circle_create(
        actor=facilitator, name="Grief circle", agreement=AGREEMENT, retention_days=7
    )


@pytest.fixture
def poster(circle, facilitator):
    member = MemberFactory(network=circle.network, display_name="Paula Poster")
    join(circle, member, facilitator)
    return member
