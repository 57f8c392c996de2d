"""Receipts: attached to a request, stored encrypted outside public media, deleted on the
policy's retention schedule."""

from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import InvalidToken
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from encrypted_fields.fields import EncryptedTextField

from mutualaid.core.errors import InvalidInput, NotFound
from mutualaid.core.history import history_record
from mutualaid.core.photos import photo_clean
from mutualaid.fund.models import FundPolicy, FundRequest, Receipt
from mutualaid.fund.selectors import is_requester_or_treasurer
from mutualaid.fund.services.checks import Upload, same_network
from mutualaid.networks.models import Member

RECEIPT_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}
MAX_RECEIPT_BYTES = 10 * 1024 * 1024


IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def _receipt_cipher() -> Any:
    """Fernet (MultiFernet when keys rotate) over the project's field keys (SALT_KEY from
    MUTUALAID_FIELD_KEYS, with SECRET_KEY), derived exactly as the encrypted fields do."""
    return EncryptedTextField().f


def receipt_bytes(receipt: Receipt) -> bytes:
    """A receipt's file, decrypted. For the permission-checking view only. A file stored
    before receipts were encrypted reads back as it is."""
    with receipt.file.open("rb") as handle:
        stored = handle.read()
    try:
        return bytes(_receipt_cipher().decrypt(stored))
    except InvalidToken:
        return bytes(stored)


@transaction.atomic
def receipt_attach(*, actor: Member, request: FundRequest, file: Upload) -> Receipt:
    """Attach a photo or PDF of a receipt to one's own request. A photo is decoded and encoded
    again from its pixels alone (no EXIF, no GPS position); the file is stored encrypted with
    the project's field keys."""
    same_network(actor.network, request)
    if not is_requester_or_treasurer(actor, request):
        raise NotFound()
    content_type = file.content_type or ""
    if content_type not in RECEIPT_TYPES or (file.size or 0) > MAX_RECEIPT_BYTES:
        raise InvalidInput(_("Attach a photo (JPEG, PNG, WebP) or a PDF of at most 10 MB."))
    data = file.read()
    if content_type == "application/pdf":
        if not data.startswith(b"%PDF"):
            raise InvalidInput(_("This file is not a PDF we can read."))
    else:
        clean = photo_clean(data, max_bytes=MAX_RECEIPT_BYTES, field="receipt")
        data = clean.read()
        content_type = IMAGE_TYPES[(clean.name or "").rsplit(".", 1)[-1]]
    receipt = Receipt(request=request, content_type=content_type)
    encrypted = ContentFile(_receipt_cipher().encrypt(data))
    receipt.file.save(f"receipt-{timezone.now():%Y%m%d%H%M%S}", encrypted, save=False)
    receipt.save()
    history_record(actor=actor, action="fund.receipt_attach", target=request)
    return receipt


def receipts_expire(*, now: datetime | None = None) -> int:
    """Delete receipts older than their network's retention period, files first. Run daily
    by the worker. Returns how many went."""
    now = now or timezone.now()
    deleted = 0
    for policy in FundPolicy.objects.all():
        cutoff = now - timedelta(days=policy.receipt_retention_days)
        old = Receipt.objects.filter(request__network_id=policy.network_id, created_at__lt=cutoff)
        for receipt in old:
            receipt.file.delete(save=False)
            receipt.delete()
            deleted += 1
    return deleted
