import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from mutualaid.library import services
from tests.factories import CENTER_CELL

SECRET_PICKUP = "Blue shed behind 7 Hidden Close, code 4412"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def at(hours: float):
    """A moment `hours` from now, rounded to the minute."""
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def jpeg_with_gps() -> bytes:
    """A small JPEG carrying EXIF with a GPS position, as a phone camera writes it."""
    image = Image.new("RGB", (40, 30), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (37.0, 48.0, 36.0), 3: "W", 4: (122.0, 15.0, 36.0)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def thing(helper):
    """A drill Hugo lends, with pickup notes for confirmed borrowers only."""
    return services.thing_create(
        actor=helper,
        name="Cordless drill",
        kind="drill",
        cell=CENTER_CELL,
        pickup_notes=SECRET_PICKUP,
    )


@pytest.fixture
def chainsaw(helper):
    return services.thing_create(
        actor=helper, name="Chainsaw", kind="chainsaw", cell=CENTER_CELL, needs_training=True
    )
