"""Vote counting, checked against results worked out by hand and against IRV's known properties."""

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mutualaid.governance.voting import (
    Outcome,
    Reason,
    Round,
    count_consensus,
    count_consent,
    count_majority,
    count_ranked_choice,
    count_score,
    quorum_met,
)

# --- quorum ------------------------------------------------------------------------------------


def test_quorum_is_met_at_exactly_the_quorum_and_always_without_one():
    assert quorum_met(5, 5)
    assert not quorum_met(4, 5)
    assert quorum_met(0, None)


def test_a_negative_quorum_is_refused():
    with pytest.raises(ValueError, match="quorum cannot be negative"):
        quorum_met(3, -1)


# --- consent -----------------------------------------------------------------------------------


def test_consent_with_one_objection_fails():
    # Given four consents and a single objection
    ballots = ["consent"] * 4 + ["objection"]
    # When counted
    outcome = count_consent(ballots)
    # Then one objection is enough to stop it
    assert outcome == Outcome(
        passed=False,
        reason=Reason.OBJECTION,
        tally={"consent": 4, "objection": 1, "abstain": 0},
    )


def test_consent_with_only_consents_and_abstentions_passes():
    outcome = count_consent(["consent", "abstain", "consent"])
    assert outcome.passed is True
    assert outcome.reason == "passed"


def test_consent_below_quorum_is_undecided_and_abstentions_count_toward_it():
    # Given a quorum of 3: two ballots miss it, two ballots plus an abstention reach it
    assert count_consent(["consent", "consent"], quorum=3).reason == "quorum_not_met"
    assert count_consent(["consent", "consent", "abstain"], quorum=3).passed is True


def test_counting_no_ballots_is_undecided():
    assert count_consent([]) == Outcome(
        passed=None, reason=Reason.NO_VOTES, tally={"consent": 0, "objection": 0, "abstain": 0}
    )


def test_an_unknown_choice_is_refused_with_the_allowed_choices():
    with pytest.raises(ValueError, match="Unknown choice 'yes'.*'consent', 'objection'"):
        count_consent(["consent", "yes"])


# --- consensus ---------------------------------------------------------------------------------


def test_consensus_with_a_block_fails_even_with_many_agrees():
    # Given 20 agree and one block
    outcome = count_consensus(["agree"] * 20 + ["block"])
    # Then the block stands
    assert outcome.passed is False
    assert outcome.reason == "blocked"


def test_consensus_passes_with_more_agree_than_disagree_and_fails_on_a_draw():
    assert count_consensus(["agree", "agree", "disagree", "abstain"]).passed is True
    drawn = count_consensus(["agree", "disagree", "abstain"])
    assert (drawn.passed, drawn.reason) == (False, "not_enough_agreement")


def test_consensus_threshold_counts_only_members_who_took_a_side():
    # Given 3 agree, 1 disagree, 5 abstain: agree is 3/4 of those who took a side
    ballots = ["agree"] * 3 + ["disagree"] + ["abstain"] * 5
    # Then a 3/4 threshold is reached (at least), and a 4/5 one is not
    assert count_consensus(ballots, threshold=Fraction(3, 4)).passed is True
    assert count_consensus(ballots, threshold=Fraction(4, 5)).passed is False


def test_consensus_threshold_must_be_a_share():
    with pytest.raises(ValueError, match="threshold must be more than 0"):
        count_consensus(["agree"], threshold=Fraction(3, 2))


# --- majority ----------------------------------------------------------------------------------


def test_majority_below_quorum_is_undecided():
    # Given a quorum of 5 and four ballots, all yes
    outcome = count_majority(["yes"] * 4, quorum=5)
    assert (outcome.passed, outcome.reason) == (None, "quorum_not_met")
    assert outcome.tally == {"yes": 4, "no": 0, "abstain": 0}


