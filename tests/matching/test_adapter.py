"""The adapter: the database as the engine's arrays, and proposals written back. Run on SQLite
and, where DATABASE_URL points at it, PostgreSQL (the `database` fixture)."""

from datetime import UTC, datetime, timedelta

import h3
import numpy as np
import pytest
from django.utils import timezone

from mutualaid.matching import adapter, selectors
from mutualaid.matching.core import Result, solve
from mutualaid.matching.services import matching_run, policy_change, proposals_write
from mutualaid.needs import services
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks.models import Skill
from tests.factories import (
    CENTER_CELL,
    FAR_CELL,
    NEARBY_CELL,
    CategoryFactory,
    MemberFactory,
    NeedFactory,
    OfferFactory,
)
from tests.matching.helpers import a_helper


@pytest.fixture
def groceries(network):
    return CategoryFactory(network=network)


def test_open_needs_and_helpers_become_arrays(database, network, groceries):
    # given an open need and two helpers, one of whom is too far and one with no offer
    need = NeedFactory(requester=MemberFactory(network=network), languages=["es"])
    near = a_helper(network, languages=["es", "en"])
    a_helper(network, cell=FAR_CELL, travel_radius_km=1)
    MemberFactory(network=network)  # no offer, no skill: not a helper

    problem, lookup = selectors.problem_for_network(network)

    assert problem.need_id.tolist() == [need.pk]
    assert problem.need_cell[0] == h3.str_to_int(NEARBY_CELL)
    assert problem.need_languages[0] == 1 << adapter.LANGUAGE_BITS["es"]
    assert problem.need_urgency[0] == 1
    assert near.pk in problem.helper_id.tolist()
    assert len(problem.helper_id) == 2
    assert lookup.need_row(need.pk) == 0
    row = lookup.helper_row(near.pk)
    assert problem.helper_categories[row] == 1 << lookup.category_bits[groceries.pk]
    assert problem.helper_capacity[row] == 2  # the member's own weekly cap


def test_a_solved_problem_is_written_back_as_suggestions(database, network, groceries):
    need = NeedFactory(requester=MemberFactory(network=network))
    helper = a_helper(network)

    summary = matching_run(network=network)

    assert summary.proposed == 1
    match = Match.objects.get(need=need)
    assert match.helper == helper
    assert match.state == Match.State.SUGGESTED
    assert match.origin == Match.Origin.ENGINE
    assert match.explanation[0][0] == "distance_km"
    # and the need, now with a live suggestion, is not loaded again
    problem, _lookup = selectors.problem_for_network(network)
    assert problem.n_needs == 0


def test_a_dry_run_writes_nothing(database, network, groceries):
    NeedFactory(requester=MemberFactory(network=network))
    a_helper(network)

    summary = matching_run(network=network, dry_run=True)

    assert summary.proposed == 1
    assert not Match.objects.exists()


def test_blocks_declines_and_the_requester_themself_are_never_paired(network, groceries):
    requester = a_helper(network)
    need = NeedFactory(requester=requester)
    blocked, declined = a_helper(network), a_helper(network)
    services.block_create(actor=requester, member=blocked)
    Match.objects.create(need=need, helper=declined, state=Match.State.PASSED)

    problem, _lookup = selectors.problem_for_network(network)
    summary = matching_run(network=network)

    assert [need.pk, declined.pk] in problem.declined_pairs.tolist()
    assert [requester.pk, blocked.pk] in problem.blocked_members.tolist()
    assert summary.proposed == 0
    assert summary.unmatched == 1


def test_capacity_counts_recent_and_pending_matches_and_the_network_cap(network, groceries):
    helper = a_helper(network, weekly_task_cap=5)
    policy_change(network=network, changes={"helper_cap": 3})
    for _ in range(2):
        other = NeedFactory(requester=MemberFactory(network=network))
        Match.objects.create(
            need=other,
            helper=helper,
            state=Match.State.DONE,
            accepted_at=timezone.now() - timedelta(days=2),
        )
    NeedFactory(requester=MemberFactory(network=network))

    problem, lookup = selectors.problem_for_network(network)

    assert problem.helper_capacity[lookup.helper_row(helper.pk)] == 1
    assert problem.helper_recent_load[lookup.helper_row(helper.pk)] == 2


