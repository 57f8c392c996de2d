"""The permission matrix for listening, over pages, the API, emails, logs and the admin.

Roles: the member who asked, the listener who took it, another current listener, a listener
who took a conversation and then lost the role, a plain member, an organiser (organisers get
no special access), and a member of another network. Messages, notes and what a request is
about are seen only by the two people in the conversation; who asked is never shown to a
listener (nor the pseudonym in the queue) anywhere.
"""

import logging
import uuid

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from mutualaid.care.listening import selectors, services
from mutualaid.care.listening.models import ListenMessage, ListenNote, ListenRequest
from mutualaid.networks.models import Member
from tests.api.conftest import api_client_for
from tests.care.listening.conftest import (
    SECRET_ABOUT,
    SECRET_MESSAGE,
    SECRET_NOTE,
    SECRET_REPLY,
    drop_listener,
    make_listener,
)
from tests.factories import MemberFactory

INSIDE = {"requester", "listener"}
LISTENERS = {"listener", "other_listener"}
ROLES = [
    "requester",
    "listener",
    "other_listener",
    "former_listener",
    "member",
    "organiser",
    "other_network",
]
SECRET_WAITING = "A request still waiting, about my landlord"
SECRETS = [SECRET_ABOUT, SECRET_MESSAGE, SECRET_REPLY, SECRET_NOTE]


