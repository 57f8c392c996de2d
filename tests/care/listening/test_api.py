"""The listening API: the whole conversation through JSON, with stable error codes."""

import json
from typing import get_args

import pytest

from mutualaid.care.listening import api as listening_api
from mutualaid.care.listening import services
from mutualaid.care.listening.models import ListenMessage, ListenNote, ListenRequest
from tests.api.conftest import api_client_for
from tests.care.listening.conftest import SECRET_ABOUT, SECRET_MESSAGE, SECRET_NOTE


def _put(api, path: str, body: dict):
    return api._send("put", path, body, None)  # noqa: SLF001 - the test client has no put()


def test_a_whole_conversation_through_the_api(asker, listener, second_listener):
    mine, theirs = api_client_for(asker), api_client_for(listener)
    created = mine.post(
        "/care/listening/requests",
        {"language": "en", "preferred_time": "evenings", "about": SECRET_ABOUT},
    )
    assert created.status_code == 201
    rid = created.json()["id"]
    assert created.json()["pseudonymous"] is True
    [item] = theirs.get("/care/listening/queue").json()
    assert item["about"] == SECRET_ABOUT
    took = theirs.post(f"/care/listening/queue/{rid}/take")
    assert took.status_code == 200
    assert took.json()["requester_shown_as"] == created.json()["pseudonym"]
    assert took.json()["my_side"] == "listener"
    # a second listener is too late
    late = api_client_for(second_listener).post(f"/care/listening/queue/{rid}/take")
    assert late.status_code == 409

    assert (
        mine.post(f"/care/listening/requests/{rid}/messages", {"body": SECRET_MESSAGE}).status_code
        == 201
    )
    assert (
        theirs.post(f"/care/listening/requests/{rid}/messages", {"body": "Here"}).status_code == 201
    )
    thread = theirs.get(f"/care/listening/requests/{rid}/messages").json()
    assert [(m["side"], m["body"]) for m in thread] == [
        ("requester", SECRET_MESSAGE),
        ("listener", "Here"),
    ]
    refused = theirs.post(f"/care/listening/requests/{rid}/notes", {"body": SECRET_NOTE})
    assert refused.status_code == 403
    assert mine.post(f"/care/listening/requests/{rid}/consent", {"consent": True}).json()[
        "notes_consent"
    ]
    assert (
        theirs.post(f"/care/listening/requests/{rid}/notes", {"body": SECRET_NOTE}).status_code
        == 201
    )
    assert [n["body"] for n in mine.get(f"/care/listening/requests/{rid}/notes").json()] == [
        SECRET_NOTE
    ]
    shared = mine.post(f"/care/listening/requests/{rid}/share-email")
    assert shared.status_code == 201
    assert shared.json() | {"id": 0, "created_at": ""} == {
        "id": 0,
        "side": "requester",
        "kind": "contact",
        "body": asker.user.email,
        "created_at": "",
    }
    closed = theirs.post(f"/care/listening/requests/{rid}/close")
    assert closed.json()["state"] == "closed"
    again = mine.post(f"/care/listening/requests/{rid}/messages", {"body": "one more"})
    assert again.status_code == 409
    assert [r["state"] for r in mine.get("/care/listening/requests").json()] == ["closed"]
    assert [c["id"] for c in theirs.get("/care/listening/conversations").json()] == [rid]


def test_taking_a_request_already_taken_is_409_already_taken(
    open_request, listener, second_listener
):
    assert (
        api_client_for(listener).post(f"/care/listening/queue/{open_request.pk}/take").status_code
        == 200
    )
    late = api_client_for(second_listener).post(f"/care/listening/queue/{open_request.pk}/take")
    assert late.status_code == 409
    assert late.json()["code"] == "already_taken"
    assert "Another listener took this request first" in late.json()["message"]
    assert ListenRequest.objects.get(pk=open_request.pk).listener_id == listener.pk


def test_a_member_who_is_not_a_listener_cannot_take_through_the_api(open_request, network):
    from tests.factories import MemberFactory

    response = api_client_for(MemberFactory(network=network)).post(
        f"/care/listening/queue/{open_request.pk}/take"
    )
    assert response.status_code == 404
    assert ListenRequest.objects.get(pk=open_request.pk).state == "open"