def test_skills_map_to_categories_and_a_time_offer_without_one_fits_all(network, groceries):
    rides = CategoryFactory(network=network, slug="rides", name="Rides")
    driver = MemberFactory(network=network)
    driver.skills.add(Skill.objects.create(network=network, slug="driving", name="Driving"))
    anyone = MemberFactory(network=network)
    OfferFactory(helper=anyone, category=None, kind=Offer.Kind.TIME)

    problem, lookup = selectors.problem_for_network(network)

    bits = lookup.category_bits
    assert problem.helper_categories[lookup.helper_row(driver.pk)] >> bits[rides.pk] & 1
    assert problem.helper_categories[lookup.helper_row(anyone.pk)] == (1 << 64) - 1


def test_a_need_window_becomes_the_slots_it_touches():
    zone = UTC
    saturday_9 = datetime(2026, 11, 28, 9, tzinfo=UTC)
    slots = adapter.window_slots(
        saturday_9, saturday_9 + timedelta(hours=2), now=saturday_9 - timedelta(days=1), zone=zone
    )
    assert slots == 1 << (5 * 3 + 0)  # Saturday morning
    week = adapter.window_slots(
        saturday_9, saturday_9 + timedelta(days=8), now=saturday_9, zone=zone
    )
    assert week == adapter.ALL_SLOTS


# --- Bad input ------------------------------------------------------------------------------


def test_an_empty_network_gives_an_empty_problem_and_run(database, network):
    problem, _lookup = selectors.problem_for_network(network)
    summary = matching_run(network=network)

    assert problem.n_needs == 0
    assert problem.n_helpers == 0
    assert (summary.proposed, summary.unmatched, summary.open_needs) == (0, 0, 0)


def test_a_need_nobody_can_help_stays_unmatched(network, groceries):
    NeedFactory(requester=MemberFactory(network=network), languages=["am"])
    a_helper(network, languages=["en"])

    summary = matching_run(network=network)

    assert (summary.proposed, summary.unmatched) == (0, 1)


def test_a_helper_with_no_room_is_left_out(network, groceries):
    NeedFactory(requester=MemberFactory(network=network))
    a_helper(network, weekly_task_cap=0)

    problem, _lookup = selectors.problem_for_network(network)

    assert problem.n_helpers == 0
    assert matching_run(network=network).proposed == 0


def test_ids_from_another_network_are_refused_clearly(network, outsider, groceries):
    foreign = NeedFactory(requester=outsider)
    with pytest.raises(adapter.NotInNetwork, match="not needs of the network"):
        selectors.problem_for_network(network, need_ids=[foreign.pk])

    NeedFactory(requester=MemberFactory(network=network))
    a_helper(network)
    problem, lookup = selectors.problem_for_network(network)
    with pytest.raises(adapter.NotInNetwork):
        proposals_write(network, [(foreign.pk, outsider.pk)], problem=problem, lookup=lookup)
    other_problem, other_lookup = selectors.problem_for_network(outsider.network)
    with pytest.raises(adapter.NotInNetwork, match="another network"):
        proposals_write(network, [], problem=other_problem, lookup=other_lookup)


def test_a_pair_that_went_stale_since_loading_is_skipped(network, groceries):
    need = NeedFactory(requester=MemberFactory(network=network))
    a_helper(network)
    problem, lookup = selectors.problem_for_network(network)
    result = solve(problem, adapter.core_policy(lookup.policy))
    services.need_close(actor=need.requester, need=need)  # meanwhile

    pairs = zip(result.need_id.tolist(), result.helper_id.tolist(), strict=True)
    written = proposals_write(network, pairs, problem=problem, lookup=lookup)

    assert (written.created, written.skipped) == (0, 1)
    assert not Match.objects.filter(state=Match.State.SUGGESTED).exists()
    assert isinstance(result, Result)


def test_a_closed_or_matched_need_is_not_loaded(network, groceries):
    closed = NeedFactory(requester=MemberFactory(network=network))
    Need.objects.filter(pk=closed.pk).update(status=Need.Status.CLOSED)
    a_helper(network)

    problem, _lookup = selectors.problem_for_network(network)

    assert problem.n_needs == 0
    assert np.all(problem.helper_capacity > 0)
    assert CENTER_CELL


def test_an_inactive_member_is_never_a_helper(network, groceries):
    from mutualaid.core.errors import Conflict
    from mutualaid.matching.services import suggestion_create
    from mutualaid.networks.models import Member

    need = NeedFactory(requester=MemberFactory(network=network))
    away = a_helper(network)
    Member.objects.filter(pk=away.pk).update(inactive_since=timezone.now())
    away.refresh_from_db()

    problem, _lookup = selectors.problem_for_network(network)

    assert problem.n_helpers == 0
    with pytest.raises(Conflict, match="not taking part"):
        suggestion_create(need=need, helper=away)
