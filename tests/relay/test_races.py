"""A message posted at the moment the match closes, on real concurrent connections: either
the message came first (it is kept and the other side is told) or the close did (the message
is refused with the ended text, kept nowhere and told to nobody). Never a message in a
conversation that had already closed, never an IntegrityError or "database is locked"."""

import threading
import time

import pytest
from django.db import transaction

from mutualaid.channels.models import Notification
from mutualaid.core.errors import Conflict
from mutualaid.needs import services as needs
from mutualaid.needs.models import Match
from mutualaid.relay.models import RelayMessage, RelayThread
from mutualaid.relay.services import relay_close, relay_ended_text, relay_post
from tests.concurrency import run_together
from tests.factories import MemberFactory, NeedFactory
from tests.relay.conftest import thread_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("round_", range(5))
def test_a_message_and_the_close_never_both_win_late(database, round_):
    # given an accepted match and its open conversation
    need = NeedFactory()
    helper = MemberFactory(network=need.network)
    match = needs.match_accept(
        actor=need.requester, match=needs.match_propose(actor=helper, need=need)
    )
    thread = thread_of(match)
    match = Match.objects.get(pk=match.pk)

    # when the helper writes at the same moment as the requester cancels
    posted, cancelled = run_together(
        [
            lambda: relay_post(member=helper, thread=thread, text="on my way"),
            lambda: needs.match_cancel(actor=need.requester, match=match),
        ]
    )

    # then the cancel always succeeds, and the message either came first or was refused
    assert isinstance(cancelled, Match), cancelled
    closed_at = RelayThread.objects.get(pk=thread.pk).closed_at
    assert closed_at is not None
    messages = list(RelayMessage.objects.filter(thread=thread))
    notices = Notification.objects.filter(kind="relay.message")
    if isinstance(posted, RelayMessage):
        assert [m.pk for m in messages] == [posted.pk]
        assert messages[0].created_at <= closed_at
        assert notices.count() == 1
    else:
        assert type(posted) is Conflict, posted
        assert posted.message == relay_ended_text()
        assert messages == []
        assert not notices.exists()


def test_a_message_waiting_on_a_close_in_flight_is_refused(database):
    # given an open conversation, and a close that has taken the conversation's row but has
    # not committed yet (the match's end still being written)
    need = NeedFactory()
    helper = MemberFactory(network=need.network)
    match = needs.match_accept(
        actor=need.requester, match=needs.match_propose(actor=helper, need=need)
    )
    thread = thread_of(match)
    closing = threading.Event()

    def close_slowly() -> bool:
        with transaction.atomic():
            closed = relay_close(match_id=match.pk)
            closing.set()
            time.sleep(0.5)  # the post below is now waiting for this transaction
            Match.objects.filter(pk=match.pk).update(state=Match.State.CANCELLED)
        return closed

    def post_meanwhile() -> object:
        assert closing.wait(timeout=10)
        return relay_post(member=helper, thread=thread, text="on my way")

    # when the helper's message arrives while the close is in flight
    closed, posted = run_together([close_slowly, post_meanwhile])

    # then it waits for the close, sees it, and is refused: nothing kept, nobody told
    assert closed is True
    assert type(posted) is Conflict, posted
    assert posted.message == relay_ended_text()
    assert not RelayMessage.objects.exists()
    assert not Notification.objects.filter(kind="relay.message").exists()
