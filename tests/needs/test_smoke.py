from mutualaid.needs import services
from mutualaid.needs.models import Match, Need


def test_a_need_goes_from_offer_to_done_when_both_confirm(
    need, helper, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        match = services.match_propose(actor=helper, need=need, message="I can go today")
        match = services.match_accept(actor=need.requester, match=match)
    match = services.match_start(actor=helper, match=match)
    match = services.match_confirm_done(actor=helper, match=match)
    assert match.state == Match.State.IN_PROGRESS
    match = services.match_confirm_done(actor=need.requester, match=match)
    assert match.state == Match.State.DONE
    need.refresh_from_db()
    assert need.status == Need.Status.DONE
    subjects = [m.subject for m in mailoutbox]
    assert any("offered to help" in s for s in subjects)
    assert any("accepted" in s for s in subjects)
