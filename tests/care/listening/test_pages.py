"""The listening pages without JavaScript: plain forms that POST and redirect, with clear
messages for what cannot be done."""

from django.urls import reverse

from mutualaid.care.listening import services
from mutualaid.care.listening.models import (
    ListenerSettings,
    ListenMessage,
    ListenNote,
    ListenRequest,
)
from mutualaid.care.models import CircleMembership
from tests.care.listening.conftest import SECRET_ABOUT, SECRET_MESSAGE, SECRET_NOTE
from tests.conftest import client_for


def _url(name: str, network, **kwargs) -> str:
    return reverse(f"care_listening:{name}", kwargs={"slug": network.slug, **kwargs})


def test_a_member_asks_pseudonymously_and_sees_it_waiting(asker, listener, network):
    client = client_for(asker)
    home = client.get(_url("home", network))
    assert home.status_code == 200
    assert 'for="id_preferred_time"' in home.content.decode()
    response = client.post(
        _url("ask", network),
        {
            "language": "en",
            "preferred_time": "weekday evenings",
            "about": SECRET_ABOUT,
            "pseudonymous": "on",
            "retention_days": "7",
        },
    )
    request = ListenRequest.objects.get(requester=asker)
    assert response.status_code == 302
    assert response["Location"] == _url("conversation", network, request_id=request.pk)
    assert request.pseudonymous
    assert request.retention_days == 7
    page = client.get(response["Location"]).content.decode()
    assert "waiting for a listener" in page
    assert "Withdraw my request" in page
    assert request.pseudonym in client.get(_url("home", network)).content.decode()


def test_asking_without_a_time_is_refused_with_the_form_again(asker, network):
    response = client_for(asker).post(
        _url("ask", network), {"language": "en", "preferred_time": "", "retention_days": "30"}
    )
    assert response.status_code == 400
    assert "Please check the form." in response.content.decode()
    assert not ListenRequest.objects.exists()


def test_a_listener_takes_from_the_queue_and_a_second_one_reads_it_was_taken(
    open_request, listener, second_listener, network
):
    queue = client_for(listener).get(_url("queue", network)).content.decode()
    assert SECRET_ABOUT in queue
    assert "Take this request" in queue
    taken = client_for(listener).post(_url("take", network, request_id=open_request.pk))
    assert taken["Location"] == _url("conversation", network, request_id=open_request.pk)
    late = client_for(second_listener)
    response = late.post(_url("take", network, request_id=open_request.pk), follow=True)
    assert "Another listener took this request first" in response.content.decode()
    assert ListenRequest.objects.get(pk=open_request.pk).listener_id == listener.pk


def test_a_take_over_the_cap_shows_the_reason(asker, listener, network):
    services.listener_settings_update(actor=listener, weekly_cap=1, languages=[], available=True)
    first, second = (
        services.listen_request_create(actor=asker, language="en", preferred_time=str(i))
        for i in range(2)
    )
    client = client_for(listener)
    client.post(_url("take", network, request_id=first.pk))
    response = client.post(_url("take", network, request_id=second.pk), follow=True)
    assert "reached your cap" in response.content.decode()
    assert ListenRequest.objects.get(pk=second.pk).state == "open"


def test_the_two_talk_consent_to_notes_and_the_requester_reads_the_note(
    open_request, asker, listener, network
):
    services.listen_request_take(actor=listener, request=open_request)
    url = _url("conversation", network, request_id=open_request.pk)
    mine, theirs = client_for(asker), client_for(listener)
    mine.post(url + "messages/", {"body": SECRET_MESSAGE})
    theirs.post(url + "messages/", {"body": "I hear you"})
    # without consent the listener has no note form, and a note is refused
    assert "Keep this note" not in theirs.get(url).content.decode()
    refused = theirs.post(url + "notes/", {"body": SECRET_NOTE}, follow=True)
    assert "Notes need the consent" in refused.content.decode()
    mine.post(url + "consent/", {"consent": "on"})
    assert "Keep this note" in theirs.get(url).content.decode()
    theirs.post(url + "notes/", {"body": SECRET_NOTE})
    page = mine.get(url).content.decode()
    for text in (SECRET_MESSAGE, "I hear you", SECRET_NOTE):
        assert text in page
    # taking consent back deletes the note
    mine.post(url + "consent/", {})
    assert not ListenNote.objects.exists()
    assert SECRET_NOTE not in mine.get(url).content.decode()


