"""The engine as the app runs it: instant suggestions on arrival plus a periodic full solve.

No database. Worlds are small so the file runs in a few seconds.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from mutualaid.matching.simulation import cli
from mutualaid.matching.simulation import report as sim
from mutualaid.matching.simulation.config import SimConfig
from mutualaid.matching.simulation.world import build_world
from tests.matching.test_simulate import tiny_world

pytest.importorskip("mutualaid.matching.core")

# batches every 4 hours keep the full solves few; the instant path does not depend on them
SMALL = SimConfig(weeks=1, needs_per_day=20, helpers=40, seed=3, batch_minutes=240)


def test_a_need_asks_its_best_suggestion_when_posted_not_at_the_next_batch() -> None:
    # given a need posted at 1.5 h, two helpers who would both accept, and hourly batches
    world = tiny_world([[1.0, 1.0]], posted=[1.5], cap=[1, 1])
    world = replace(world, config=replace(world.config, batch_minutes=60.0))
    # when the engine runs as the app does, a helper is asked at 1.5 h and accepts an hour on
    out = sim.run_policy(world, "mutualaid")
    assert out.first_asked_at is not None
    assert out.first_asked_at.tolist() == [1.5]
    assert out.met_at.tolist() == [2.5]
    assert out.proposals_by_origin == {"instant": 1}
    # while in batch mode the proposal waits for the 2.0 h batch
    batch = replace(world, config=replace(world.config, engine_mode="batch"))
    assert sim.run_policy(batch, "mutualaid").met_at.tolist() == [3.0]


def test_a_declined_need_asks_its_next_suggestion_at_once() -> None:
    # given two helpers in the same cell, the first of whom declines, and batches every 10 h
    world = tiny_world([[1.0, 1.0]], posted=[1.5], cap=[1, 1])
    world = replace(world, config=replace(world.config, batch_minutes=600.0))
    world.accept_draw[0, 0] = 0.99
    out = sim.run_policy(world, "mutualaid")
    # then the other helper is asked the moment the decline arrives (2.5 h), not at a batch
    assert out.declines == 1
    assert out.helper.tolist() == [1]
    assert out.met_at.tolist() == [3.5]


def test_batch_mode_waits_for_the_batch_clock_and_instant_mode_does_not() -> None:
    world = build_world(SMALL)
    batch = sim.run_policy(replace(world, config=replace(SMALL, engine_mode="batch")), "mutualaid")
    instant = sim.run_policy(world, "mutualaid")
    assert batch.first_asked_at is not None
    assert instant.first_asked_at is not None
    seen = ~np.isnan(batch.first_asked_at)
    # in batch mode every proposal went out on the batch clock (every 4 hours)
    clock = batch.first_asked_at[seen] / 4.0
    assert np.allclose(clock, np.round(clock))
    assert set(batch.proposals_by_origin) == {"batch"}
    # and the first ask comes sooner when the app's instant path runs too
    posted = world.needs.posted_h
    wait_instant = np.nanmedian(instant.first_asked_at - posted)
    wait_batch = np.nanmedian(batch.first_asked_at - posted)
    assert wait_instant < wait_batch
    assert wait_instant == 0.0
    # most needs that some helper may take were asked the moment they were posted
    asked = instant.first_asked_at
    assert np.isclose(asked, posted).sum() > 0.5 * world.allowed.any(axis=1).sum()
    # no need was ever asked before it was posted
    seen = ~np.isnan(asked)
    assert (asked[seen] >= posted[seen] - 1e-9).all()
    assert instant.proposals_by_origin.get("instant", 0) > 0
    # and declined pairs were never asked again (State raises RuleBroken on any proposal the
    # hard rules forbid: a decline, a block, a helper without room)
    assert instant.proposals >= instant.declines > 0


@pytest.mark.parametrize("mode", ["instant+batch", "instant-all+batch"])
def test_no_helper_is_over_their_cap_in_instant_mode(mode: str) -> None:
    # more needs than the helpers can take, so caps bind
    config = replace(
        SMALL, needs_per_day=40, helpers=25, seed=2, engine_mode=mode, policies=("mutualaid",)
    )
    report = sim.simulate(config)
    result = report["policies"]["mutualaid"]
    assert result["helpers_over_cap"] == 0
    assert result["max_weekly_load"] <= 3
    assert result["refused_proposals"] == 0
    assert report["goals"]["no_helper_over_cap"]


def test_the_same_seed_gives_the_same_json_in_instant_mode() -> None:
    config = replace(SMALL, engine_mode="instant+batch")
    first = json.dumps(sim.simulate(config), sort_keys=True)
    second = json.dumps(sim.simulate(config), sort_keys=True)
    assert first == second
    assert json.loads(first)["config"]["engine_mode"] == "instant+batch"


def test_the_cli_takes_the_engine_mode(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.cli_main(
        ["--weeks", "1", "--needs-per-day", "15", "--helpers", "40", "--policies", "mutualaid",
         "--engine-mode", "batch", "--batch-minutes", "120"]
    )  # fmt: skip
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["config"]["engine_mode"] == "batch"
    with pytest.raises(SystemExit):
        cli.cli_main(["--engine-mode", "sometimes"])
    assert "invalid choice" in capsys.readouterr().err
