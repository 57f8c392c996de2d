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
