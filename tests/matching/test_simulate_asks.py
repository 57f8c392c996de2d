"""The simulation of a network that asks several helpers about one need at once
(`asks_per_need`, as MatchingPolicy.asks_per_need), and of the area-fairness weight."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mutualaid.matching.simulation import cli
from mutualaid.matching.simulation import report as sim
from mutualaid.matching.simulation import run as run_module
from mutualaid.matching.simulation.config import SimConfig
from mutualaid.matching.simulation.policies import (
    build_problem,
    engine_batch,
    engine_instant,
    fcfs,
    recent_area_shortfall,
)
from mutualaid.matching.simulation.run import State
from mutualaid.matching.simulation.world import build_world
from tests.matching.test_simulate import SMALL, tiny_world


def test_two_asks_go_out_at_once_and_the_second_is_withdrawn_when_the_first_says_yes() -> None:
    # given one need and two helpers who would both say yes, the second answering later
    world = tiny_world([[1.0, 2.0]], posted=[1.0], cap=[1, 1])
    world.response_h[0, 1] = 3.0
    instant = engine_instant(sim.engine_policy())

    out = run_module.run(world, "mutualaid", dispatch=instant, asks_per_need=2)

    assert out.proposals == 2  # both asked at hour 1
    assert out.met_at.tolist() == [2.0]  # the first yes, an hour later
    assert out.withdrawn == 1
    assert out.helper.tolist() == [0]


def test_with_one_ask_per_need_the_second_helper_is_asked_only_after_a_no() -> None:
    world = tiny_world([[1.0, 2.0]], posted=[1.0], cap=[1, 1])
    world.accept_draw[0, 0] = 1.0  # the nearer helper says no
    instant = engine_instant(sim.engine_policy())

    out = run_module.run(world, "mutualaid", dispatch=instant)

    assert out.proposals == 2
    assert out.met_at.tolist() == [3.0]  # no at hour 2, the other's yes at hour 3
    assert out.withdrawn == 0


def test_a_withdrawn_ask_frees_the_helper_at_once() -> None:
    world = tiny_world([[1.0, 2.0]], posted=[1.0], cap=[1, 1])
    world.response_h[0, 1] = 30.0
    s = State(world, "mutualaid", asks_per_need=2)
    s.open[0] = True
    s.waiting = [0]
    s.propose(0, 0)
    s.propose(0, 1)
    assert s.spare().tolist() == [0, 0]
    assert not s.can_propose(0, 1)  # no pair is asked twice, and the need has its two asks

    run_module._answer(s, 0, 0)  # the first helper says yes

    assert s.unanswered.tolist() == [0, 0]
    assert s.spare().tolist() == [0, 1]  # helper 0 is busy now, helper 1 is free again
    assert run_module._answer(s, 0, 1) == ([], [])  # the late answer changes nothing


def test_fcfs_and_greedy_ask_one_helper_whatever_the_engine_may() -> None:
    one = sim.simulate(replace(SMALL, policies=("fcfs", "greedy")))
    two = sim.simulate(replace(SMALL, policies=("fcfs", "greedy"), asks_per_need=3))
    assert one["policies"] == two["policies"]
    assert two["policies"]["fcfs"]["withdrawn_proposals"] == 0


def test_more_asks_per_need_stay_within_every_cap_and_report_how_often_helpers_are_asked() -> None:
    config = replace(SMALL, policies=("mutualaid",), asks_per_need=2, needs_per_day=40)
    report = sim.simulate(config)
    mine = report["policies"]["mutualaid"]
    assert mine["helpers_over_cap"] == 0
    assert mine["refused_proposals"] == 0
    assert mine["asks_per_helper_week_mean"] > 0
    assert mine["asks_per_helper_week_max"] >= 1
    assert mine["withdrawn_proposals"] > 0


@pytest.mark.parametrize("asks", [0, 6])
def test_asks_per_need_must_be_from_one_to_five(asks: int) -> None:
    with pytest.raises(ValueError, match="asks per need"):
        SimConfig(asks_per_need=asks).check()


def test_the_cli_takes_asks_per_need() -> None:
    args = cli.parser().parse_args(["--asks-per-need", "2"])
    assert cli.config_from(args).asks_per_need == 2


def test_the_engine_sees_the_area_shortfall_only_when_it_weighs_it() -> None:
    world = build_world(replace(SMALL, seed=5))
    out = run_module.run(world, "fcfs", dispatch=fcfs)
    s = State(world, "mutualaid")
    s.out = out
    s.now = float(world.needs.expires_h.max()) + 1.0
    rows = np.arange(len(world.needs.id), dtype=np.int64)
    helpers = np.arange(len(world.helpers.id), dtype=np.int64)
    shortfall = recent_area_shortfall(s, rows)
    assert ((shortfall >= 0) & (shortfall <= 1)).all()
    assert shortfall.max() > 0  # some needs expired without help somewhere
    on = build_problem(s, rows, helpers, sim.engine_policy({"area_weight": 20.0}))
    off = build_problem(s, rows, helpers, sim.engine_policy())
    assert on.need_area_shortfall.tolist() == shortfall.tolist()
    assert not off.need_area_shortfall.any()


def test_with_ask_next_after_hours_the_next_helper_is_asked_only_when_the_first_is_slow() -> None:
    # given two helpers who would both say yes; the first asked takes 5 hours to answer
    world = tiny_world([[1.0, 2.0]], posted=[1.0], cap=[1, 1])
    world.response_h[0, 0] = 5.0
    instant = engine_instant(sim.engine_policy())
    batch = engine_batch(sim.engine_solver())

    out = run_module.run(
        world, "mutualaid", dispatch=instant, batch=batch, batch_hours=0.5,
        asks_per_need=2, ask_next_after_h=2.0,
    )  # fmt: skip

    # then the second is asked by the first batch two hours after the first ask (hour 3),
    # answers an hour later, and the first helper's ask is withdrawn
    assert out.proposals == 2
    assert out.met_at.tolist() == [4.0]
    assert out.helper.tolist() == [1]
    assert out.withdrawn == 1
