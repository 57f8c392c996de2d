"""Text messages: a member's number, the network's number, incoming texts and the short
conversation that finishes a need posted by text.

Numbers are stored encrypted, with a keyed hash (HMAC-SHA256 under SECRET_KEY) beside them so
that an incoming number can be found without decrypting every row.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField, EncryptedTextField

from mutualaid.networks.models import Member, Network


class SmsPhone(models.Model):
    """The number a member receives and sends texts with, in one network."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="sms_phone")
    # The member's network, repeated so the database can hold "one verified member per number".
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    number = EncryptedCharField(_("phone number"), max_length=20)
    number_hash = models.CharField(max_length=64, db_index=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    # The verification code: only its keyed hash is kept, until it is used, expires or is
    # guessed wrong too often.
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    # The member texted STOP: nothing more is sent by text until they text START.
    opted_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "number_hash"],
                condition=Q(verified_at__isnull=False),
                name="sms_phone_verified_once_per_network",
            ),
        ]

    def __str__(self) -> str:
        return f"SMS phone {self.pk}"


class NetworkSmsNumber(models.Model):
    """The network's own number: incoming texts to it belong to this network."""

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="sms_number")
    number = models.CharField(
        _("text message number"),
        max_length=20,
        unique=True,
        help_text=_("In international form, e.g. +15105550100. Point its webhook at /sms/inbound."),
    )
    # Texts members send to this number are deleted after this many days; empty means the
    # server's MUTUALAID_SMS_RETENTION_DAYS.
    retention_days = models.PositiveSmallIntegerField(
        _("keep texts for (days)"),
        null=True,
        blank=True,
        help_text=_("Texts members send are deleted after this many days. Empty: the default."),
    )

    class Meta:
        verbose_name = _("text message number")

    def __str__(self) -> str:
        return self.number


class SmsInbound(models.Model):
    """A text a member sent, kept to answer a replay once and for the retention period."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="sms_inbound")
    message_sid = models.CharField(max_length=64)
    body = EncryptedTextField(blank=True, null=True)
    reply = EncryptedTextField(blank=True, null=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["message_sid"], name="sms_inbound_once_per_sid"),
        ]

    def __str__(self) -> str:
        return f"SMS {self.message_sid}"


class SmsConversation(models.Model):
    """A question asked by text and waiting for its answer (e.g. "which area?" while posting
    a need). One per member; it lapses at `expires_at`."""

    class Step(models.TextChoices):
        NEED_WHAT = "need_what", _("what is needed")
        NEED_CATEGORY = "need_category", _("the need's category")
        NEED_AREA = "need_area", _("the need's area")

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="sms_conversation")
    step = models.CharField(max_length=16, choices=Step.choices)
    # What was said so far, as JSON (the need's words, category, time), encrypted.
    data = EncryptedTextField(default="{}")
    expires_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"SMS conversation {self.pk} ({self.step})"
