"""Trust between members and the roles it earns.

A member gives their trust to another member of the same network. A role (coordinator, ...)
goes to whoever is trusted by enough members; how many is the role's threshold rule, which
grows with the network up to a cap. The rules that grant and take away roles live in
`mutualaid.governance.services.roles`; these models only hold the state and its invariants.
"""

import math
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from mutualaid.networks.models import Member, Network


class Trust(models.Model):
    """One member's trust in another. Giving it twice is impossible; taking it back deletes it."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="trusts")
    giver = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="trust_given")
    receiver = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="trust_received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["giver", "receiver"], name="trust_once_per_pair"),
            models.CheckConstraint(condition=~Q(giver=F("receiver")), name="trust_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.giver_id} trusts {self.receiver_id}"


class Role(models.Model):
    """A set of permissions a network hands to members its members trust enough, or, for a
    role given by decision (a trained listener), to the members a passed proposal names."""

    class GrantedBy(models.TextChoices):
        TRUST = "trust", _("by trust")
        # Trust says "I trust this person", not "I know they did the training", so a role
        # that needs a skill is given and taken away by the network's decisions only.
        DECISION = "decision", _("by a decision of the network")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="roles")
    slug = models.SlugField(max_length=60)
    name = models.CharField(_("name"), max_length=80)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    threshold_fraction = models.DecimalField(
        _("share of members whose trust is needed"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
    )
    threshold_cap = models.PositiveSmallIntegerField(_("never more trust needed than"), default=3)
    threshold_min = models.PositiveSmallIntegerField(_("never less trust needed than"), default=1)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    granted_by = models.CharField(
        _("given"), max_length=16, choices=GrantedBy.choices, default=GrantedBy.TRUST
    )

    class Meta:
        ordering = ["network", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["network", "slug"], name="role_slug_unique"),
            models.CheckConstraint(
                condition=Q(threshold_fraction__gte=0) & Q(threshold_fraction__lte=1),
                name="role_threshold_fraction_range",
            ),
            models.CheckConstraint(
                condition=Q(threshold_min__gte=1) & Q(threshold_cap__gte=F("threshold_min")),
                name="role_threshold_min_cap",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def trust_needed(self, active_members: int) -> int:
        """max(min, min(cap, ceil(fraction × active members)))."""
        share = math.ceil(Decimal(self.threshold_fraction) * active_members)
        return max(self.threshold_min, min(self.threshold_cap, share))


class RoleHolding(models.Model):
    """A member holds a role. It gives its permissions until `expires_at` (if the role has a
    term); once the term lapses, `lapsed_at` is set and the holding stays as a record that
    blocks an automatic re-grant: renewal is a collective decision, not a recount."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="holdings")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="role_holdings")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    lapsed_at = models.DateTimeField(null=True, blank=True)
    # When the holder was told their term ends soon (once per term; a renewal clears it).
    term_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "member"], name="role_held_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} holds {self.role_id}"