def test_majority_exact_tie_goes_to_another_round():
    # Given 3 yes, 3 no and an abstention, quorum 7 reached
    outcome = count_majority(["yes"] * 3 + ["no"] * 3 + ["abstain"], quorum=7)
    # Then nobody won: undecided, not rejected
    assert (outcome.passed, outcome.reason) == (None, "tie")


def test_majority_passes_with_more_yes_than_no_and_fails_otherwise():
    assert count_majority(["yes", "yes", "no"]).reason == "majority"
    assert count_majority(["yes", "no", "no"]) == Outcome(
        passed=False, reason=Reason.NO_MAJORITY, tally={"yes": 1, "no": 2, "abstain": 0}
    )


def test_a_two_thirds_supermajority_needs_more_than_two_thirds_of_yes_plus_no():
    two_thirds = Fraction(2, 3)
    # 7 yes / 10 = 70% > 66.7%: passes
    assert count_majority(["yes"] * 7 + ["no"] * 3, fraction=two_thirds).passed is True
    # 6 yes / 10 = 60%: a simple majority, but not a supermajority
    assert count_majority(["yes"] * 6 + ["no"] * 4, fraction=two_thirds).passed is False
    # 4 yes / 6 = exactly 2/3 (abstentions ignored): on the line, so another round
    exactly = ["yes"] * 4 + ["no"] * 2 + ["abstain"] * 3
    assert count_majority(exactly, fraction=two_thirds).reason == "tie"


def test_majority_where_everyone_abstains_is_undecided():
    assert count_majority(["abstain"] * 3, quorum=3).reason == "no_votes"


def test_majority_refuses_a_fraction_of_one_or_more():
    with pytest.raises(ValueError, match="fraction must be more than 0 and less than 1"):
        count_majority(["yes"], fraction=Fraction(1))


# --- ranked choice -----------------------------------------------------------------------------


def test_ranked_choice_first_round_majority_wins_at_once():
    # A has 3 of 5 first preferences: more than half
    ballots = [["A", "B"], ["A"], ["A", "C"], ["B", "A"], ["C"]]
    outcome = count_ranked_choice(ballots, options=["A", "B", "C"])
    assert outcome.winner == "A"
    assert outcome.rounds == (Round(tally={"A": 3, "B": 1, "C": 1}, exhausted=0),)


def test_ranked_choice_transfers_votes_over_three_rounds():
    # Given 9 ballots over A, B, C, D; a majority is 5.
    # Round 1: A 3, B 3, C 2, D 1 -> nobody has 5; D is lowest and is eliminated.
    # Round 2: the D ballot moves to B -> A 3, B 4, C 2; C is eliminated.
    # Round 3: both C ballots move to A -> A 5, B 4; A has a majority of 9 and wins,
    #          even though B led in round 2.
    ballots = [
        ["A", "C"],
        ["A"],
        ["A", "B"],
        ["B"],
        ["B", "A"],
        ["B", "D"],
        ["C", "A"],
        ["C", "A", "B"],
        ["D", "B"],
    ]
    # When counted
    outcome = count_ranked_choice(ballots, options=["A", "B", "C", "D"])
    # Then every round is on record
    assert outcome.passed is True
    assert outcome.reason == "winner"
    assert outcome.winner == "A"
    assert outcome.rounds == (
        Round(tally={"A": 3, "B": 3, "C": 2, "D": 1}, exhausted=0, eliminated=("D",)),
        Round(tally={"A": 3, "B": 4, "C": 2}, exhausted=0, eliminated=("C",)),
        Round(tally={"A": 5, "B": 4}, exhausted=0),
    )
    assert outcome.tally == {"A": 5, "B": 4}


