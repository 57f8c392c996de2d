import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField, EncryptedTextField

# The category taxonomy every new network starts with. Organisers can add more. Labels are
# translated by slug, so the defaults read in every shipped language.
DEFAULT_CATEGORIES = {
    "groceries": _("Groceries"),
    "meals": _("Meals"),
    "rides": _("Rides"),
    "childcare": _("Childcare"),
    "prescriptions": _("Prescriptions"),
    "medical-accompaniment": _("Medical accompaniment"),
    "housing": _("Housing"),
    "money": _("Money"),
    "peer-support": _("Peer support"),
    "errands": _("Errands"),
    "repairs": _("Repairs"),
    "disaster-relief": _("Disaster relief"),
}
DEFAULT_SKILLS = {
    "driving": _("Driving"),
    "cooking": _("Cooking"),
    "childcare": _("Childcare"),
    "translation": _("Translation"),
    "repairs": _("Home repairs"),
    "listening": _("Listening"),
    "shopping": _("Shopping"),
    "tech-help": _("Tech help"),
    "first-aid": _("First aid"),
    "heavy-lifting": _("Heavy lifting"),
}

# Weekly availability is a set of (day, part-of-day) slots, e.g. "sat-morning".
DAYS = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]
DAY_PARTS = [("morning", _("morning")), ("afternoon", _("afternoon")), ("evening", _("evening"))]
AVAILABILITY_SLOTS = [f"{day}-{part}" for day, _d in DAYS for part, _p in DAY_PARTS]


def new_invite_code() -> str:
    return secrets.token_urlsafe(16)


class Network(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    area_name = models.CharField(_("area"), max_length=120)
    center_cell = models.CharField(max_length=16)
    timezone = models.CharField(max_length=64, default="UTC")
    open_for_applications = models.BooleanField(
        _("open for applications"),
        default=True,
        help_text=_("Anyone can apply to join; members approve or decline."),
    )
    approvals_needed = models.PositiveSmallIntegerField(
        _("approvals needed"),
        default=1,
        help_text=_("How many members must approve (or decline) an application."),
    )
    application_questions = models.JSONField(default=list, blank=True)
    disaster_mode = models.BooleanField(_("disaster mode"), default=False)
    inactive_after_days = models.PositiveSmallIntegerField(
        _("warn members inactive for (days)"),
        default=90,
        help_text=_(
            "A member with no activity for this many days is asked whether they are still "
            "here. 0 means never."
        ),
    )
    inactive_grace_days = models.PositiveSmallIntegerField(
        _("then shown as inactive after (days)"),
        default=14,
        help_text=_("Days after the question before a member who did not answer is inactive."),
    )
    invite_code = models.CharField(max_length=64, unique=True, default=new_invite_code)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approvals_needed__gte=1) & Q(approvals_needed__lte=50),
                name="network_approvals_needed_range",
            ),
            models.CheckConstraint(
                condition=Q(inactive_after_days__lte=3650)
                & Q(inactive_grace_days__gte=1)
                & Q(inactive_grace_days__lte=365),
                name="network_inactivity_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Neighbourhood(models.Model):
    """A named area members can pick instead of a point on a map; stored as its H3 cell."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="neighbourhoods")
    name = models.CharField(_("name"), max_length=80)
    cell = models.CharField(max_length=16)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="neighbourhood_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="categories")
    slug = models.SlugField(max_length=60)
    name = models.CharField(_("name"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["network", "slug"], name="category_slug_unique")
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        return str(self.label_lazy)

    @property
    def label_lazy(self) -> "Promise | str":
        """The label, translated when rendered (for emails built in another language)."""
        return DEFAULT_CATEGORIES.get(self.slug, self.name)


class Skill(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="skills")
    slug = models.SlugField(max_length=60)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["network", "slug"], name="skill_unique")]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        return str(DEFAULT_SKILLS.get(self.slug, self.name))


class Member(models.Model):
    """A person's membership of one network, with their profile there."""

    class Role(models.TextChoices):
        FOUNDING_ORGANISER = "founding_organiser", _("founding organiser")
        MEMBER = "member", _("member")

    class ContactPreference(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        IN_APP = "in_app", _("Only through mutualaid")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.MEMBER)
    display_name = models.CharField(_("display name"), max_length=60)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="members")
    free_tags = models.JSONField(_("other skills"), default=list, blank=True)
    accessibility_needs = EncryptedTextField(_("accessibility needs"), blank=True, null=True)
    cell = models.CharField(_("neighbourhood"), max_length=16, blank=True)
    availability = models.JSONField(_("weekly availability"), default=list, blank=True)
    weekly_task_cap = models.PositiveSmallIntegerField(_("tasks a week I can take"), default=2)
    travel_radius_km = models.PositiveSmallIntegerField(_("travel radius (km)"), default=3)
    contact_preference = models.CharField(
        _("how helpers may reach me"),
        max_length=16,
        choices=ContactPreference.choices,
        default=ContactPreference.EMAIL,
    )
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True, null=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    # Activity (see `mutualaid.membership.services.member_mark_active`): the last time the member
    # used the network, at most one write a day; when they were asked whether they are still
    # here; since when they are inactive (null = active). Inactive members stay members: they
    # do not count towards thresholds, and come back by signing in or saying so.
    last_active_at = models.DateTimeField(null=True, blank=True)
    inactivity_warned_at = models.DateTimeField(null=True, blank=True)
    inactive_since = models.DateTimeField(null=True, blank=True)
    # What the member's current roles grant: permission -> the end of the term that grants it
    # (ISO 8601), or null for no end. Written only by governance when holdings or roles change
    # (`mutualaid.governance.services.roles.role_permissions_write`), read by `can` without a
    # query; a term that ends stops granting at once, before any sweep writes its lapse.
    role_permissions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "user"], name="member_once_per_network"),
            models.CheckConstraint(
                condition=Q(weekly_task_cap__lte=50), name="member_weekly_cap_range"
            ),
            models.CheckConstraint(
                condition=Q(travel_radius_km__lte=200), name="member_radius_range"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class Application(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for members")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="applications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    display_name = models.CharField(_("display name"), max_length=60)
    answers = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "user"],
                condition=Q(status="pending"),
                name="application_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} → {self.network}"


class ApplicationVote(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", _("approve")
        DECLINE = "decline", _("decline")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "voter"], name="application_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.decision} on application {self.application_id}"


class ApiToken(models.Model):
    """A per-member API token. Only a SHA-256 of the secret is stored; the secret is shown once."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
