"""Peer-support circles: small private groups with their own agreement, facilitators who
rotate, pseudonymous posts encrypted at rest that expire, and a log of every moderation act
that the circle's members can read. And the network's crisis lines.

Who wrote a post is held only as a link from the post to its membership row, which pages, the
API, emails, logs and the admin never follow. Members and facilitators see the pseudonym.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField, EncryptedTextField

from mutualaid.networks.models import Member, Network


class Circle(models.Model):
    class Retention(models.IntegerChoices):
        WEEK = 7, _("7 days")
        MONTH = 30, _("30 days")
        QUARTER = 90, _("90 days")
        KEEP = 0, _("until removed")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="circles")
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("what it is for"), max_length=1000, blank=True)
    retention_days = models.PositiveSmallIntegerField(
        _("posts are deleted after"), choices=Retention.choices, default=Retention.MONTH
    )
    rotation_days = models.PositiveSmallIntegerField(
        _("facilitators hand the role on every (days)"), default=30
    )
    facilitators_rotated_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_days__in=[0, 7, 30, 90]), name="circle_retention_choice"
            ),
            models.CheckConstraint(
                condition=Q(rotation_days__gte=1) & Q(rotation_days__lte=365),
                name="circle_rotation_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CircleAgreement(models.Model):
    """The circle's confidentiality agreement. Each revision is a new numbered version, and
    members accept the current one before they post."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField()
    text = models.TextField(_("agreement"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["circle", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "version"], name="agreement_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.circle} v{self.version}"


class CircleMembership(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("asked to join")
        INVITED = "invited", _("invited")
        ACTIVE = "active", _("member")
        PAUSED = "paused", _("paused")
        REMOVED = "removed", _("removed")

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="circle_memberships")
    state = models.CharField(max_length=16, choices=State.choices)
    # Stable within the circle, different across circles: derived from an HMAC of (circle,
    # member) under MUTUALAID_PSEUDONYM_KEY when the membership is made.
    pseudonym = models.CharField(max_length=60)
    agreed_version = models.PositiveIntegerField(null=True, blank=True)
    is_facilitator = models.BooleanField(default=False)
    willing_to_facilitate = models.BooleanField(default=True)
    facilitator_since = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=500, blank=True)
    # A facilitator removed them, or they left while paused: only the facilitators' decision
    # ends that, so no door that lets members in by themselves (the listeners' debrief
    # circle) may undo it.
    removed_by_facilitator = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "member"], name="circle_member_once"),
            models.UniqueConstraint(fields=["circle", "pseudonym"], name="circle_pseudonym_once"),
            models.CheckConstraint(
                condition=Q(is_facilitator=False) | Q(state="active"),
                name="circle_facilitator_is_active",
            ),
        ]

    def __str__(self) -> str:
        # Never the member: an admin or log line must not pair the person and the pseudonym.
        return f"membership #{self.pk}"


class Post(models.Model):
    class Kind(models.TextChoices):
        POST = "post", _("post")
        REPLY = "reply", _("reply")
        HEAR_YOU = "hear_you", _("I hear you")

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="posts")
    # Who wrote it. Read only by the author's own views ("mine") and the data export.
    author = models.ForeignKey(CircleMembership, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.POST)
    pseudonym = models.CharField(max_length=60)
    # Encrypted too: a note like "mentions self-harm" says what a person is going through.
    content_note = EncryptedCharField(_("content note"), max_length=200, blank=True, null=True)
    body = EncryptedTextField(_("what you want to share"), blank=True, null=True)
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Null when the circle keeps posts until removed.
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="post", parent__isnull=True)
                | (~Q(kind="post") & Q(parent__isnull=False)),
                name="post_thread_shape",
            )
        ]

    def __str__(self) -> str:
        return f"post #{self.pk}"


class PostSearchTerm(models.Model):
    """One word of a post, as a keyed hash (see mutualaid/care/search.py): what lets members
    search a circle while the post's text stays encrypted. Deleted with its post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="search_terms")
    term = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "term"], name="post_search_term_once")
        ]
        indexes = [models.Index(fields=["term"], name="post_search_term_idx")]

    def __str__(self) -> str:
        return f"search term of post #{self.post_id}"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        HEART = "heart", _("sending care")
        HUG = "hug", _("holding you")
        SAME = "same", _("me too")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    by = models.ForeignKey(CircleMembership, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "by", "kind"], name="reaction_once")]

    def __str__(self) -> str:
        return f"{self.kind} on post #{self.post_id}"


class Flag(models.Model):
    """A member's concern that a post breaks the circle agreement; seen by its facilitators."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    by = models.ForeignKey(CircleMembership, on_delete=models.CASCADE, related_name="flags")
    reason = EncryptedCharField(_("what concerns you"), max_length=500)
    resolved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "by"], name="flag_once")]

    def __str__(self) -> str:
        return f"flag on post #{self.post_id}"


class CircleLogEntry(models.Model):
    """Every moderation act in a circle, readable by its members. It names no member: the
    actor is 'a facilitator', and a paused or removed member is not named either."""

    class Action(models.TextChoices):
        POST_HIDDEN = "post_hidden", _("a facilitator hid a post")
        MEMBER_PAUSED = "member_paused", _("a facilitator paused a member")
        MEMBER_RESUMED = "member_resumed", _("a facilitator welcomed a paused member back")
        MEMBER_REMOVED = "member_removed", _("a facilitator removed a member")
        MEMBER_ACCEPTED = "member_accepted", _("a facilitator welcomed a new member")
        AGREEMENT_REVISED = "agreement_revised", _("the agreement was revised")
        FACILITATORS_ROTATED = "facilitators_rotated", _("the facilitator role was handed on")
        SETTINGS_CHANGED = "settings_changed", _("a facilitator changed the circle's settings")

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="log_entries")
    action = models.CharField(max_length=32, choices=Action.choices)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.circle}: {self.action}"


class CrisisResource(models.Model):
    """A crisis line or service the network lists, shown in every circle and the footer."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="crisis_resources")
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    hours = models.CharField(_("hours"), max_length=120, blank=True)
    languages = models.CharField(_("languages"), max_length=120, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
