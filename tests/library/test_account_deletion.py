"""What happens to the lending library when a member deletes their account."""

from mutualaid.accounts.selectors import account_data_export
from mutualaid.accounts.services import account_delete
from mutualaid.library import services
from mutualaid.library.models import Booking, Thing, Training
from tests.factories import CENTER_CELL
from tests.library.conftest import SECRET_PICKUP, at, jpeg_with_gps


def test_a_keepers_things_stay_without_their_pickup_notes_or_photo(
    helper, requester, django_capture_on_commit_callbacks, mailoutbox
):
    # given a thing Hugo keeps, with a photo, booked by Rosa
    thing = services.thing_create(
        actor=helper,
        name="Tent",
        cell=CENTER_CELL,
        pickup_notes=SECRET_PICKUP,
        photo=jpeg_with_gps(),
    )
    storage, photo_name = thing.photo.storage, thing.photo.name
    booking = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(4))
    mailoutbox.clear()

    # when Hugo deletes his account
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=helper.user)

    # then the thing stays, unkept and unbookable, without the notes or the photo file
    thing = Thing.objects.get(pk=thing.pk)
    assert thing.keeper is None
    assert not thing.pickup_notes
    assert not thing.photo
    assert not thing.is_active
    assert not storage.exists(photo_name)
    # and Rosa's booking is cancelled, and she is told
    assert Booking.objects.get(pk=booking.pk).state == Booking.State.CANCELLED
    assert [m.to for m in mailoutbox] == [[requester.user.email]]


def test_a_borrowers_bookings_and_trainings_go_with_their_account(chainsaw, helper, requester):
    services.training_give(actor=helper, trainee=requester, thing=chainsaw)
    services.booking_create(actor=requester, thing=chainsaw, starts_at=at(1), ends_at=at(4))
    [membership] = account_data_export(user=requester.user)["memberships"]
    assert [b["thing"] for b in membership["library_bookings"]] == ["Chainsaw"]
    assert membership["library_trainings"][0]["trainer"] == helper.pk

    account_delete(user=requester.user)

    assert not Booking.objects.exists()
    assert not Training.objects.exists()
