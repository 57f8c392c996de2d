"""Low-stock and expiring-soon alerts go through the worker, only to members who opted in."""

from mutualaid.pantry import services, tasks
from tests.pantry.conftest import stock


def test_opted_in_keepers_hear_about_low_and_expiring_stock(
    keeper, rice, network, mailoutbox, django_capture_on_commit_callbacks
):
    stock(keeper, rice, 2, days=1)
    assert tasks.send_alerts.call_local() == 0  # nobody asked for alerts yet
    services.alerts_subscribe(actor=keeper, on=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_alerts.call_local() == 1
    [mail] = mailoutbox
    assert "Low on: Rice" in mail.body
    assert "Lots expiring within three days: 1" in mail.body


def test_a_well_stocked_pantry_sends_nothing(keeper, rice, mailoutbox):
    stock(keeper, rice, 50, days=60)
    services.alerts_subscribe(actor=keeper, on=True)
    assert tasks.send_alerts.call_local() == 0
    assert not mailoutbox


def test_the_worker_releases_stock_of_cancelled_matches(keeper, rice, requester, helper):
    from mutualaid.needs import services as need_services
    from tests.factories import NeedFactory

    stock(keeper, rice, 3)
    match = need_services.match_propose(actor=helper, need=NeedFactory(requester=requester))
    services.reservation_create(actor=keeper, match=match, item=rice, quantity=3)
    need_services.match_cancel(actor=requester, match=match)
    assert tasks.release_ended_reservations.call_local() == 1
    rice.refresh_from_db()
    assert rice.reserved == 0
