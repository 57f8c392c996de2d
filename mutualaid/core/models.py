from django.db import models
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField


class HistoryEntry(models.Model):
    """Append-only log of what happened, who did it, and why.

    `data` holds only non-sensitive facts (ids, states, reasons); never an address or phone.
    """

    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="history", null=True
    )
    actor = models.ForeignKey(
        "networks.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        indexes = [models.Index(fields=["target_type", "target_id"], name="history_target_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class IdempotencyRecord(models.Model):
    """The first response to an API write sent with an `Idempotency-Key` header.

    A retry with the same key and member gets the stored response instead of a second write.
    The response is JSON text, encrypted: it can hold the member's own address and phone.
    """

    member = models.ForeignKey("networks.Member", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    request_fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code}"
