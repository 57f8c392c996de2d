import pytest

from mutualaid.fund import services
from mutualaid.networks.models import Member
from tests.factories import MemberFactory


@pytest.fixture
def treasurer(network):
    """A member holding the fund.manage permission (the network's founding organiser)."""
    return MemberFactory(network=network, display_name="Tess", role=Member.Role.FOUNDING_ORGANISER)


@pytest.fixture
def donations(treasurer):
    return services.account_create(actor=treasurer, kind="income", name="Donations")


@pytest.fixture
def venmo(treasurer):
    return services.account_create(actor=treasurer, kind="payout", name="Venmo")


def set_policy(network, **changes):
    return services.policy_change(network=network, changes=changes, reason="test")


def fill(treasurer, donations, amount):
    return services.contribution_record(actor=treasurer, source=donations, amount=amount)


def approved(requester, amount, *, category="groceries"):
    """A request approved at once (the test's policy auto-approves up to a large amount)."""
    set_policy(requester.network, auto_approve_up_to=1_000_000)
    return services.request_create(
        actor=requester, kind="direct_aid", category=category, amount=amount
    )
