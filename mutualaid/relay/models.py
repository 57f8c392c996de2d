"""The contact relay: the requester and the accepted helper of a match write to each other
through mutualaid, on the pages or by text through the network's number, and neither ever
sees the other's number or email.

A `RelayThread` belongs to one match. It opens when the match is accepted and closes when the
match ends, whichever way; a message after that is refused. Its `code` ("K7") lets a member
with several open conversations say by text which one a reply is for; it is unique among the
network's open conversations, so the database, not the code that picks it, keeps it unique.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from mutualaid.needs.models import Match
from mutualaid.networks.models import Member, Network

# A text message is 160 characters; three of them, less the "[K7] Name: " prefix, is plenty
# for "I'm outside, blue door" and short enough never to become a letter.
MESSAGE_MAX_LENGTH = 400


class RelayThread(models.Model):
    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="relay_thread")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=4)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Touched by every post: the conditional update that makes a post and a close exclusive.
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "code"],
                condition=Q(closed_at__isnull=True),
                name="relay_code_unique_while_open",
            ),
        ]

    def __str__(self) -> str:
        return f"conversation {self.code} on match {self.match_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RelayMessage(models.Model):
    class Via(models.TextChoices):
        WEB = "web", _("the website")
        SMS = "sms", _("text message")

    thread = models.ForeignKey(RelayThread, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="relay_messages")
    # The person's own words to the other side: encrypted at rest, deleted on the network's
    # retention and when the sender leaves.
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.WEB)
    reported = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"message {self.pk} in {self.thread_id}"