def test_exhausted_ballots_drop_out_of_the_majority():
    # Given A 3, B 2 and one ballot that ranks only C (6 ballots; 3 is not a majority).
    # Round 1: A 3, B 2, C 1 -> C is eliminated; its ballot has nothing left and is exhausted.
    # Round 2: A 3, B 2 of 5 continuing ballots -> A has a majority of those and wins.
    ballots = [["A"], ["A"], ["A"], ["B"], ["B"], ["C"]]
    outcome = count_ranked_choice(ballots, options=["A", "B", "C"])
    assert outcome.winner == "A"
    assert outcome.rounds[-1] == Round(tally={"A": 3, "B": 2}, exhausted=1)


def test_an_elimination_tie_is_broken_by_first_round_votes():
    # Given 10 ballots; a majority is 6.
    # Round 1: A 4, B 2, C 3, D 1 -> D is eliminated; its ballot moves to B.
    # Round 2: A 4, B 3, C 3 -> B and C tie for fewest. B had 2 first-round votes, C had 3,
    #          so B goes. B's two ballots move to C; the D-then-B ballot is exhausted.
    # Round 3: A 4, C 5 of 9 continuing -> C wins. (Eliminating C instead would have let A win.)
    ballots = [["A"]] * 4 + [["B", "C"]] * 2 + [["C"]] * 3 + [["D", "B"]]
    outcome = count_ranked_choice(ballots, options=["A", "B", "C", "D"])
    assert [r.eliminated for r in outcome.rounds] == [("D",), ("B",), ()]
    assert outcome.rounds[1].tally == {"A": 4, "B": 3, "C": 3}
    assert outcome.rounds[2] == Round(tally={"A": 4, "C": 5}, exhausted=1)
    assert outcome.winner == "C"


def test_an_elimination_tie_with_equal_first_rounds_is_broken_by_mentions():
    # Given 7 ballots; a majority is 4.
    # Round 1: A 3, D 2, B 1, C 1 -> B and C tie on votes and on first-round votes, but B is
    #          mentioned on 2 ballots and C on only 1, so C goes (its ballot is exhausted).
    # Round 2: A 3, D 2, B 1 of 6 continuing -> no majority; B goes (exhausted too).
    # Round 3: A 3, D 2 of 5 continuing -> A wins.
    ballots = [["A"]] * 3 + [["D"], ["D", "B"], ["B"], ["C"]]
    outcome = count_ranked_choice(ballots, options=["A", "B", "C", "D"])
    assert [r.eliminated for r in outcome.rounds] == [("C",), ("B",), ()]
    assert outcome.rounds[2] == Round(tally={"A": 3, "D": 2}, exhausted=2)
    assert outcome.winner == "A"


def test_options_still_tied_at_the_bottom_are_eliminated_together():
    # Given 7 ballots; a majority is 4.
    # Round 1: A 3, D 2, B 1, C 1 -> B and C tie on votes, first round and mentions: both go.
    # Round 2: A 3, D 2 of 5 continuing -> A wins.
    ballots = [["A"]] * 3 + [["D"]] * 2 + [["B"], ["C"]]
    outcome = count_ranked_choice(ballots, options=["A", "B", "C", "D"])
    assert outcome.rounds[0].eliminated == ("B", "C")
    assert outcome.rounds[1] == Round(tally={"A": 3, "D": 2}, exhausted=2)
    assert outcome.winner == "A"


def test_a_full_tie_ends_without_a_winner():
    # A 1, B 1, C 1: all tied on every measure; eliminating all would leave nobody.
    ballots = [["A", "B"], ["B", "C"], ["C", "A"]]
    outcome = count_ranked_choice(ballots, options=["A", "B", "C"])
    assert (outcome.passed, outcome.reason, outcome.winner) == (None, "tie", None)
    assert outcome.rounds == (Round(tally={"A": 1, "B": 1, "C": 1}, exhausted=0),)


def test_unknown_options_and_repeats_on_a_ballot_are_ignored():
    # "Z" is not an option and the second "B" is dropped, so this ballot reads B, A.
    ballots = [["Z", "B", "B", "A"], ["A"], ["B"]]
    outcome = count_ranked_choice(ballots, options=["A", "B"])
    assert outcome.rounds[0].tally == {"A": 1, "B": 2}
    assert outcome.winner == "B"


