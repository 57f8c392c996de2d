import pytest

from mutualaid.needs import services as needs
from mutualaid.needs.models import Match
from mutualaid.relay.models import RelayThread
from tests.factories import NeedFactory


def accepted_match(requester, helper, **need_fields) -> Match:
    """A need of `requester` with `helper`'s offer accepted, through the services."""
    need = NeedFactory(requester=requester, **need_fields)
    match = needs.match_propose(actor=helper, need=need)
    return needs.match_accept(actor=requester, match=match)


def thread_of(match: Match) -> RelayThread:
    return RelayThread.objects.select_related(
        "match__need__requester", "match__helper", "network"
    ).get(match=match)


@pytest.fixture
def match(requester, helper):
    return accepted_match(requester, helper)


@pytest.fixture
def thread(match):
    return thread_of(match)