def test_an_empty_message_is_refused_clearly(taken, asker, network):
    url = _url("conversation", network, request_id=taken.pk)
    before = ListenMessage.objects.count()
    response = client_for(asker).post(url + "messages/", {"body": "  "}, follow=True)
    assert "This field is required." in response.content.decode()
    assert ListenMessage.objects.count() == before


def test_sharing_an_email_and_closing(taken, asker, listener, network):
    url = _url("conversation", network, request_id=taken.pk)
    theirs = client_for(listener)
    assert asker.user.email not in theirs.get(url).content.decode()
    client_for(asker).post(url + "share-email/")
    assert asker.user.email in theirs.get(url).content.decode()
    theirs.post(url + "close/")
    page = client_for(asker).get(url).content.decode()
    assert "closed" in page
    assert 'name="body"' not in page.split("notes-heading")[0]


def test_withdrawing_from_the_page(open_request, asker, network):
    response = client_for(asker).post(
        _url("withdraw", network, request_id=open_request.pk), follow=True
    )
    assert "You withdrew your request." in response.content.decode()
    assert ListenRequest.objects.get(pk=open_request.pk).state == "withdrawn"


def test_listener_settings_are_saved_and_bad_ones_refused(listener, network):
    client = client_for(listener)
    ok = client.post(
        _url("settings", network), {"weekly_cap": "5", "languages": ["es", "en"], "available": ""}
    )
    assert ok.status_code == 302
    own = ListenerSettings.objects.get(member=listener)
    assert (own.weekly_cap, own.languages, own.available) == (5, ["es", "en"], False)
    bad = client.post(_url("settings", network), {"weekly_cap": "21"})
    assert bad.status_code == 400
    assert ListenerSettings.objects.get(member=listener).weekly_cap == 5


def test_a_listener_starts_and_joins_the_debrief_circle_from_its_page(
    listener, second_listener, network
):
    assert (
        "Start the debrief circle"
        in client_for(listener).get(_url("debrief", network)).content.decode()
    )
    response = client_for(listener).post(_url("debrief", network))
    circle_id = CircleMembership.objects.get(member=listener).circle_id
    assert response["Location"] == reverse(
        "care:circle_detail", kwargs={"slug": network.slug, "circle_id": circle_id}
    )
    client_for(second_listener).post(_url("debrief", network))
    assert CircleMembership.objects.get(member=second_listener).state == "active"


def test_the_listening_home_links_to_the_listener_pages_only_for_listeners(
    asker, listener, network
):
    queue = _url("queue", network)
    assert queue in client_for(listener).get(_url("home", network)).content.decode()
    assert queue not in client_for(asker).get(_url("home", network)).content.decode()


def test_the_circles_page_links_to_listening(asker, network):
    page = client_for(asker).get(reverse("care:circle_list", kwargs={"slug": network.slug}))
    assert _url("home", network) in page.content.decode()


def test_times_are_shown_in_the_networks_zone(taken, listener, network):
    network.timezone = "Asia/Tokyo"
    network.save(update_fields=["timezone"])
    from zoneinfo import ZoneInfo

    from django.utils import formats, timezone

    message = ListenMessage.objects.filter(request=taken).first()
    local = timezone.localtime(message.created_at, ZoneInfo("Asia/Tokyo"))
    page = client_for(listener).get(_url("conversation", network, request_id=taken.pk))
    assert formats.date_format(local, "DATETIME_FORMAT") in page.content.decode()
