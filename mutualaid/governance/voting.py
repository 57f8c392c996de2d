"""Pure vote counting for collective governance: consent, consensus, majority, ranked, score.

Nothing here touches the database. Each counter takes the ballots already cast and returns an
`Outcome` that says whether the proposal passed (or that it is still undecided), why, and the
numbers behind it, so that members can check the result by hand.

Every counter raises `ValueError` with a readable message for a ballot it cannot understand.
A counter given no ballots at all returns an undecided outcome with reason "no_votes".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar

__all__ = [
    "ConsensusChoice",
    "ConsentChoice",
    "MajorityChoice",
    "Outcome",
    "Reason",
    "Round",
    "count_consensus",
    "count_consent",
    "count_majority",
    "count_ranked_choice",
    "count_score",
    "quorum_met",
]

_E = TypeVar("_E", bound=StrEnum)


class ConsentChoice(StrEnum):
    CONSENT = "consent"
    OBJECTION = "objection"
    ABSTAIN = "abstain"


class ConsensusChoice(StrEnum):
    AGREE = "agree"
    ABSTAIN = "abstain"
    DISAGREE = "disagree"
    BLOCK = "block"


class MajorityChoice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Reason(StrEnum):
    """Machine codes for why an outcome came out the way it did."""

    PASSED = "passed"
    OBJECTION = "objection"
    BLOCKED = "blocked"
    NOT_ENOUGH_AGREEMENT = "not_enough_agreement"
    QUORUM_NOT_MET = "quorum_not_met"
    TIE = "tie"
    NO_VOTES = "no_votes"
    MAJORITY = "majority"
    NO_MAJORITY = "no_majority"
    WINNER = "winner"


@dataclass(frozen=True)
class Round:
    """One instant-runoff round: first preferences among continuing options, then who left."""

    tally: dict[str, int]
    exhausted: int
    eliminated: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """The result of a count. `passed` is None while undecided (no quorum, a tie, no votes)."""

    passed: bool | None
    reason: Reason
    tally: dict[str, int] = field(default_factory=dict)
    winner: str | None = None
    rounds: tuple[Round, ...] = ()


def quorum_met(ballots_cast: int, quorum: int | None) -> bool:
    """True when at least `quorum` ballots were cast (abstentions count); no quorum always is."""
    if ballots_cast < 0:
        raise ValueError(f"ballots_cast cannot be negative (got {ballots_cast}).")
    _check_quorum(quorum)
    return quorum is None or ballots_cast >= quorum


def count_consent(ballots: Sequence[str], *, quorum: int | None = None) -> Outcome:
    """Consent: the proposal passes unless at least one member objects.

    Choices are "consent", "objection" and "abstain"; abstentions count toward the quorum.
    """
    tally = _tally_choices(ballots, ConsentChoice)
    undecided = _undecided(len(ballots), quorum, tally)
    if undecided is not None:
        return undecided
    if tally[ConsentChoice.OBJECTION]:
        return Outcome(passed=False, reason=Reason.OBJECTION, tally=tally)
    return Outcome(passed=True, reason=Reason.PASSED, tally=tally)


def count_consensus(
    ballots: Sequence[str],
    *,
    threshold: Fraction | None = None,
    quorum: int | None = None,
) -> Outcome:
    """Consensus: any block stops the proposal; otherwise it needs more agree than disagree.

    Choices are "agree", "abstain", "disagree" and "block". Networks commonly also ask that
    agreement reach a threshold: with `threshold` set (say `Fraction(3, 4)`), agree must also be
    at least that share of the members who took a side (agree + disagree). Abstentions stand
    aside: they count toward the quorum but not toward the threshold. The default is no
    threshold beyond strictly more agree than disagree.
    """
    if threshold is not None:
        _check_fraction("threshold", threshold, allow_one=True)
    tally = _tally_choices(ballots, ConsensusChoice)
    undecided = _undecided(len(ballots), quorum, tally)
    if undecided is not None:
        return undecided
    if tally[ConsensusChoice.BLOCK]:
        return Outcome(passed=False, reason=Reason.BLOCKED, tally=tally)
    agree, disagree = tally[ConsensusChoice.AGREE], tally[ConsensusChoice.DISAGREE]
    enough = agree > disagree and (threshold is None or agree >= threshold * (agree + disagree))
    reason = Reason.PASSED if enough else Reason.NOT_ENOUGH_AGREEMENT
    return Outcome(passed=enough, reason=reason, tally=tally)


def count_majority(
    ballots: Sequence[str],
    *,
    quorum: int | None = None,
    fraction: Fraction = Fraction(1, 2),
) -> Outcome:
    """Majority with quorum: passes when yes is more than `fraction` of yes + no.

    Choices are "yes", "no" and "abstain". Abstentions count toward the quorum only. A result
    exactly on the line (yes == no for a simple majority) is a tie: undecided, to be settled by
    another round. If everyone abstains the outcome is undecided with reason "no_votes".
    """
    _check_fraction("fraction", fraction, allow_one=False)
    tally = _tally_choices(ballots, MajorityChoice)
    undecided = _undecided(len(ballots), quorum, tally)
    if undecided is not None:
        return undecided
    yes, no = tally[MajorityChoice.YES], tally[MajorityChoice.NO]
    if yes + no == 0:
        return Outcome(passed=None, reason=Reason.NO_VOTES, tally=tally)
    share = Fraction(yes, yes + no)
    if share == fraction:
        return Outcome(passed=None, reason=Reason.TIE, tally=tally)
    if share > fraction:
        return Outcome(passed=True, reason=Reason.MAJORITY, tally=tally)
    return Outcome(passed=False, reason=Reason.NO_MAJORITY, tally=tally)


def count_ranked_choice(
    ballots: Sequence[Sequence[str]],
    *,
    options: Sequence[str],
    quorum: int | None = None,
) -> Outcome:
    """Instant runoff: eliminate the weakest option round by round until one has a majority.

    Ballots rank option ids, best first; they may be partial. Unknown options are ignored, and a
    repeated option keeps only its first position. Each round counts every ballot for its
    highest-ranked continuing option; a ballot with none left is exhausted. An option with more
    than half of the non-exhausted ballots wins. Otherwise the option(s) with the fewest votes
    are eliminated. A tie for fewest is broken by fewest first-round votes, then by fewest
    mentions on any ballot; options still tied are eliminated together, unless that would
    eliminate every continuing option, in which case the count ends in a tie (no winner).
    Every round is recorded in `Outcome.rounds`.
    """
    known = _check_options(options)
    cleaned = [_clean_ranking(ballot, known) for ballot in ballots]
    if not quorum_met(len(ballots), quorum):
        return Outcome(passed=None, reason=Reason.QUORUM_NOT_MET)
    if not any(cleaned):
        return Outcome(passed=None, reason=Reason.NO_VOTES)
    return _instant_runoff(cleaned, list(options))


def count_score(
    ballots: Sequence[Mapping[str, int]],
    *,
    options: Sequence[str],
    max_score: int = 5,
    quorum: int | None = None,
) -> Outcome:
    """Score voting: each ballot scores options from 0 to `max_score`; highest total wins.

    An option a ballot leaves out scores 0 on it. A shared highest total is a tie (undecided).
    """
    if max_score < 1:
        raise ValueError(f"max_score must be at least 1 (got {max_score}).")
    known = _check_options(options)
    for ballot in ballots:
        _check_scores(ballot, known, max_score)
    tally = {option: sum(ballot.get(option, 0) for ballot in ballots) for option in options}
    undecided = _undecided(len(ballots), quorum, tally)
    if undecided is not None:
        return undecided
    top = max(tally.values())
    leaders = [option for option, total in tally.items() if total == top]
    if len(leaders) > 1:
        return Outcome(passed=None, reason=Reason.TIE, tally=tally)
    return Outcome(passed=True, reason=Reason.WINNER, tally=tally, winner=leaders[0])


# --- instant runoff ---------------------------------------------------------------------------


def _instant_runoff(ballots: list[list[str]], continuing: list[str]) -> Outcome:
    first_round = _first_preferences(ballots, continuing)[0]
    mentions = Counter(option for ballot in ballots for option in ballot)
    rounds: list[Round] = []
    while True:
        tally, exhausted = _first_preferences(ballots, continuing)
        leader = max(continuing, key=tally.__getitem__)
        if 2 * tally[leader] > len(ballots) - exhausted:
            rounds.append(Round(tally=tally, exhausted=exhausted))
            return Outcome(
                passed=True, reason=Reason.WINNER, tally=tally, winner=leader, rounds=tuple(rounds)
            )
        eliminated = _weakest(continuing, tally, first_round, mentions)
        if len(eliminated) == len(continuing):
            rounds.append(Round(tally=tally, exhausted=exhausted))
            return Outcome(passed=None, reason=Reason.TIE, tally=tally, rounds=tuple(rounds))
        rounds.append(Round(tally=tally, exhausted=exhausted, eliminated=tuple(eliminated)))
        continuing = [option for option in continuing if option not in eliminated]


def _first_preferences(
    ballots: Iterable[Sequence[str]], continuing: Sequence[str]
) -> tuple[dict[str, int], int]:
    """Votes per continuing option (in option order) and the number of exhausted ballots."""
    tally = dict.fromkeys(continuing, 0)
    exhausted = 0
    for ballot in ballots:
        top = next((option for option in ballot if option in tally), None)
        if top is None:
            exhausted += 1
        else:
            tally[top] += 1
    return tally, exhausted


def _weakest(
    continuing: Sequence[str],
    tally: Mapping[str, int],
    first_round: Mapping[str, int],
    mentions: Mapping[str, int],
) -> list[str]:
    """The options to eliminate: fewest votes, then fewest first-round votes, then mentions."""
    candidates = list(continuing)
    for measure in (tally, first_round, mentions):
        lowest = min(measure.get(option, 0) for option in candidates)
        candidates = [option for option in candidates if measure.get(option, 0) == lowest]
    return candidates


def _clean_ranking(ballot: Sequence[str], known: frozenset[str]) -> list[str]:
    if isinstance(ballot, str):
        raise ValueError(f"A ranked ballot must be a list of options, not the string {ballot!r}.")
    return list(dict.fromkeys(option for option in ballot if option in known))


# --- validation and shared steps --------------------------------------------------------------


def _tally_choices(ballots: Sequence[str], choices: type[_E]) -> dict[str, int]:
    tally = dict.fromkeys((choice.value for choice in choices), 0)
    for ballot in ballots:
        if ballot not in tally:
            allowed = ", ".join(repr(choice) for choice in tally)
            raise ValueError(f"Unknown choice {ballot!r}; expected one of {allowed}.")
        tally[ballot] += 1
    return tally


def _undecided(ballots_cast: int, quorum: int | None, tally: dict[str, int]) -> Outcome | None:
    """The undecided outcome when the quorum is missed or nobody voted, else None."""
    if not quorum_met(ballots_cast, quorum):
        return Outcome(passed=None, reason=Reason.QUORUM_NOT_MET, tally=tally)
    if ballots_cast == 0:
        return Outcome(passed=None, reason=Reason.NO_VOTES, tally=tally)
    return None


def _check_quorum(quorum: int | None) -> None:
    if quorum is not None and quorum < 0:
        raise ValueError(f"quorum cannot be negative (got {quorum}).")


def _check_fraction(name: str, value: Fraction, *, allow_one: bool) -> None:
    upper_ok = value <= 1 if allow_one else value < 1
    if not (value > 0 and upper_ok):
        bound = "at most 1" if allow_one else "less than 1"
        raise ValueError(f"{name} must be more than 0 and {bound} (got {value}).")


def _check_options(options: Sequence[str]) -> frozenset[str]:
    if isinstance(options, str):
        raise ValueError(f"options must be a list of option ids, not the string {options!r}.")
    if not options:
        raise ValueError("At least one option is needed.")
    duplicates = sorted(option for option, n in Counter(options).items() if n > 1)
    if duplicates:
        raise ValueError(f"Options must be distinct; repeated: {', '.join(duplicates)}.")
    return frozenset(options)


def _check_scores(ballot: Mapping[str, int], known: frozenset[str], max_score: int) -> None:
    for option, score in ballot.items():
        if option not in known:
            raise ValueError(f"Unknown option {option!r} on a score ballot.")
        if isinstance(score, bool) or not isinstance(score, int):
            raise ValueError(f"Score for {option!r} must be a whole number (got {score!r}).")
        if not 0 <= score <= max_score:
            raise ValueError(
                f"Score for {option!r} must be between 0 and {max_score} (got {score})."
            )
