"""Listening services: asking, taking within the weekly cap, the thread, notes with consent,
contact sharing by choice, losing the role, the debrief circle, and retention."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mutualaid.care import selectors as care_selectors
from mutualaid.care import services as care_services
from mutualaid.care.listening import selectors, services
from mutualaid.care.listening.models import (
    DebriefCircle,
    ListenerSettings,
    ListenMessage,
    ListenNote,
    ListenRequest,
)
from mutualaid.care.listening.tasks import expire_listening
from mutualaid.care.models import CircleMembership
from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.governance.models import Role
from mutualaid.governance.services import (
    governance_setup_network,
    role_grant_by_decision,
    trust_give,
    trust_revoke,
)
from mutualaid.networks.models import Member
from mutualaid.networks.permissions import can
from tests.care.listening.conftest import (
    SECRET_ABOUT,
    SECRET_MESSAGE,
    SECRET_NOTE,
    drop_listener,
    make_listener,
)
from tests.factories import MemberFactory

State = ListenRequest.State


# --- Who is a listener ----------------------------------------------------------------------


def test_an_organiser_is_not_a_listener_without_the_role(network):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    assert can(organiser, "network.manage", network)
    assert not can(organiser, "care.listen", network)
    assert not selectors.is_listener(organiser)


def test_trust_alone_does_not_make_a_listener_a_decision_does(network, asker):
    # given a member trusted by another member of a small network
    trained = MemberFactory(network=network, display_name="Tam Trained")
    trust_give(actor=asker, receiver=trained)
    trained = Member.objects.get(pk=trained.pk)
    # then trust says nothing about training: no listener yet
    assert not selectors.is_listener(trained)
    # when the network names them (the proposal's action is this service)
    governance_setup_network(network=network)
    role = Role.objects.get(network=network, slug="listener")
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    role_grant_by_decision(role=role, member=trained, actor=organiser)
    assert selectors.is_listener(Member.objects.get(pk=trained.pk))
    # and taking the trust back does not undo the decision
    trust_revoke(actor=asker, receiver=trained)
    assert selectors.is_listener(Member.objects.get(pk=trained.pk))


# --- Asking ---------------------------------------------------------------------------------


def test_a_request_is_pseudonymous_by_default_with_a_stable_name(asker, listener):
    request = services.listen_request_create(
        actor=asker, language="es", preferred_time="Saturday morning"
    )
    assert request.pseudonymous
    assert request.pseudonym == services.listen_pseudonym(request_id=request.pk, member_id=asker.pk)
    assert request.pseudonym != asker.display_name
    assert selectors.requester_shown_as(request) == request.pseudonym
    assert request.state == State.OPEN


def test_a_named_request_shows_the_display_name_once_taken(asker, listener):
    request = services.listen_request_create(
        actor=asker, language="en", preferred_time="any", pseudonymous=False
    )
    assert selectors.requester_shown_as(request) == "Asha Asker"


def test_the_listening_pseudonym_differs_from_the_same_members_circle_pseudonym(settings):
    from mutualaid.care.pseudonyms import pseudonym_for

    settings.PSEUDONYM_KEY = "k" * 40
    names = [
        (
            services.listen_pseudonym(request_id=n, member_id=7),
            pseudonym_for(circle_id=n, member_id=7),
        )
        for n in range(1, 30)
    ]
    assert sum(a == b for a, b in names) < 5  # different HMAC input, so mostly different


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("language", {"language": "xx"}),
        ("preferred_time", {"preferred_time": ""}),
        ("preferred_time", {"preferred_time": "x" * 121}),
        ("about", {"about": "x" * 501}),
        ("retention_days", {"retention_days": 0}),
    ],
)
def test_bad_input_for_a_request_is_refused_clearly_and_changes_nothing(asker, field, values):
    data = {"language": "en", "preferred_time": "evenings"} | values
    with pytest.raises(InvalidInput) as err:
        services.listen_request_create(actor=asker, **data)
    assert field in err.value.fields
    assert not ListenRequest.objects.exists()


def test_the_about_text_is_encrypted_in_the_database(open_request):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT about FROM care_listening_listenrequest WHERE id = %s", [open_request.pk]
        )
        [raw] = cursor.fetchone()
    assert SECRET_ABOUT not in raw
    assert raw.startswith("gAAAAA")


def test_withdrawing_an_open_request_but_not_a_taken_one(asker, listener, open_request):
    second = services.listen_request_create(actor=asker, language="en", preferred_time="now")
    services.listen_request_withdraw(actor=asker, request=second)
    assert ListenRequest.objects.get(pk=second.pk).state == State.WITHDRAWN
    services.listen_request_take(actor=listener, request=open_request)
    with pytest.raises(Conflict):
        services.listen_request_withdraw(actor=asker, request=open_request)
    assert ListenRequest.objects.get(pk=open_request.pk).state == State.TAKEN


def test_only_the_requester_withdraws(open_request, listener):
    with pytest.raises(NotFound):
        services.listen_request_withdraw(actor=listener, request=open_request)
    assert ListenRequest.objects.get(pk=open_request.pk).state == State.OPEN


# --- The queue and taking -------------------------------------------------------------------


def test_the_queue_is_for_listeners_in_their_languages(network, asker, listener):
    english = services.listen_request_create(actor=asker, language="en", preferred_time="a")
    spanish = services.listen_request_create(actor=asker, language="es", preferred_time="b")
    # by default, the languages the listener speaks (their profile says English)
    assert list(selectors.queue(member=listener)) == [english]
    services.listener_settings_update(actor=listener, weekly_cap=3, languages=[], available=True)
    assert set(selectors.queue(member=listener)) == {english, spanish}
    services.listener_settings_update(
        actor=listener, weekly_cap=3, languages=["es"], available=True
    )
    assert list(selectors.queue(member=listener)) == [spanish]
    assert list(selectors.queue(member=asker)) == []  # not a listener


def test_a_listener_does_not_see_or_take_their_own_request(listener, second_listener):
    own = services.listen_request_create(actor=listener, language="en", preferred_time="a")
    assert own not in selectors.queue(member=listener)
    with pytest.raises(NotFound):
        services.listen_request_take(actor=listener, request=own)
    assert own in selectors.queue(member=second_listener)


def test_a_member_who_is_not_a_listener_cannot_take(open_request, network):
    member = MemberFactory(network=network)
    with pytest.raises(PermissionDenied):
        services.listen_request_take(actor=member, request=open_request)
    assert ListenRequest.objects.get(pk=open_request.pk).state == State.OPEN


def test_taking_a_request_twice_is_a_clear_conflict(open_request, listener, second_listener):
    services.listen_request_take(actor=listener, request=open_request)
    with pytest.raises(services.TakenAlready) as err:
        services.listen_request_take(actor=second_listener, request=open_request)
    assert "Another listener took this request first" in err.value.message
    assert ListenRequest.objects.get(pk=open_request.pk).listener_id == listener.pk


def test_taking_over_the_weekly_cap_is_refused_clearly(asker, listener, monkeypatch):
    # given a listener whose cap is two conversations a week
    services.listener_settings_update(actor=listener, weekly_cap=2, languages=[], available=True)
    requests = [
        services.listen_request_create(
            actor=MemberFactory(network=asker.network), language="en", preferred_time=str(i)
        )
        for i in range(4)
    ]
    start = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: start)
    services.listen_request_take(actor=listener, request=requests[0])
    services.listen_request_take(actor=listener, request=requests[1])
    # when they take a third within seven days, it is refused and nothing changes
    with pytest.raises(services.CapReached) as err:
        services.listen_request_take(actor=listener, request=requests[2])
    assert "cap" in err.value.message
    assert ListenRequest.objects.get(pk=requests[2].pk).state == State.OPEN
    # then once the first take is more than seven days old, there is room again
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=7, seconds=1))
    services.listen_request_take(actor=listener, request=requests[2])
    assert ListenRequest.objects.get(pk=requests[2].pk).state == State.TAKEN


@pytest.mark.parametrize("cap", [0, 21, -1])
def test_a_cap_outside_one_to_twenty_is_refused(listener, cap):
    with pytest.raises(InvalidInput):
        services.listener_settings_update(
            actor=listener, weekly_cap=cap, languages=[], available=True
        )
    assert not ListenerSettings.objects.filter(member=listener).exists()


def test_only_listeners_have_listener_settings(asker):
    with pytest.raises(PermissionDenied):
        services.listener_settings_update(actor=asker, weekly_cap=3, languages=[], available=True)


# --- The thread -----------------------------------------------------------------------------


def test_the_two_exchange_messages_encrypted_at_rest(taken, asker, listener):
    conversation = selectors.access_conversation(asker, taken.pk)
    thread = list(selectors.messages_of(conversation=conversation))
    assert [m.side for m in thread] == ["requester", "listener"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM care_listening_listenmessage")
        raws = [row[0] for row in cursor.fetchall()]
    assert all(SECRET_MESSAGE not in raw and raw.startswith("gAAAAA") for raw in raws)


def test_writing_in_a_conversation_you_are_not_part_of_is_refused(taken, second_listener, network):
    for stranger in (second_listener, MemberFactory(network=network)):
        with pytest.raises(NotFound):
            services.listen_message_create(actor=stranger, request=taken, body="intrusion")
    assert not ListenMessage.objects.filter(body="intrusion").exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_empty_or_oversized_messages_are_refused(taken, asker, body):
    before = ListenMessage.objects.count()
    with pytest.raises(InvalidInput):
        services.listen_message_create(actor=asker, request=taken, body=body)
    assert ListenMessage.objects.count() == before


def test_nobody_writes_before_a_listener_takes_it_or_after_it_is_closed(
    open_request, asker, listener
):
    with pytest.raises(Conflict):
        services.listen_message_create(actor=asker, request=open_request, body="hello?")
    services.listen_request_take(actor=listener, request=open_request)
    services.listen_request_close(actor=listener, request=open_request)
    open_request.refresh_from_db()
    with pytest.raises(Conflict):
        services.listen_message_create(actor=asker, request=open_request, body="one more")
    assert not ListenMessage.objects.exists()


def test_either_side_closes_once(taken, asker):
    services.listen_request_close(actor=asker, request=taken)
    taken.refresh_from_db()
    assert taken.state == State.CLOSED
    assert taken.delete_after is not None
    with pytest.raises(Conflict):
        services.listen_request_close(actor=asker, request=taken)


def test_sharing_an_email_is_an_explicit_message_and_nothing_else_reveals_it(
    taken, asker, listener
):
    conversation = selectors.access_conversation(listener, taken.pk)
    assert asker.user.email not in [
        m.body for m in selectors.messages_of(conversation=conversation)
    ]
    shared = services.listen_email_share(actor=asker, request=taken)
    assert shared.kind == ListenMessage.Kind.CONTACT
    assert shared.body == asker.user.email
    assert listener.user.email not in [m.body for m in ListenMessage.objects.all()]


# --- Notes ----------------------------------------------------------------------------------


def test_notes_need_consent_and_the_requester_reads_every_one(taken, asker, listener):
    with pytest.raises(PermissionDenied):
        services.listen_note_create(actor=listener, request=taken, body=SECRET_NOTE)
    services.listen_consent_set(actor=asker, request=taken, consent=True)
    services.listen_note_create(actor=listener, request=taken, body=SECRET_NOTE)
    mine = selectors.access_conversation(asker, taken.pk)
    assert [n.body for n in selectors.notes_of(conversation=mine)] == [SECRET_NOTE]
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM care_listening_listennote")
        [[raw]] = cursor.fetchall()
    assert SECRET_NOTE not in raw


def test_withdrawing_consent_deletes_the_notes_for_real(taken, asker, listener):
    services.listen_consent_set(actor=asker, request=taken, consent=True)
    services.listen_note_create(actor=listener, request=taken, body=SECRET_NOTE)
    services.listen_consent_set(actor=asker, request=taken, consent=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM care_listening_listennote")
        assert cursor.fetchone()[0] == 0
    with pytest.raises(PermissionDenied):
        services.listen_note_create(actor=listener, request=taken, body="again")


def test_only_the_requester_consents_and_only_the_listener_writes_notes(taken, asker, listener):
    with pytest.raises(PermissionDenied):
        services.listen_consent_set(actor=listener, request=taken, consent=True)
    services.listen_consent_set(actor=asker, request=taken, consent=True)
    with pytest.raises(PermissionDenied):
        services.listen_note_create(actor=asker, request=taken, body="my own note")
    assert not ListenNote.objects.exists()


# --- Losing the role ------------------------------------------------------------------------


def test_a_listener_who_loses_the_role_loses_queue_and_conversation_at_once(taken, listener):
    drop_listener(listener)
    assert list(selectors.queue(member=listener)) == []
    assert list(selectors.conversations_mine(member=listener)) == []
    with pytest.raises(NotFound):
        selectors.access_conversation(listener, taken.pk)
    with pytest.raises(NotFound):
        services.listen_message_create(actor=listener, request=taken, body="still here?")
    # and the requester keeps their conversation
    assert selectors.access_conversation(taken.requester, taken.pk).is_requester


def test_a_removed_requester_takes_the_request_with_them(taken, asker):
    from mutualaid.governance.services.concerns import member_remove

    member_remove(member=asker, reason="left")
    assert not ListenRequest.objects.filter(pk=taken.pk).exists()
    assert not ListenMessage.objects.exists()


# --- The debrief circle ---------------------------------------------------------------------


def test_listeners_join_the_debrief_circle_directly_and_others_cannot(
    listener, second_listener, asker
):
    circle = services.debrief_join(actor=listener)
    assert DebriefCircle.objects.get(network=listener.network).circle == circle
    assert care_selectors.access_membership(listener, circle.pk).is_facilitator
    # a second listener joins at once, without waiting for a facilitator
    assert services.debrief_join(actor=second_listener) == circle
    assert care_selectors.access_membership(second_listener, circle.pk).state == "active"
    # a member who is not a listener cannot
    with pytest.raises(PermissionDenied):
        services.debrief_join(actor=asker)
    assert not CircleMembership.objects.filter(circle=circle, member=asker).exists()
    assert "confidential" not in circle.name.lower()
    assert care_selectors.agreement_current(circle=circle).text.startswith("This circle")


def test_the_debrief_hook_closes_the_circle_to_a_former_listener_at_once(listener, second_listener):
    circle = services.debrief_join(actor=listener)
    services.debrief_join(actor=second_listener)
    other = care_services.circle_create(actor=second_listener, name="Knitting", agreement="Kind.")
    assert care_selectors.circle_opens_to(second_listener, circle)
    drop_listener(second_listener)
    assert not care_selectors.circle_opens_to(second_listener, circle)
    assert care_selectors.circle_opens_to(second_listener, other)  # not a debrief circle
    # and the sweep takes them off the roster
    assert services.debrief_prune() == 1
    assert CircleMembership.objects.get(circle=circle, member=second_listener).state == "removed"
    # a listener again later joins again
    make_listener(second_listener)
    services.debrief_join(actor=second_listener)
    assert CircleMembership.objects.get(circle=circle, member=second_listener).state == "active"


# --- Notices --------------------------------------------------------------------------------


def test_listeners_are_told_a_request_waits_without_content_or_identity(
    asker, listener, second_listener, mailoutbox, django_capture_on_commit_callbacks
):
    services.listener_settings_update(
        actor=second_listener, weekly_cap=3, languages=["en"], available=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = services.listen_request_create(
            actor=asker, language="en", preferred_time="evenings", about=SECRET_ABOUT
        )
    assert [m.to for m in mailoutbox] == [[listener.user.email]]
    text = mailoutbox[0].subject + mailoutbox[0].body
    for secret in (
        SECRET_ABOUT,
        asker.display_name,
        asker.user.email,
        request.pseudonym,
        "evenings",
    ):
        assert secret not in text


def test_the_requester_is_told_of_the_take_and_new_messages_without_content(
    open_request, asker, listener, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.listen_request_take(actor=listener, request=open_request)
        services.listen_message_create(actor=listener, request=open_request, body=SECRET_MESSAGE)
    assert [m.to for m in mailoutbox] == [[asker.user.email], [asker.user.email]]
    for mail in mailoutbox:
        assert SECRET_MESSAGE not in mail.body + mail.subject
        assert listener.display_name not in mail.body + mail.subject


# --- Retention ------------------------------------------------------------------------------


def test_expired_messages_and_notes_and_closed_requests_are_deleted_for_real(
    asker, listener, monkeypatch
):
    # given a 7-day conversation with a message and a note, at a frozen moment
    start = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: start)
    request = services.listen_request_create(
        actor=asker, language="en", preferred_time="now", retention_days=7
    )
    services.listen_request_take(actor=listener, request=request)
    request.refresh_from_db()
    services.listen_message_create(actor=asker, request=request, body=SECRET_MESSAGE)
    services.listen_consent_set(actor=asker, request=request, consent=True)
    services.listen_note_create(actor=listener, request=request, body=SECRET_NOTE)
    keep = services.listen_request_create(
        actor=asker, language="en", preferred_time="later", retention_days=30
    )

    # when one second short of 7 days, nothing goes
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=7, seconds=-1))
    assert services.listening_expire_sweep() == 0

    # then at 7 days the message and the note are gone from the tables
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=7))
    assert services.listening_expire_sweep() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM care_listening_listenmessage")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT COUNT(*) FROM care_listening_listennote")
        assert cursor.fetchone()[0] == 0
    # and the conversation, quiet for its whole retention, closed by itself
    request.refresh_from_db()
    assert request.state == ListenRequest.State.CLOSED
    # and a closed request goes once its retention passed after closing
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=14))
    assert services.listening_expire_sweep() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM care_listening_listenrequest")
        assert [row[0] for row in cursor.fetchall()] == [keep.pk]


def test_an_unanswered_request_is_deleted_after_its_retention(asker, monkeypatch):
    request = services.listen_request_create(
        actor=asker, language="en", preferred_time="now", retention_days=7
    )
    later = timezone.now() + timedelta(days=7, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert services.listening_expire_sweep() == 1
    assert not ListenRequest.objects.filter(pk=request.pk).exists()


def test_an_expired_message_is_gone_for_readers_before_the_sweep(taken, asker, monkeypatch):
    later = timezone.now() + timedelta(days=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    conversation = selectors.access_conversation(asker, taken.pk)
    assert list(selectors.messages_of(conversation=conversation)) == []
    assert ListenMessage.objects.count() == 2  # still there until the sweep


def test_the_periodic_task_runs_the_sweep(taken, monkeypatch):
    later = timezone.now() + timedelta(days=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    expire_listening.call_local()
    assert not ListenMessage.objects.exists()


def test_the_data_export_holds_the_requesters_own_requests(taken, asker, listener):
    export = selectors.listening_data_export(member=asker)["listening"]
    [request] = export["requests"]
    assert request["about"] == SECRET_ABOUT
    assert [m["body"] for m in request["messages"]][0] == SECRET_MESSAGE
    theirs = selectors.listening_data_export(member=listener)["listening"]
    assert theirs["requests"] == []
    assert theirs["conversations_taken"] == 1


def test_the_data_export_holds_the_listeners_own_settings(listener):
    assert selectors.listening_data_export(member=listener)["listening"]["listener_settings"] == {}
    services.listener_settings_update(
        actor=listener, weekly_cap=4, languages=["es"], available=False
    )
    own = selectors.listening_data_export(member=listener)["listening"]["listener_settings"]
    assert (own["weekly_cap"], own["languages"], own["available"]) == (4, ["es"], False)


def test_a_conversation_someone_still_writes_in_stays_open(asker, listener, monkeypatch):
    start = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: start)
    request = services.listen_request_create(
        actor=asker, language="en", preferred_time="now", retention_days=7
    )
    services.listen_request_take(actor=listener, request=request)
    request.refresh_from_db()
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=6))
    services.listen_message_create(actor=asker, request=request, body="Still here")
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=8))
    services.listening_expire_sweep()
    request.refresh_from_db()
    assert request.state == ListenRequest.State.TAKEN
    # a week after the last message it closes, and a week after that it is gone
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=13))
    services.listening_expire_sweep()
    assert ListenRequest.objects.get(pk=request.pk).state == ListenRequest.State.CLOSED
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=20))
    services.listening_expire_sweep()
    assert not ListenRequest.objects.filter(pk=request.pk).exists()


def test_a_member_has_at_most_three_requests_waiting_at_once(asker):
    for _ in range(3):
        services.listen_request_create(actor=asker, language="en", preferred_time="any")
    with pytest.raises(Conflict, match="3 requests waiting"):
        services.listen_request_create(actor=asker, language="en", preferred_time="any")
    assert ListenRequest.objects.filter(requester=asker).count() == 3
