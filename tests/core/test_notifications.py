"""The five emails of the core loop go to the right person, after commit, and carry no address
or phone: they say that something happened and link to the page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import PermissionDenied
from mutualaid.needs import services
from mutualaid.needs.models import Match
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.factories import MemberFactory, NeedFactory


def sent(mailoutbox) -> list[tuple[str, str]]:
    """(recipient, subject) for every email sent so far."""
    return [(to, message.subject) for message in mailoutbox for to in message.to]


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service step and commit it, so its after-commit notifications go out."""

    def step(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return step


@pytest.fixture
def accepted(need, helper, run, mailoutbox):
    match = run(services.match_propose, actor=helper, need=need)
    match = run(services.match_accept, actor=need.requester, match=match)
    mailoutbox.clear()
    return match


def test_a_new_offer_of_help_tells_the_requester(need, helper, run, mailoutbox):
    run(services.match_propose, actor=helper, need=need, message="I can go")
    assert sent(mailoutbox) == [
        (need.requester.user.email, f"[{need.network}] Hugo offered to help")
    ]


def test_an_acceptance_tells_the_helper(need, helper, run, mailoutbox):
    match = run(services.match_propose, actor=helper, need=need)
    mailoutbox.clear()
    run(services.match_accept, actor=need.requester, match=match)
    assert sent(mailoutbox) == [
        (helper.user.email, f"[{need.network}] Your offer of help was accepted")
    ]


def test_a_release_tells_the_requester(accepted, run, mailoutbox):
    run(services.match_release, actor=accepted.helper, match=accepted, reason="I am ill")
    requester = accepted.need.requester
    assert sent(mailoutbox) == [
        (requester.user.email, f"[{requester.network}] Your helper had to step back")
    ]


def test_done_thanks_both_sides_once_both_confirmed(accepted, run, mailoutbox):
    match = run(services.match_start, actor=accepted.helper, match=accepted)
    match = run(services.match_confirm_done, actor=accepted.helper, match=match)
    assert mailoutbox == []  # one side's word is not done yet
    run(services.match_confirm_done, actor=accepted.need.requester, match=match)
    subject = f"[{accepted.need.network}] Marked done, thank you"
    assert sorted(sent(mailoutbox)) == sorted(
        [(accepted.need.requester.user.email, subject), (accepted.helper.user.email, subject)]
    )


def test_still_need_help_asks_the_requester_once(requester, run, mailoutbox):
    now = timezone.now()
    need = NeedFactory(
        requester=requester, window_start=now - timedelta(days=2), window_end=now - timedelta(1)
    )
    run(services.needs_expire_sweep, now=now)
    run(services.needs_expire_sweep, now=now + timedelta(hours=1))
    assert sent(mailoutbox) == [
        (need.requester.user.email, f"[{need.network}] Do you still need help?")
    ]


@pytest.mark.parametrize(("side", "told"), [("requester", "helper"), ("helper", "requester")])
def test_a_cancellation_tells_the_other_side(side, told, accepted, run, mailoutbox):
    people = {"requester": accepted.need.requester, "helper": accepted.helper}
    run(services.match_cancel, actor=people[side], match=accepted)
    assert [to for to, _subject in sent(mailoutbox)] == [people[told].user.email]


def test_nothing_is_sent_before_the_transaction_commits(
    need, helper, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.match_propose(actor=helper, need=need)
    assert mailoutbox == []
    assert callbacks
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1


def test_a_refused_step_sends_nothing(accepted, bystander, run, mailoutbox):
    with pytest.raises(PermissionDenied):
        run(services.match_release, actor=bystander, match=accepted, reason="not mine")
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_no_email_in_the_whole_loop_carries_the_address_or_phone(mailoutbox):
    # given a need with an address and phone, and real commits
    requester = MemberFactory(display_name="Rosa")
    need = NeedFactory(requester=requester, address=SECRET_ADDRESS, phone=SECRET_PHONE)
    helper = MemberFactory(network=requester.network, display_name="Hugo")

    # when it is offered, accepted, released, offered again, done, and another asked about
    first = services.match_propose(actor=helper, need=need)
    first = services.match_accept(actor=requester, match=first)
    services.match_release(actor=helper, match=first, reason="Sorry")
    match = services.match_propose(actor=helper, need=need)
    match = services.match_accept(actor=requester, match=match)
    match = services.match_start(actor=helper, match=match)
    match = services.match_confirm_done(actor=helper, match=match)
    match = services.match_confirm_done(actor=requester, match=match)
    assert match.state == Match.State.DONE
    late = NeedFactory(
        requester=requester,
        window_start=timezone.now() - timedelta(days=2),
        window_end=timezone.now() - timedelta(days=1),
    )
    services.needs_expire_sweep()

    # then each of the five kinds went out, each links to its need, and none holds a secret
    subjects = [subject for _to, subject in sent(mailoutbox)]
    for kind in ("offered to help", "accepted", "step back", "Marked done", "still need help"):
        assert any(kind in subject for subject in subjects), kind
    for message in mailoutbox:
        text = "\n".join([message.subject, message.body, *message.to])
        assert SECRET_ADDRESS not in text
        assert SECRET_PHONE not in text
        assert f"/needs/{need.pk}/" in message.body or f"/needs/{late.pk}/" in message.body


def test_each_email_is_written_in_its_recipients_language(network, helper, run, mailoutbox):
    # Given a requester who speaks Spanish (and English second) and an English-speaking helper,
    rosa = MemberFactory(network=network, languages=["es", "en"])
    need = NeedFactory(requester=rosa)
    # when the helper offers to help, in a request that happens to run in English,
    run(services.match_propose, actor=helper, need=need)
    # then Rosa's email is in Spanish, category included.
    (message,) = mailoutbox
    assert "ofreció ayuda" in message.subject
    assert "Víveres" in message.body
