from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mutualaid.networks.models import Network


class MatchingPolicy(models.Model):
    """How one network's matching weighs things and limits people. Members change it through a
    proposal (governance calls `policy_change`); until then the defaults below apply, and no
    row exists."""

    network = models.OneToOneField(
        Network, on_delete=models.CASCADE, related_name="matching_policy"
    )
    # How much each thing counts, as a multiple of the engine's standard weight (1 = standard,
    # 2 = twice as much, 0 = not at all).
    weight_distance = models.FloatField(_("weight of travel distance"), default=1.0)
    weight_load = models.FloatField(_("weight of a helper's recent load"), default=1.0)
    weight_urgency = models.FloatField(_("weight of urgency"), default=1.0)
    weight_waiting = models.FloatField(_("weight of time waiting"), default=1.0)
    weight_fairness = models.FloatField(_("weight of little help received"), default=1.0)
    # Off (0) unless members turn it on: needs from neighbourhoods where many recent needs
    # went without help come first (the engine's area_weight, docs/matching.md).
    weight_area = models.FloatField(_("weight of a neighbourhood's unmet needs"), default=0.0)
    # The network's cap on any one helper, on top of the helper's own weekly cap.
    helper_cap = models.PositiveSmallIntegerField(_("tasks per helper per period"), default=3)
    cap_period_days = models.PositiveSmallIntegerField(_("period (days)"), default=7)
    rotate_first = models.BooleanField(
        _("helpers who have not helped lately are asked first"), default=True
    )
    requester_sees_suggestions = models.BooleanField(
        _("people asking see suggested helpers"), default=False
    )
    suggestion_hours = models.PositiveSmallIntegerField(
        _("hours a helper has to answer a suggestion"), default=24
    )
    batch_enabled = models.BooleanField(_("suggest helpers automatically"), default=True)
    # How many helpers matching asks about one need at the same time (1: one after another).
    asks_per_need = models.PositiveSmallIntegerField(
        _("helpers asked about one need at the same time"), default=1
    )
    # With asks_per_need above 1: 0 asks them all at once; otherwise one more helper is asked
    # only when the last one asked has not answered for this many hours.
    ask_next_after_hours = models.PositiveSmallIntegerField(
        _("hours before asking one more helper"), default=0
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("matching policy")
        verbose_name_plural = _("matching policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_distance__gte=0, weight_distance__lte=100)
                & Q(weight_load__gte=0, weight_load__lte=100)
                & Q(weight_urgency__gte=0, weight_urgency__lte=100)
                & Q(weight_waiting__gte=0, weight_waiting__lte=100)
                & Q(weight_fairness__gte=0, weight_fairness__lte=100)
                & Q(weight_area__gte=0, weight_area__lte=100),
                name="matching_policy_weights_range",
            ),
            models.CheckConstraint(
                condition=Q(helper_cap__gte=1, helper_cap__lte=50)
                & Q(cap_period_days__gte=1, cap_period_days__lte=31)
                & Q(suggestion_hours__gte=1, suggestion_hours__lte=336)
                & Q(asks_per_need__gte=1, asks_per_need__lte=5)
                & Q(ask_next_after_hours__lte=168),
                name="matching_policy_limits_range",
            ),
        ]

    def __str__(self) -> str:
        return f"matching policy of {self.network_id}"
