"""End to end, on random small networks: every suggestion a batch run writes keeps every hard
rule, checked against the database rather than the arrays, and no helper is over their room."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.geo import cell_for, distance_km
from mutualaid.matching.services import matching_run, policy_change
from mutualaid.needs import services
from mutualaid.needs.models import Block, Match, Need, Offer
from tests.factories import CategoryFactory, MemberFactory, NeedFactory, OfferFactory

LANGUAGES = ["en", "es", "zh"]


def random_network(network, rng: random.Random):
    categories = [CategoryFactory(network=network, slug=s, name=s) for s in ("food", "rides")]

    def place():
        return cell_for(37.80 + rng.uniform(-0.04, 0.04), -122.27 + rng.uniform(-0.04, 0.04))

    helpers = []
    for _ in range(8):
        helper = MemberFactory(
            network=network,
            cell=place(),
            languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
            weekly_task_cap=rng.randint(0, 3),
            travel_radius_km=rng.randint(1, 5),
        )
        OfferFactory(helper=helper, category=rng.choice(categories), cell=helper.cell, radius_km=0)
        helpers.append(helper)
    needs = []
    for _ in range(12):
        requester = rng.choice([*helpers, MemberFactory(network=network)])
        needs.append(
            NeedFactory(
                requester=requester,
                category=rng.choice(categories),
                cell=place(),
                languages=rng.sample(LANGUAGES, rng.randint(0, 1)),
                urgency=rng.choice(list(Need.Urgency.values)),
            )
        )
    for _ in range(3):
        a, b = rng.sample(helpers, 2)
        services.block_create(actor=a, member=b)
    for _ in range(3):
        need, helper = rng.choice(needs), rng.choice(helpers)
        if need.requester_id != helper.pk and not need.matches.exists():
            Match.objects.create(need=need, helper=helper, state=Match.State.PASSED)
    return helpers, needs


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_no_suggestion_breaks_a_hard_rule(network, seed):
    rng = random.Random(seed)
    policy_change(network=network, changes={"helper_cap": 2})
    helpers, _needs = random_network(network, rng)
    passed_before = set(
        Match.objects.filter(state=Match.State.PASSED).values_list("need_id", "helper_id")
    )

    matching_run(network=network, now=timezone.now() + timedelta(minutes=1))

    suggested = Match.objects.filter(state=Match.State.SUGGESTED).select_related("need", "helper")
    per_helper = Counter(m.helper_id for m in suggested)
    assert suggested, "the random network should allow some suggestions"
    for match in suggested:
        need, helper = match.need, match.helper
        offers = Offer.objects.filter(helper=helper, status=Offer.Status.ACTIVE)
        assert need.requester_id != helper.pk
        assert offers.filter(category=need.category).exists(), "category"
        assert not need.languages or set(need.languages) & set(helper.languages), "language"
        assert distance_km(need.cell, helper.cell) <= helper.travel_radius_km + 1e-6, "radius"
        assert not Block.objects.filter(
            blocker__in=[helper.pk, need.requester_id], blocked__in=[helper.pk, need.requester_id]
        ).exists(), "block"
        assert (need.pk, helper.pk) not in passed_before, "declined"
    for helper in helpers:
        assert per_helper[helper.pk] <= min(helper.weekly_task_cap, 2), "capacity"
    # and each need has at most one live suggestion from a run
    assert max(Counter(m.need_id for m in suggested).values(), default=0) <= 1
