"""Checking and cleaning a photo before it is stored (a thing in the library, a receipt for
the fund).

A photo taken at home can carry the GPS position of that home in its EXIF data. Every upload
is decoded and encoded again from its pixels alone, so nothing but the picture is kept: no
EXIF, no GPS, no comments. The orientation EXIF asked for is applied to the pixels first.
"""

import io
import uuid

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from mutualaid.core.errors import InvalidInput

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
MAX_SIDE = 2000
# Pillow format -> (file extension, save options)
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def photo_clean(
    data: bytes, *, max_bytes: int = MAX_PHOTO_BYTES, field: str = "photo"
) -> "ContentFile[bytes]":
    """A JPEG, PNG or WebP under `max_bytes` (5 MB unless told), re-encoded without any
    metadata and at most 2000 pixels on its longer side. Anything else is refused with a
    readable message, on the form field `field`."""

    def _refuse(message: str) -> InvalidInput:
        return InvalidInput(message, fields={field: [message]})

    if len(data) > max_bytes:
        if max_bytes == MAX_PHOTO_BYTES:
            raise _refuse(_("Please choose a photo smaller than 5 MB."))
        raise _refuse(
            _("Please choose a photo smaller than %(mb)d MB.") % {"mb": max_bytes // 1024 // 1024}
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            width, height = probe.size
            probe.verify()
        if kind not in FORMATS:
            raise _refuse(_("Please choose a JPEG, PNG or WebP photo."))
        if width * height > MAX_PHOTO_PIXELS:
            raise _refuse(_("This photo is too large. Please choose a smaller one."))
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            clean = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(_("This file is not a photo we can read.")) from None
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    if clean.mode not in ("RGB", "RGBA", "L"):
        clean = clean.convert("RGBA")
    if kind == "JPEG" and clean.mode == "RGBA":
        clean = clean.convert("RGB")
    # A fresh image from the pixels alone: no info dictionary, so no EXIF, XMP or comments.
    bare = Image.new(clean.mode, clean.size)
    bare.paste(clean)
    out = io.BytesIO()
    bare.save(out, format=kind)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{FORMATS[kind]}")