@pytest.fixture
def world(network, outsider, caplog, mailoutbox, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    asker = MemberFactory(network=network, display_name="Asha Asker")
    waiting_asker = MemberFactory(network=network, display_name="Wendy Waiting")
    listener = make_listener(MemberFactory(network=network, display_name="Lena Listener"))
    other = make_listener(MemberFactory(network=network, display_name="Leo Listener"))
    former = make_listener(MemberFactory(network=network, display_name="Fay Former"))
    organiser = MemberFactory(
        network=network, display_name="Olu Organiser", role=Member.Role.FOUNDING_ORGANISER
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = services.listen_request_create(
            actor=asker, language="en", preferred_time="weekday evenings", about=SECRET_ABOUT
        )
        services.listen_request_take(actor=listener, request=request)
        request.refresh_from_db()
        services.listen_message_create(actor=asker, request=request, body=SECRET_MESSAGE)
        services.listen_message_create(actor=listener, request=request, body=SECRET_REPLY)
        services.listen_consent_set(actor=asker, request=request, consent=True)
        services.listen_note_create(actor=listener, request=request, body=SECRET_NOTE)
        # the former listener took a conversation of their own, then lost the role
        theirs = services.listen_request_create(actor=asker, language="en", preferred_time="x")
        services.listen_request_take(actor=former, request=theirs)
        waiting = services.listen_request_create(
            actor=waiting_asker, language="en", preferred_time="soon", about=SECRET_WAITING
        )
    drop_listener(former)
    people = {
        "requester": asker,
        "listener": listener,
        "other_listener": other,
        "former_listener": former,
        "member": MemberFactory(network=network, display_name="Mo Member"),
        "organiser": organiser,
        "other_network": outsider,
    }
    return {
        "request": request,
        "theirs": theirs,
        "waiting": waiting,
        "waiting_asker": waiting_asker,
        "people": people,
        "network": network,
        "caplog": caplog,
        "mailoutbox": mailoutbox,
    }


def _client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _urls(world) -> dict[str, str]:
    slug = {"slug": world["network"].slug}
    one = slug | {"request_id": world["request"].pk}
    return {
        "home": reverse("care_listening:home", kwargs=slug),
        "queue": reverse("care_listening:queue", kwargs=slug),
        "settings": reverse("care_listening:settings", kwargs=slug),
        "debrief": reverse("care_listening:debrief", kwargs=slug),
        "conversation": reverse("care_listening:conversation", kwargs=one),
    }


def _identity_traces(member) -> list[str]:
    return [member.display_name, member.user.email]


@pytest.mark.parametrize("role", ROLES)
def test_pages_show_the_conversation_only_to_its_two_people(world, role):
    client = _client(world["people"][role])
    urls = _urls(world)
    responses = {name: client.get(url) for name, url in urls.items()}
    assert all(r.status_code < 500 for r in responses.values())
    text = "".join(r.content.decode() for r in responses.values())
    conversation = responses["conversation"]
    if role in INSIDE:
        assert conversation.status_code == 200
        for secret in SECRETS:
            assert secret in conversation.content.decode()
    else:
        assert conversation.status_code in {302, 404}
        for secret in SECRETS:
            assert secret not in text
        assert world["request"].pseudonym not in text
    # the queue and the listener settings open to current listeners only
    if role in LISTENERS:
        assert responses["queue"].status_code == 200
        assert responses["settings"].status_code == 200
        assert responses["debrief"].status_code == 200
    else:
        assert {responses[n].status_code for n in ("queue", "settings", "debrief")} <= {302, 404}
    # a listener never sees who asked: not the asker of the conversation, not of the queue
    if role != "requester":
        for member in (world["people"]["requester"], world["waiting_asker"]):
            for trace in _identity_traces(member):
                assert trace not in text


@pytest.mark.parametrize("role", sorted(LISTENERS))
def test_the_queue_shows_a_waiting_request_without_who_asked(world, role):
    page = _client(world["people"][role]).get(_urls(world)["queue"]).content.decode()
    assert SECRET_WAITING in page
    assert world["waiting"].pseudonym not in page
    for trace in _identity_traces(world["waiting_asker"]):
        assert trace not in page


@pytest.mark.parametrize("role", sorted(set(ROLES) - INSIDE))
def test_outside_roles_cannot_write_note_consent_share_or_close(world, role):
    client = _client(world["people"][role])
    base = _urls(world)["conversation"]
    for path, data in [
        ("messages/", {"body": "intrusion"}),
        ("notes/", {"body": "intrusion"}),
        ("consent/", {}),
        ("share-email/", {}),
        ("close/", {}),
        ("withdraw/", {}),
    ]:
        assert client.post(base + path, data).status_code in {302, 404}, path
    request = ListenRequest.objects.get(pk=world["request"].pk)
    assert request.state == ListenRequest.State.TAKEN
    assert request.notes_consent
    assert not ListenMessage.objects.filter(body="intrusion").exists()
    assert not ListenNote.objects.filter(body="intrusion").exists()
    assert ListenMessage.objects.filter(request=request).count() == 2
    assert ListenNote.objects.filter(request=request).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_the_api_shows_the_conversation_only_to_its_two_people(world, role):
    api = api_client_for(world["people"][role])
    rid = world["request"].pk
    one = [
        api.get(f"/care/listening/requests/{rid}"),
        api.get(f"/care/listening/requests/{rid}/messages"),
        api.get(f"/care/listening/requests/{rid}/notes"),
    ]
    lists = [
        api.get("/care/listening/requests"),
        api.get("/care/listening/queue"),
        api.get("/care/listening/conversations"),
        api.get("/care/listening/settings"),
    ]
    text = "".join(r.content.decode() for r in one + lists)
    if role in INSIDE:
        assert [r.status_code for r in one] == [200, 200, 200]
        assert SECRET_MESSAGE in text
        assert SECRET_NOTE in text
    else:
        assert [r.status_code for r in one] == [404, 404, 404]
        for secret in SECRETS:
            assert secret not in text
        write = api.post(f"/care/listening/requests/{rid}/messages", {"body": "intrusion"})
        assert write.status_code == 404
        note = api.post(f"/care/listening/requests/{rid}/notes", {"body": "intrusion"})
        assert note.status_code == 404
    if role in LISTENERS:
        assert lists[1].status_code == 200
        assert SECRET_WAITING in lists[1].content.decode()
    else:
        assert lists[1].status_code == 404
    if role != "requester":
        for member in (world["people"]["requester"], world["waiting_asker"]):
            for trace in _identity_traces(member):
                assert trace not in text
        assert world["waiting"].pseudonym not in text


def _walk(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    else:
        yield key, value


def test_no_listener_facing_response_holds_a_requester_field(world):
    api = api_client_for(world["people"]["listener"])
    rid = world["request"].pk
    bodies = [
        api.get("/care/listening/queue").json(),
        api.get("/care/listening/conversations").json(),
        api.get(f"/care/listening/requests/{rid}").json(),
        api.get(f"/care/listening/requests/{rid}/messages").json(),
        api.get(f"/care/listening/requests/{rid}/notes").json(),
    ]
    fields = [pair for body in bodies for pair in _walk(body)]
    assert not {k for k, _ in fields} & {"requester", "requester_id", "member", "member_id", "user"}
    values = {str(v) for _, v in fields}
    for trace in _identity_traces(world["people"]["requester"]):
        assert trace not in values
    # the queue item carries nothing but the request's own words and language, and what the
    # listener may do with it (the same whoever asked)
    [item] = bodies[0]
    assert set(item) == {"id", "language", "preferred_time", "about", "created_at", "actions"}
    assert item["actions"] == ["take"]


def test_no_email_and_no_log_line_holds_a_message_note_pseudonym_or_who_asked(world):
    mails = world["mailoutbox"]
    assert mails, "the world sent notices"
    text = "".join(m.subject + m.body for m in mails)
    logs = "".join(r.getMessage() for r in world["caplog"].records)
    for secret in [
        *SECRETS,
        SECRET_WAITING,
        world["request"].pseudonym,
        world["waiting"].pseudonym,
    ]:
        assert secret not in text
        assert secret not in logs
    for asker in (world["people"]["requester"], world["waiting_asker"]):
        for trace in _identity_traces(asker):
            assert trace not in text
            assert trace not in logs


def test_the_admin_shows_no_content_no_pseudonym_and_no_requester(world):
    organiser = world["people"]["organiser"]
    client = _client(organiser)
    request = world["request"]
    for url in (
        reverse("admin:care_listening_listenrequest_changelist"),
        reverse("admin:care_listening_listenrequest_change", args=[request.pk]),
        reverse("admin:index"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in [*SECRETS, request.pseudonym, SECRET_WAITING]:
            assert secret not in body
        for trace in _identity_traces(world["people"]["requester"]):
            assert trace not in body
    for model in ("listenmessage", "listennote", "listenersettings"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:care_listening_{model}_changelist")


def test_a_listener_who_loses_the_role_loses_pages_and_api_at_once(world):
    listener = world["people"]["listener"]
    client, api = _client(listener), api_client_for(listener)
    urls = _urls(world)
    rid = world["request"].pk
    assert client.get(urls["conversation"]).status_code == 200
    assert api.get(f"/care/listening/requests/{rid}/messages").status_code == 200
    # when their role goes (trust taken back, term lapsed, a decision)
    drop_listener(listener)
    # then the very next request is refused, pages and API alike
    assert client.get(urls["conversation"]).status_code == 404
    assert client.get(urls["queue"]).status_code == 404
    assert api.get(f"/care/listening/requests/{rid}/messages").status_code == 404
    assert api.get("/care/listening/queue").status_code == 404
    assert api.post(f"/care/listening/requests/{rid}/notes", {"body": "x"}).status_code == 404


def test_a_removed_member_loses_access_at_once(world):
    from mutualaid.governance.services.concerns import member_remove

    listener = world["people"]["listener"]
    client, api = _client(listener), api_client_for(listener)
    member_remove(member=listener, reason="asked to leave")
    assert client.get(_urls(world)["conversation"]).status_code in {302, 404}
    assert api.get(f"/care/listening/requests/{world['request'].pk}/messages").status_code in {
        401,
        404,
    }
    # the requester still reads their thread; the listener is simply gone from it
    asker = world["people"]["requester"]
    conversation = selectors.access_conversation(asker, world["request"].pk)
    assert conversation.request.listener_id is None


def test_an_api_request_is_idempotent_with_a_key(world):
    api = api_client_for(world["people"]["member"])
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"language": "en", "preferred_time": "mornings"}
    first = api.post("/care/listening/requests", body, headers=key)
    again = api.post("/care/listening/requests", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert ListenRequest.objects.filter(requester=world["people"]["member"]).count() == 1
