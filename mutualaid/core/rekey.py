"""Re-encrypt every encrypted field under the first field key, after a key rotation.

docs/deployment.md rotates `MUTUALAID_FIELD_KEYS` by putting a new key first: new values use
it, old ones still decrypt with the old key. `fields_rekey` then walks every installed model's
encrypted fields (django-fernet-encrypted-fields) and rewrites, in batches, each value that the
first key cannot open yet, so that the old key can be dropped.

It works on the stored tokens, never on the decrypted text: a token is rotated (decrypted with
whichever key opens it, encrypted again with the first) and written back with a conditional
`QuerySet.update`, so `auto_now` fields, `save()` and signals are left alone, and a value
someone changed in the meantime is not overwritten. A token no key opens is left as it is and
counted, so the operator knows to keep the old key. A value stored before its field was
encrypted (plain text, not a Fernet token) is encrypted.

Nothing here logs or prints a value: only model names and counts.
"""

from __future__ import annotations  # Field[...] is generic only for the type checker

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.db import models, transaction
from django.db.models import F, TextField, Value
from django.db.models.functions import Cast
from django.db.models.lookups import Exact
from encrypted_fields.fields import EncryptedFieldMixin, EncryptedTextField

# Every Fernet token starts with its version byte 0x80, which is "gAAAAA" in urlsafe base64.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - not a secret: the format's fixed first bytes


@dataclass
class RekeyCount:
    """What rekey found in one model's encrypted fields (one value = one field of one row)."""

    model: str
    rewritten: int = 0  # under an older key; re-encrypted (or would be, on a dry run)
    current: int = 0  # already under the first key
    unencrypted: int = 0  # plain text from before the field was encrypted; encrypted now
    unreadable: int = 0  # a token no configured key opens; left untouched


def encrypted_fields() -> list[tuple[type[models.Model], list[models.Field[Any, Any]]]]:
    """Each concrete model with the encrypted fields it stores in its own table."""
    found: list[tuple[type[models.Model], list[models.Field[Any, Any]]]] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            field
            for field in model._meta.local_concrete_fields
            if isinstance(field, EncryptedFieldMixin)
        ]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda pair: pair[0]._meta.label)


def forget_cached_keys() -> None:
    """Each encrypted field caches its keys on first use; make them read the settings again
    (for a process whose MUTUALAID_FIELD_KEYS or SECRET_KEY changed, e.g. in tests)."""
    for _model, fields in encrypted_fields():
        for field in fields:
            field.__dict__.pop("keys", None)
            field.__dict__.pop("f", None)


def _ciphers() -> tuple[Fernet, MultiFernet]:
    """The first key, and all keys, derived from the settings as the fields derive them."""
    fernets = [Fernet(key) for key in EncryptedTextField().keys]
    return fernets[0], MultiFernet(fernets)


def _raw_rows(
    model: type[models.Model],
    fields: list[models.Field[Any, Any]],
    batch_size: int,
) -> Iterator[list[tuple[object, dict[str, str | None]]]]:
    """The stored tokens (not decrypted), a batch of rows at a time, in primary key order."""
    raw = {f"_raw_{field.attname}": Cast(F(field.attname), TextField()) for field in fields}
    queryset = model._base_manager.annotate(**raw).order_by("pk")
    last: object = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page.values_list("pk", *raw.keys())[:batch_size])
        if not rows:
            return
        yield [
            (row[0], {field.attname: value for field, value in zip(fields, row[1:], strict=True)})
            for row in rows
        ]
        last = rows[-1][0]


def _new_token(raw: str, first: Fernet, every: MultiFernet, count: RekeyCount) -> str | None:
    """The token to store instead of `raw`, or None to leave it; counts what it found."""
    if not raw.startswith(TOKEN_PREFIX):
        count.unencrypted += 1
        return first.encrypt(raw.encode()).decode()
    try:
        first.decrypt(raw.encode())
    except InvalidToken:
        pass
    else:
        count.current += 1
        return None
    try:
        token = every.rotate(raw.encode()).decode()
    except InvalidToken:
        count.unreadable += 1
        return None
    count.rewritten += 1
    return token


def _write(model: type[models.Model], pk: object, attname: str, raw: str, token: str) -> None:
    """Store the new token only if the old one is still there (raw SQL value: no
    re-encryption by the field, no auto_now, no signals)."""
    stored = Cast(F(attname), TextField())
    model._base_manager.filter(Exact(stored, Value(raw)), pk=pk).update(
        **{attname: Value(token, output_field=TextField())}
    )


def _model_rekey(
    model: type[models.Model],
    fields: list[models.Field[Any, Any]],
    ciphers: tuple[Fernet, MultiFernet],
    *,
    dry_run: bool,
    batch_size: int,
) -> RekeyCount:
    """Re-encrypt one model's encrypted values under the first key, one transaction a batch."""
    first, every = ciphers
    count = RekeyCount(model=model._meta.label)
    for batch in _raw_rows(model, fields, batch_size):
        with transaction.atomic():
            for pk, values in batch:
                for attname, raw in values.items():
                    if not raw:
                        continue
                    token = _new_token(raw, first, every, count)
                    if token is not None and not dry_run:
                        _write(model, pk, attname, raw, token)
    return count


def fields_rekey(*, dry_run: bool = False, batch_size: int = 500) -> list[RekeyCount]:
    """Every installed model's encrypted values under the first key; per-model counts.
    With dry_run, count only."""
    ciphers = _ciphers()
    counts = [
        _model_rekey(model, fields, ciphers, dry_run=dry_run, batch_size=batch_size)
        for model, fields in encrypted_fields()
    ]
    counts.append(_mfa_rekey(ciphers, dry_run=dry_run))
    return counts


# Second-factor secrets are not fields of ours: allauth keeps them in Authenticator.data, and
# mutualaid/accounts/mfa.py encrypts these entries with the same keys.
MFA_ENCRYPTED_KEYS = ("secret", "seed")


def _mfa_rekey(ciphers: tuple[Fernet, MultiFernet], *, dry_run: bool) -> RekeyCount:
    first, every = ciphers
    count = RekeyCount(model=Authenticator._meta.label)
    for pk, data in Authenticator.objects.order_by("pk").values_list("pk", "data").iterator():
        if not isinstance(data, dict):
            continue
        new = dict(data)
        for key in MFA_ENCRYPTED_KEYS:
            raw = data.get(key)
            if isinstance(raw, str) and raw:
                token = _new_token(raw, first, every, count)
                new[key] = token if token is not None else raw
        if new != data and not dry_run:
            with transaction.atomic():
                Authenticator.objects.filter(pk=pk, data=data).update(data=new)
    return count
