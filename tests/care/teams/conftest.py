from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from mutualaid.care.teams import services
from mutualaid.care.teams.models import CareTeam, Slot, TeamMembership
from mutualaid.networks.models import Member
from tests.factories import MemberFactory

SECRET_ADDRESS = "7 Hidden Court, flat 2"
SECRET_DOOR_CODE = "4471#"
SECRET_DIET = "No nuts: anaphylaxis"
SECRET_SLOT_DETAILS = "Ring twice, the dog is friendly"
SECRET_SLOT_ADDRESS = "Clinic at 99 Private Road"


def soon(hours: float) -> datetime:
    return timezone.now() + timedelta(hours=hours)


def join(team: CareTeam, member: Member, by: Member) -> TeamMembership:
    """Invited by a coordinator, and joined."""
    services.membership_invite(actor=by, team=team, member=member)
    return services.membership_accept(actor=member, team=team)


@pytest.fixture
def recipient(network):
    return MemberFactory(network=network, display_name="Rosa Recipient")


@pytest.fixture
def team(recipient):
    """Rosa's own team, with an address, door code and dietary needs; she shares the address
    and dietary needs but not the door code."""
    team = services.team_create(
        actor=recipient, name="Meals for Rosa", purpose="after surgery", recipient=recipient
    )
    return services.team_share_set(
        actor=recipient,
        team=team,
        dietary_needs=SECRET_DIET,
        address=SECRET_ADDRESS,
        door_code=SECRET_DOOR_CODE,
        share_dietary_needs=True,
        share_address=True,
        share_door_code=False,
    )


@pytest.fixture
def neighbour(team, recipient):
    member = MemberFactory(network=team.network, display_name="Nina Neighbour")
    join(team, member, recipient)
    return member


@pytest.fixture
def slot(team, recipient) -> Slot:
    return services.slot_create(
        actor=recipient,
        team=team,
        kind=Slot.Kind.MEAL,
        starts_at=soon(30),
        ends_at=soon(31),
        address=SECRET_SLOT_ADDRESS,
        details=SECRET_SLOT_DETAILS,
    )
