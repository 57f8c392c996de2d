from datetime import timedelta

from django.utils import timezone

from mutualaid.core.idempotency import idempotency_records_prune
from mutualaid.core.models import IdempotencyRecord


def _record(member, key: str) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        member=member, key=key, request_fingerprint="f", status_code=201, response_body="{}"
    )


def test_stored_api_responses_are_deleted_after_a_day(helper):
    old, fresh = _record(helper, "old"), _record(helper, "fresh")
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert idempotency_records_prune() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert fresh.pk
