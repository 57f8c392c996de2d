"""Photos of things: only real images are kept, and never the place they were taken."""

import io

import pytest
from PIL import Image

from mutualaid.core.errors import InvalidInput
from mutualaid.library import services
from mutualaid.library.models import Thing
from mutualaid.library.photos import MAX_PHOTO_BYTES, photo_clean
from tests.factories import CENTER_CELL
from tests.library.conftest import jpeg_with_gps


def test_a_photo_loses_its_exif_and_gps_on_upload(helper):
    # given a phone photo that says where it was taken
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825)

    # when it is uploaded with a thing
    thing = services.thing_create(actor=helper, name="Tent", cell=CENTER_CELL, photo=data)

    # then the stored file is a JPEG with no EXIF at all
    with thing.photo.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info
        assert image.size == (40, 30)


def test_a_png_stays_a_png(helper):
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    clean = photo_clean(out.getvalue())
    assert clean.name.endswith(".png")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not an image at all", "not a photo"),
        (b"GIF89a" + b"\x00" * 20, "not a photo"),
        (b"\xff" * (MAX_PHOTO_BYTES + 1), "smaller than 5 MB"),
    ],
)
def test_anything_but_a_photo_is_refused_and_nothing_is_made(helper, data, message):
    with pytest.raises(InvalidInput, match=message):
        services.thing_create(actor=helper, name="Tent", cell=CENTER_CELL, photo=data)
    assert not Thing.objects.exists()


def test_a_gif_is_refused(helper):
    out = io.BytesIO()
    Image.new("RGB", (5, 5)).save(out, format="GIF")
    with pytest.raises(InvalidInput, match="JPEG, PNG or WebP"):
        photo_clean(out.getvalue())


def test_a_large_photo_is_scaled_down(helper):
    out = io.BytesIO()
    Image.new("RGB", (4000, 1000)).save(out, format="JPEG")
    clean = photo_clean(out.getvalue())
    assert Image.open(io.BytesIO(clean.read())).size == (2000, 500)


def test_a_keeper_sets_a_photo_through_the_api_and_its_location_is_gone(helper, bystander):
    from django.test import Client

    from mutualaid.networks.services import api_token_create

    thing = services.thing_create(actor=helper, name="Ladder", cell=CENTER_CELL)
    _token, secret = api_token_create(actor=helper, name="tests")
    url = f"/api/v1/library/things/{thing.pk}/photo"
    upload = io.BytesIO(jpeg_with_gps())
    upload.name = "ladder.jpg"

    response = Client().post(url, {"photo": upload}, headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200, response.content
    assert response.json()["has_photo"] is True
    thing.refresh_from_db()
    with thing.photo.open("rb") as stored:
        assert not Image.open(io.BytesIO(stored.read())).getexif()
    # a member who is not its keeper (nor an organiser) cannot replace it
    _token, other = api_token_create(actor=bystander, name="tests")
    upload.seek(0)
    refused = Client().post(url, {"photo": upload}, headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 403, refused.content
