"""The lending library's pages, as a member uses them without JavaScript."""

from django.urls import reverse

from mutualaid.library import services
from mutualaid.library.models import Booking, Thing
from tests.conftest import client_for
from tests.factories import CENTER_CELL
from tests.library.conftest import SECRET_PICKUP, at, jpeg_with_gps


def _url(name, network, **kwargs):
    return reverse(f"library:{name}", kwargs={"slug": network.slug, **kwargs})


def test_a_member_lends_a_thing_with_a_photo_from_the_form(network, helper):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(helper).post(
        _url("thing_create", network),
        {
            "name": "Sewing machine",
            "kind": "sewing",
            "condition": "good",
            "cell": CENTER_CELL,
            "pickup_notes": "Ring the bell",
            "photo": SimpleUploadedFile("m.jpg", jpeg_with_gps(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302
    thing = Thing.objects.get()
    assert thing.keeper == helper
    assert thing.photo
    photo = client_for(helper).get(_url("thing_photo", network, thing_id=thing.pk))
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"


def test_a_file_that_is_not_a_photo_is_refused_on_the_form(network, helper):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(helper).post(
        _url("thing_create", network),
        {
            "name": "Tent",
            "condition": "good",
            "cell": CENTER_CELL,
            "photo": SimpleUploadedFile("x.jpg", b"<script>", content_type="image/jpeg"),
        },
    )
    assert response.status_code == 400
    assert "not a photo we can read" in response.content.decode()
    assert not Thing.objects.exists()


def test_the_list_filters_by_kind_and_search(network, thing, chainsaw, bystander):
    client = client_for(bystander)
    body = client.get(_url("thing_list", network), {"kind": "chainsaw"}).content.decode()
    assert "Chainsaw" in body
    assert "Cordless drill" not in body
    body = client.get(_url("thing_list", network), {"q": "drill"}).content.decode()
    assert "Cordless drill" in body
    assert "Chainsaw" not in body


def test_booking_from_the_thing_page_and_seeing_the_pickup_notes(network, thing, requester):
    client = client_for(requester)
    page = client.get(_url("thing_detail", network, thing_id=thing.pk)).content.decode()
    assert SECRET_PICKUP not in page
    response = client.post(
        _url("thing_book", network, thing_id=thing.pk),
        {
            "starts_at": at(25).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": at(30).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    assert Booking.objects.filter(borrower=requester).count() == 1
    page = client.get(_url("thing_detail", network, thing_id=thing.pk)).content.decode()
    assert SECRET_PICKUP in page
    assert "your booking" in page


def test_an_overlapping_booking_shows_the_clear_message_on_the_page(
    network, thing, requester, bystander
):
    services.booking_create(actor=requester, thing=thing, starts_at=at(25), ends_at=at(30))
    response = client_for(bystander).post(
        _url("thing_book", network, thing_id=thing.pk),
        {
            "starts_at": at(26).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": at(27).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 409
    assert "Someone has already booked this thing" in response.content.decode()
    assert Booking.objects.count() == 1


def test_an_untrained_member_is_told_how_to_get_trained(network, chainsaw, bystander):
    page = client_for(bystander).get(_url("thing_detail", network, thing_id=chainsaw.pk))
    assert "only lent to members trained" in page.content.decode()


def test_the_keeper_records_a_training_on_the_page(network, chainsaw, helper, requester):
    response = client_for(helper).post(
        _url("thing_train", network, thing_id=chainsaw.pk), {"trainee": requester.pk}
    )
    assert response.status_code == 302
    services.booking_create(actor=requester, thing=chainsaw, starts_at=at(1), ends_at=at(2))


def test_the_keeper_hands_over_and_takes_back_from_my_loans(network, thing, helper, requester):
    booking = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(2))
    client = client_for(helper)
    page = client.get(_url("loan_list", network)).content.decode()
    assert "Hand it over" in page
    client.post(
        _url("booking_step", network, booking_id=booking.pk, action="return"),
        {"condition_notes": "x", "next": "loans"},
    )
    booking.refresh_from_db()
    assert booking.state == "booked"  # not checked out: refused, nothing changed
    client.post(_url("booking_step", network, booking_id=booking.pk, action="check_out"))
    client.post(
        _url("booking_step", network, booking_id=booking.pk, action="return"),
        {"condition_notes": "Fine"},
    )
    booking.refresh_from_db()
    assert booking.state == "returned"
    assert booking.condition_in == "Fine"


def test_an_overdue_loan_is_shown_kindly(network, thing, helper, requester, bystander):
    from datetime import timedelta

    booking = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(2))
    services.booking_check_out(actor=helper, booking=booking)
    services.booking_create(actor=bystander, thing=thing, starts_at=at(48), ends_at=at(50))
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=at(-5), ends_at=at(-2) - timedelta(minutes=1)
    )
    page = client_for(requester).get(_url("loan_list", network)).content.decode()
    assert "No rush — please bring it back when you can, someone is waiting on" in page
    assert "fine" not in page.lower().replace("define", "")


def test_the_thing_page_shows_the_next_two_weeks_day_by_day(network, thing, requester, bystander):
    services.booking_create(actor=requester, thing=thing, starts_at=at(24), ends_at=at(24 * 3))
    page = client_for(bystander).get(_url("thing_detail", network, thing_id=thing.pk))
    body = page.content.decode()
    assert body.count("booked all day") >= 1
    assert "free" in body
    assert "Rosa" not in body  # other members see that it is booked, not by whom


def test_the_keeper_changes_the_photo_and_others_cannot(network, thing, helper, bystander):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload():
        return SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")

    url = _url("thing_photo_upload", network, thing_id=thing.pk)
    refused = client_for(bystander).post(url, {"photo": upload()})
    assert refused.status_code == 403
    assert client_for(helper).post(url, {"photo": upload()}).status_code == 302
    thing.refresh_from_db()
    assert thing.photo


def test_the_keeper_marks_a_thing_for_repair_and_off_the_shelf(network, thing, helper, bystander):
    url = _url("thing_update", network, thing_id=thing.pk)
    assert client_for(bystander).post(url, {"condition": "repair"}).status_code == 403
    assert client_for(helper).post(url, {"condition": "repair"}).status_code == 302
    thing.refresh_from_db()
    assert (thing.condition, thing.is_active) == ("repair", False)
    page = client_for(bystander).get(_url("thing_detail", network, thing_id=thing.pk))
    assert "cannot be booked at the moment" in page.content.decode()
