"""A listening request's `actions` in the API say what its services then allow or refuse, for
the member who asked, the listener who took it and another listener; and never who asked."""

import pytest

from mutualaid.care.listening import services
from mutualaid.core.errors import NotFound, PermissionDenied
from tests.api.conftest import api_client_for
from tests.care.listening.conftest import make_listener
from tests.factories import MemberFactory


def _actions(member, path) -> list[str]:
    return api_client_for(member).get(path).json()["actions"]


def test_the_requester_may_withdraw_an_open_request_and_nobody_else_may(
    open_request, asker, listener
):
    [mine] = api_client_for(asker).get("/care/listening/requests").json()
    assert mine["actions"] == ["withdraw", "set_notes_consent"]
    [queued] = api_client_for(listener).get("/care/listening/queue").json()
    assert queued["actions"] == ["take"]
    with pytest.raises(NotFound):
        services.listen_request_withdraw(actor=listener, request=open_request)
    services.listen_request_withdraw(actor=asker, request=open_request)
    assert _actions(asker, f"/care/listening/requests/{open_request.pk}") == ["set_notes_consent"]


def test_the_two_sides_of_a_conversation_may_do_what_the_services_let_them(taken, asker, listener):
    path = f"/care/listening/requests/{taken.pk}"
    assert _actions(asker, path) == ["write", "share_email", "close", "set_notes_consent"]
    assert _actions(listener, path) == ["write", "share_email", "close"]
    with pytest.raises(PermissionDenied):
        services.listen_consent_set(actor=listener, request=taken, consent=True)
    with pytest.raises(PermissionDenied):
        services.listen_note_create(actor=listener, request=taken, body="a note")
    services.listen_consent_set(actor=asker, request=taken, consent=True)
    assert "keep_note" in _actions(listener, path)
    assert "keep_note" not in _actions(asker, path)
    services.listen_note_create(actor=listener, request=taken, body="a note")
    services.listen_request_close(actor=asker, request=taken)
    assert _actions(asker, path) == ["set_notes_consent"]
    assert _actions(listener, path) == ["keep_note"]


def test_a_listeners_actions_are_the_same_whoever_asked(asker, listener, network):
    """Nothing in the queue's actions sets one requester apart from another."""
    other = MemberFactory(network=network)
    for member in (asker, other, make_listener(MemberFactory(network=network))):
        services.listen_request_create(actor=member, language="en", preferred_time="any")
    queue = api_client_for(listener).get("/care/listening/queue").json()
    assert len(queue) == 3
    assert {tuple(item["actions"]) for item in queue} == {("take",)}
