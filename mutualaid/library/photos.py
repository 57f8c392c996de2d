"""Checking and cleaning a photo of a thing before it is stored: the helper lives in
mutualaid.core.photos, shared with the fund's receipts."""

from mutualaid.core.photos import MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS, MAX_SIDE, photo_clean

__all__ = ["MAX_PHOTO_BYTES", "MAX_PHOTO_PIXELS", "MAX_SIDE", "photo_clean"]
