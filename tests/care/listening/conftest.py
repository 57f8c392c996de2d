import pytest
from django.utils import timezone

from mutualaid.care.listening import services
from mutualaid.governance.models import Role, RoleHolding
from mutualaid.governance.services import governance_setup_network, role_permissions_write
from mutualaid.networks.models import Member
from tests.factories import MemberFactory

SECRET_ABOUT = "My brother stopped talking to me after the eviction"
SECRET_MESSAGE = "I keep waking at 4am and cannot stop crying"
SECRET_REPLY = "That sounds exhausting; I am here with you"
SECRET_NOTE = "Follow up on sleep; suggested the pantry"


def make_listener(member: Member) -> Member:
    """Give the member the network's listener role, as a passed proposal naming them does
    (tests/governance/test_roles_by_decision.py takes that road). Safe to repeat."""
    governance_setup_network(network=member.network)
    role = Role.objects.get(network=member.network, slug="listener")
    RoleHolding.objects.get_or_create(
        role=role, member=member, defaults={"granted_at": timezone.now()}
    )
    role_permissions_write(member=member)
    return member


def drop_listener(member: Member) -> Member:
    RoleHolding.objects.filter(member=member, role__slug="listener").delete()
    role_permissions_write(member=member)
    return member


@pytest.fixture
def asker(network):
    return MemberFactory(network=network, display_name="Asha Asker")


@pytest.fixture
def listener(network):
    return make_listener(MemberFactory(network=network, display_name="Lena Listener"))


@pytest.fixture
def second_listener(network):
    return make_listener(MemberFactory(network=network, display_name="Leo Listener"))


@pytest.fixture
def open_request(asker, listener):
    return services.listen_request_create(
        actor=asker, language="en", preferred_time="weekday evenings", about=SECRET_ABOUT
    )


@pytest.fixture
def taken(open_request, listener):
    """A request taken by the listener, with one message each way."""
    services.listen_request_take(actor=listener, request=open_request)
    open_request.refresh_from_db()
    services.listen_message_create(
        actor=open_request.requester, request=open_request, body=SECRET_MESSAGE
    )
    services.listen_message_create(actor=listener, request=open_request, body=SECRET_REPLY)
    return open_request
