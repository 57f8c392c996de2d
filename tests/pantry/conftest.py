from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.networks.models import Member
from mutualaid.pantry import services
from mutualaid.pantry.services import IntakeLine
from tests.factories import MemberFactory

TODAY = timezone.localdate()


@pytest.fixture
def keeper(network):
    """A member holding the pantry permission (the network's founding organiser)."""
    return MemberFactory(network=network, display_name="Kim", role=Member.Role.FOUNDING_ORGANISER)


@pytest.fixture
def rice(keeper):
    return services.item_create(actor=keeper, name="Rice", unit="kg", category="grains")


@pytest.fixture
def formula(keeper):
    return services.item_create(
        actor=keeper, name="Baby formula", unit="can", category="baby", dietary_tags=["baby"]
    )


@pytest.fixture
def household(keeper):
    return services.household_create(actor=keeper, code="Blue 14")


def stock(keeper, item, quantity, *, days=30, source="donation"):
    expires = TODAY + timedelta(days=days) if days is not None else None
    [lot] = services.intake_record(
        actor=keeper,
        lines=[IntakeLine(item=item, quantity=quantity, unit=item.unit, expires_on=expires)],
        source=source,
    )
    return lot