def test_ranked_choice_with_no_usable_ballots_or_too_few_is_undecided():
    assert count_ranked_choice([["Z"], []], options=["A"]).reason == "no_votes"
    assert count_ranked_choice([["A"]], options=["A"], quorum=2).reason == "quorum_not_met"


def test_ranked_choice_refuses_bad_options_and_string_ballots():
    with pytest.raises(ValueError, match="repeated: A"):
        count_ranked_choice([["A"]], options=["A", "A"])
    with pytest.raises(ValueError, match="At least one option"):
        count_ranked_choice([["A"]], options=[])
    with pytest.raises(ValueError, match="not the string 'AB'"):
        count_ranked_choice(["AB"], options=["A", "B"])


# --- score -------------------------------------------------------------------------------------


def test_score_voting_picks_the_highest_total():
    # A: 5 + 2 + 0 = 7, B: 3 + 4 + 1 = 8, C: 0 + 0 + 5 = 5 -> B
    ballots = [{"A": 5, "B": 3}, {"A": 2, "B": 4}, {"B": 1, "C": 5}]
    outcome = count_score(ballots, options=["A", "B", "C"])
    assert outcome == Outcome(
        passed=True, reason=Reason.WINNER, tally={"A": 7, "B": 8, "C": 5}, winner="B"
    )


def test_score_voting_with_a_shared_top_total_is_a_tie():
    outcome = count_score([{"A": 4, "B": 1}, {"A": 0, "B": 3}], options=["A", "B"])
    assert (outcome.passed, outcome.reason, outcome.winner) == (None, "tie", None)


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        ({"A": 6}, "between 0 and 5 \\(got 6\\)"),
        ({"A": -1}, "between 0 and 5 \\(got -1\\)"),
        ({"A": 2.5}, "must be a whole number"),
        ({"Z": 1}, "Unknown option 'Z'"),
    ],
)
def test_score_voting_refuses_bad_scores(ballot, message):
    with pytest.raises(ValueError, match=message):
        count_score([ballot], options=["A", "B"])


# --- IRV properties ----------------------------------------------------------------------------

OPTIONS = st.lists(st.sampled_from("ABCDE"), min_size=1, max_size=5, unique=True)


@st.composite
def elections(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    options = draw(OPTIONS)
    ranking = st.lists(st.sampled_from(options), unique=True, max_size=len(options))
    return options, draw(st.lists(ranking, max_size=15))


@given(elections())
def test_an_irv_winner_is_always_one_of_the_options(election):
    options, ballots = election
    outcome = count_ranked_choice(ballots, options=options)
    assert outcome.winner is None or outcome.winner in options
    assert (outcome.winner is None) == (outcome.passed is None)


@given(elections(), st.data())
def test_a_majority_of_first_preferences_always_wins_in_the_first_round(election, data):
    options, others = election
    favourite = data.draw(st.sampled_from(options))
    rest = st.lists(st.sampled_from(options), unique=True).map(
        lambda tail: [favourite] + [o for o in tail if o != favourite]
    )
    # Given more ballots ranking the favourite first than all other ballots together
    ballots = others + data.draw(st.lists(rest, min_size=len(others) + 1, max_size=len(others) + 1))
    outcome = count_ranked_choice(ballots, options=options)
    assert outcome.winner == favourite
    assert len(outcome.rounds) == 1


@given(elections())
def test_one_more_ballot_ranking_the_winner_first_keeps_it_winning(election):
    # Not general monotonicity (IRV lacks it): only adding a top preference for the winner.
    options, ballots = election
    before = count_ranked_choice(ballots, options=options)
    assume(before.winner is not None)
    after = count_ranked_choice([*ballots, [before.winner]], options=options)
    assert after.winner == before.winner
