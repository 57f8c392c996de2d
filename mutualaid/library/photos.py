"""Checking and cleaning a photo of a thing before it is stored (the helper lives in
mutualaid.core.photos, shared with the fund's receipts), and serving it back."""

import mimetypes

from django.http import Http404, HttpResponse

from mutualaid.core.photos import MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS, MAX_SIDE, photo_clean
from mutualaid.library.models import Thing

__all__ = ["MAX_PHOTO_BYTES", "MAX_PHOTO_PIXELS", "MAX_SIDE", "photo_clean", "photo_response"]


def photo_response(thing: Thing) -> HttpResponse:
    """The thing's photo as a private response. The caller has checked the viewer may see the
    thing (a member of its network: a photo may show someone's home)."""
    if not thing.photo:
        raise Http404
    content_type = mimetypes.guess_type(thing.photo.name or "")[0] or "application/octet-stream"
    # Photos are re-encoded at most 2000 pixels wide on upload, so they are read whole.
    with thing.photo.open("rb") as photo:
        response = HttpResponse(photo.read(), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
