"""Idempotent writes: the first response to a keyed request is stored, and a retry gets it back.

Race safety comes from the database, not from a check-then-act: the write and its record are
saved in one transaction, and the unique constraint on (member, key) makes the second of two
concurrent requests fail as a whole. That request then rolls back everything it wrote and
returns the response the winner stored.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutualaid.core.errors import DomainError
from mutualaid.core.models import IdempotencyRecord


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    default_message = _(
        "This Idempotency-Key was already used for a different request. "
        "Use a new key for a new request."
    )


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of what makes two requests the same request."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _stored(*, member: Model, key: str, fingerprint: str) -> tuple[int, Any] | None:
    record = IdempotencyRecord.objects.filter(member_id=member.pk, key=key).first()
    if record is None:
        return None
    if record.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return record.status_code, json.loads(record.response_body)


def idempotent_write(
    *,
    member: Model,
    key: str | None,
    fingerprint: str,
    write: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """Run `write` (which returns status and JSON body) at most once per member and key.

    Without a key, `write` simply runs. A write that raises is not recorded, so a retry after
    an error runs again (nothing was written)."""
    if not key:
        return write()
    stored = _stored(member=member, key=key, fingerprint=fingerprint)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            status, body = write()
            IdempotencyRecord.objects.create(
                member_id=member.pk,
                key=key,
                request_fingerprint=fingerprint,
                status_code=status,
                response_body=json.dumps(body),
            )
    except IntegrityError:
        # Another request with this key committed first; everything above was rolled back.
        stored = _stored(member=member, key=key, fingerprint=fingerprint)
        if stored is None:
            raise
        return stored
    return status, body


# Long enough for any client's retries; after that a stored response is only a copy of
# personal data that nobody needs.
RECORD_LIFETIME = timedelta(hours=24)


def idempotency_records_prune(*, now: datetime | None = None) -> int:
    """Delete stored responses older than RECORD_LIFETIME. Returns how many went."""
    cutoff = (now or timezone.now()) - RECORD_LIFETIME
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