class Proposal(models.Model):
    """A question put to the network. When it passes, its `action` (if any) is applied through
    the same services the app uses; see `mutualaid.governance.services.decisions`."""

    class Method(models.TextChoices):
        CONSENT = "consent", _("consent")
        CONSENSUS = "consensus", _("consensus")
        MAJORITY = "majority", _("majority")
        RANKED = "ranked", _("ranked choice")
        SCORE = "score", _("score")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        PASSED = "passed", _("passed")
        REJECTED = "rejected", _("rejected")
        UNDECIDED = "undecided", _("undecided")
        APPLY_FAILED = "apply_failed", _("passed, but could not be applied")
        WITHDRAWN = "withdrawn", _("withdrawn")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("proposal"), max_length=4000, blank=True)
    method = models.CharField(_("how we decide"), max_length=16, choices=Method.choices)
    options = models.JSONField(_("options"), default=list, blank=True)
    action = models.JSONField(default=dict, blank=True)
    opens_at = models.DateTimeField()
    deadline = models.DateTimeField(_("deadline"))
    quorum = models.PositiveSmallIntegerField(_("quorum"), null=True, blank=True)
    anonymous = models.BooleanField(_("anonymous votes"), default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    outcome = models.JSONField(default=dict, blank=True)
    apply_error = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    review_on = models.DateField(_("review date"), null=True, blank=True)
    closing_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "deadline"], name="proposal_status_deadline")]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=F("opens_at")), name="proposal_deadline_after_open"
            ),
            models.CheckConstraint(
                condition=Q(quorum__isnull=True) | Q(quorum__gte=1), name="proposal_quorum_min"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Vote(models.Model):
    """One member's ballot on a proposal: a `choice`, a `ranking` or `scores`, by method."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="votes")
    choice = models.CharField(max_length=16, blank=True)
    ranking = models.JSONField(default=list, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "voter"], name="vote_once_per_proposal"),
        ]

    def __str__(self) -> str:
        return f"vote on {self.proposal_id}"


class ProposalComment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"comment on {self.proposal_id}"


class Agreement(models.Model):
    """One of the network's living rules (code of conduct, privacy promise, ...), in versions."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="agreements")
    slug = models.SlugField(max_length=60)
    title = models.CharField(_("title"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["network", "slug"], name="agreement_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class AgreementVersion(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField(_("text"), max_length=20000)
    adopted_at = models.DateTimeField()
    review_on = models.DateField(_("review date"), null=True, blank=True)
    adopted_by_proposal = models.ForeignKey(
        Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agreement", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreement_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} v{self.number}"


# --- conflict resolution ----------------------------------------------------------------------


class ConflictPolicy(models.Model):
    """How one network runs its conflict process. A network without a row uses the defaults:
    the raiser is not shown to the affected member, and votes are anonymous."""

    network = models.OneToOneField(
        Network, on_delete=models.CASCADE, related_name="conflict_policy"
    )
    show_raiser = models.BooleanField(_("show who raised a concern"), default=False)
    anonymous_votes = models.BooleanField(_("anonymous votes"), default=True)
    answer_days = models.PositiveSmallIntegerField(_("days to answer"), default=7)
    vote_days = models.PositiveSmallIntegerField(_("days to vote"), default=7)
    max_rounds = models.PositiveSmallIntegerField(_("rounds before no change"), default=3)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_days__gte=1) & Q(vote_days__gte=1) & Q(max_rounds__gte=1),
                name="conflict_policy_minimums",
            ),
        ]

    def __str__(self) -> str:
        return f"conflict policy of {self.network_id}"


class Concern(models.Model):
    """A member's concern about another member's conduct, and the process that follows."""

    class Status(models.TextChoices):
        ANSWERING = "answering", _("waiting for an answer")
        VOTING = "voting", _("voting")
        DECIDED = "decided", _("decided")

    class Outcome(models.TextChoices):
        TALK = "talk", _("talk more")
        NO_CHANGE = "no_change", _("no change")
        REMOVE = "remove", _("remove from the network")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="concerns")
    raised_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="concerns_raised"
    )
    about = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="concerns_about"
    )
    raised_by_proposal = models.ForeignKey(
        "Proposal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = EncryptedTextField(_("concern"))
    answer = EncryptedTextField(_("answer"), blank=True, null=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_deadline = models.DateTimeField()
    show_raiser = models.BooleanField(default=False)
    anonymous = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ANSWERING)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(max_length=200, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "answer_deadline"], name="concern_status_due")]

    def __str__(self) -> str:
        return f"concern {self.pk}"


class ConcernRound(models.Model):
    """One time-boxed vote on a concern. A tie opens the next round."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    opens_at = models.DateTimeField()
    deadline = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    tally = models.JSONField(default=dict, blank=True)
    result = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["concern", "number"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "number"], name="concern_round_unique"),
            models.CheckConstraint(
                condition=Q(deadline__gt=F("opens_at")), name="concern_round_deadline_after_open"
            ),
        ]

    def __str__(self) -> str:
        return f"concern {self.concern_id} round {self.number}"


class ConcernVote(models.Model):
    round = models.ForeignKey(ConcernRound, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="concern_votes")
    choice = models.CharField(max_length=16, choices=Concern.Outcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="concern_vote_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"vote in {self.round_id}"