def test_over_the_weekly_cap_is_409_weekly_cap_reached(asker, listener):
    api = api_client_for(listener)
    assert _put(api, "/care/listening/settings", {"weekly_cap": 1}).status_code == 200
    ids = [
        services.listen_request_create(actor=asker, language="en", preferred_time=str(i)).pk
        for i in range(2)
    ]
    assert api.post(f"/care/listening/queue/{ids[0]}/take").status_code == 200
    over = api.post(f"/care/listening/queue/{ids[1]}/take")
    assert over.status_code == 409
    assert over.json()["code"] == "weekly_cap_reached"
    assert ListenRequest.objects.get(pk=ids[1]).state == "open"


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "x" * 4001}, {}, "[]"])
def test_empty_or_oversized_messages_are_refused_and_change_nothing(taken, asker, body):
    api = api_client_for(asker)
    before = ListenMessage.objects.count()
    response = api.post(
        f"/care/listening/requests/{taken.pk}/messages",
        body if isinstance(body, str) else body,
    )
    assert response.status_code in {400, 422}
    assert ListenMessage.objects.count() == before


def test_a_blank_message_is_a_clear_400(taken, asker):
    response = api_client_for(asker).post(
        f"/care/listening/requests/{taken.pk}/messages", {"body": "   "}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


@pytest.mark.parametrize(
    "payload",
    [
        {"weekly_cap": 0},
        {"weekly_cap": 21},
        {"weekly_cap": 3, "languages": ["xx"]},
    ],
)
def test_bad_listener_settings_are_refused(listener, payload):
    response = _put(api_client_for(listener), "/care/listening/settings", payload)
    assert response.status_code in {400, 422}
    assert api_client_for(listener).get("/care/listening/settings").json()["weekly_cap"] == 3


def test_settings_are_for_listeners_only(asker):
    api = api_client_for(asker)
    assert api.get("/care/listening/settings").status_code == 404
    assert _put(api, "/care/listening/settings", {"weekly_cap": 3}).status_code == 404


def test_withdraw_through_the_api(open_request, asker, listener):
    api = api_client_for(asker)
    withdrawn = api.post(f"/care/listening/requests/{open_request.pk}/withdraw")
    assert withdrawn.json()["state"] == "withdrawn"
    again = api.post(f"/care/listening/requests/{open_request.pk}/withdraw")
    assert again.status_code == 409
    assert api_client_for(listener).get("/care/listening/queue").json() == []


def test_consent_withdrawn_through_the_api_deletes_notes(taken, asker, listener):
    services.listen_consent_set(actor=asker, request=taken, consent=True)
    services.listen_note_create(actor=listener, request=taken, body=SECRET_NOTE)
    api = api_client_for(asker)
    assert (
        api.post(f"/care/listening/requests/{taken.pk}/consent", {"consent": False}).status_code
        == 200
    )
    assert not ListenNote.objects.exists()
    # and the listener cannot consent on the requester's behalf
    theirs = api_client_for(listener)
    response = theirs.post(f"/care/listening/requests/{taken.pk}/consent", {"consent": True})
    assert response.status_code == 403
    assert not ListenRequest.objects.get(pk=taken.pk).notes_consent


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        (listening_api.RequestState, ListenRequest.State.values),
        (listening_api.Side, ListenMessage.Side.values),
        (listening_api.MessageKind, ListenMessage.Kind.values),
        (listening_api.Retention, ListenRequest.Retention.values),
    ],
)
def test_the_api_lists_exactly_the_models_choices(literal, values):
    assert sorted(get_args(literal)) == sorted(values)


def test_every_listening_route_has_an_operation_id():
    from mutualaid.api import api

    schema = api.get_openapi_schema()
    operations = [
        op
        for path, item in schema["paths"].items()
        if "/care/listening/" in path
        for op in item.values()
    ]
    assert len(operations) >= 15
    assert all(op["operationId"].startswith("listening_") for op in operations)
    assert "requester" not in json.dumps(
        {k: v for k, v in schema["components"]["schemas"].items() if k in {"QueueItemOut"}}
    )
