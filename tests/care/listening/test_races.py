"""Listeners taking requests at the same instant, on separate database connections. On SQLite
and on PostgreSQL, exactly one of two listeners gets a request, and one listener's takes at
once never pass their weekly cap; the others read a clear message, never an IntegrityError."""

import pytest

from mutualaid.care.listening import services
from mutualaid.care.listening.models import ListenRequest
from mutualaid.core.errors import Conflict
from tests.care.listening.conftest import make_listener
from tests.concurrency import run_together
from tests.factories import MemberFactory, NetworkFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _world(listeners: int, requests: int):
    network = NetworkFactory()
    asker = MemberFactory(network=network)
    takers = [make_listener(MemberFactory(network=network)) for _ in range(listeners)]
    asked = [
        services.listen_request_create(actor=asker, language="en", preferred_time=str(i))
        for i in range(requests)
    ]
    return takers, asked


def test_two_listeners_taking_one_request_at_once_exactly_one_wins(database):
    # given one open request and two listeners
    (first, second), [request] = _world(2, 1)

    # when both take it at the same moment
    outcomes = run_together(
        [
            lambda: services.listen_request_take(actor=first, request=request),
            lambda: services.listen_request_take(actor=second, request=request),
        ]
    )

    # then one has it and the other read that someone was first
    winners = [o for o in outcomes if isinstance(o, ListenRequest)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1, outcomes
    assert [type(e) for e in errors] == [services.TakenAlready], outcomes
    assert "Another listener took this request first" in errors[0].message
    stored = ListenRequest.objects.get(pk=request.pk)
    assert stored.state == ListenRequest.State.TAKEN
    assert stored.listener_id == winners[0].listener_id


def test_eight_listeners_racing_for_one_request_leave_one_listener(database):
    takers, [request] = _world(8, 1)
    outcomes = run_together(
        [lambda t=t: services.listen_request_take(actor=t, request=request) for t in takers]
    )
    assert sum(isinstance(o, ListenRequest) for o in outcomes) == 1, outcomes
    assert all(
        isinstance(o, ListenRequest) or type(o) is services.TakenAlready for o in outcomes
    ), outcomes


def test_one_listeners_takes_at_once_never_pass_the_weekly_cap(database):
    # given a listener whose cap is one conversation a week, and three open requests
    [listener], asked = _world(1, 3)
    services.listener_settings_update(actor=listener, weekly_cap=1, languages=[], available=True)

    # when they take all three at the same moment (two tabs, a double click, the API)
    outcomes = run_together(
        [lambda r=r: services.listen_request_take(actor=listener, request=r) for r in asked]
    )

    # then exactly one is taken and the others read that the cap is reached
    assert sum(isinstance(o, ListenRequest) for o in outcomes) == 1, outcomes
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert [type(e) for e in errors] == [services.CapReached] * 2, outcomes
    assert all(isinstance(e, Conflict) for e in errors)
    assert ListenRequest.objects.filter(listener=listener).count() == 1
