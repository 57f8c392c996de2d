"""`mutualaid simulate`: the simulation's command line, printing (or writing) the JSON report
and optionally PNG plots."""

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from mutualaid.matching.simulation.config import ENGINE_MODES, GEOGRAPHIES, POLICIES, SimConfig
from mutualaid.matching.simulation.report import simulate_with_waits


def _positive(kind: type, what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, not {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{what} must be positive, not {text}")
        return value

    return parse


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or positive, not {text}")
    return value


def _share(text: str) -> float:
    value = _positive(float, "a probability")(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"a probability must be at most 1, not {text}")
    return float(value)


def _policies(text: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in names if p not in POLICIES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown policy {', '.join(unknown) or text!r}; choose from {', '.join(POLICIES)}"
        )
    return names


def parser() -> argparse.ArgumentParser:
    d = SimConfig()
    p = argparse.ArgumentParser(
        prog="mutualaid simulate",
        description="Simulate a mutual aid network for some weeks and compare how fcfs "
        "dispatch, nearest-helper greedy and the mutualaid engine serve the same needs.",
    )
    p.add_argument("--weeks", type=_positive(int, "weeks"), default=d.weeks)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument(
        "--needs-per-day",
        type=_positive(float, "needs per day"),
        default=d.needs_per_day,
        help="Poisson arrival rate (default %(default)s)",
    )
    p.add_argument("--helpers", type=_positive(int, "helpers"), default=d.helpers)
    p.add_argument("--geography", choices=GEOGRAPHIES, default=d.geography)
    p.add_argument(
        "--accept-base",
        type=_share,
        default=d.accept_base,
        help="chance a helper 0 km away with no load accepts (default %(default)s)",
    )
    p.add_argument(
        "--accept-half-km",
        type=_positive(float, "accept half-distance"),
        default=d.accept_half_km,
        help="distance that halves acceptance",
    )
    p.add_argument(
        "--accept-load-factor",
        type=_share,
        default=d.accept_load_factor,
        help="acceptance multiplier per task already taken this week",
    )
    p.add_argument(
        "--response-hours",
        type=_positive(float, "response hours"),
        default=d.response_hours,
        help="mean time a helper takes to answer",
    )
    p.add_argument(
        "--batch-minutes",
        type=_positive(float, "batch minutes"),
        default=d.batch_minutes,
        help="how often the engine's full batch solve runs (default %(default)s)",
    )
    p.add_argument(
        "--engine-mode",
        choices=ENGINE_MODES,
        default=d.engine_mode,
        help="instant+batch (the app): a new or declined need asks its best suggestion at "
        "once, and a full solve re-optimises every batch; instant-all+batch: helpers who free "
        "up are offered at once too; batch: only the periodic solve (default %(default)s)",
    )
    p.add_argument(
        "--asks-per-need",
        type=_positive(int, "asks per need"),
        default=d.asks_per_need,
        help="how many helpers the engine asks about one need at the same time, as the "
        "network's setting (default %(default)s); fcfs and greedy always ask one",
    )
    p.add_argument(
        "--ask-next-after-hours",
        type=_non_negative,
        default=d.ask_next_after_hours,
        help="with --asks-per-need above 1: ask one more helper when the last has not "
        "answered for this many hours (default %(default)s: ask them all at once)",
    )
    p.add_argument(
        "--policies",
        type=_policies,
        default=d.policies,
        help=f"comma-separated, from {','.join(POLICIES)}",
    )
    p.add_argument(
        "--json", type=Path, default=None, help="write the report here (default: stdout)"
    )
    p.add_argument("--plots", type=Path, default=None, help="write PNG plots into this folder")
    return p  # fmt: skip


def config_from(args: argparse.Namespace) -> SimConfig:
    names = {f.name for f in fields(SimConfig)}
    return SimConfig(**{k: v for k, v in vars(args).items() if k in names})


def cli_main(argv: Sequence[str] | None = None) -> int:
    """`mutualaid simulate`: print (or write) the JSON report, and optionally PNG plots."""
    p = parser()
    args = p.parse_args(list(argv) if argv is not None else None)
    config = config_from(args)
    try:
        config.check()
    except ValueError as e:
        p.error(str(e))
    report, hours = simulate_with_waits(config)
    if args.plots is not None:
        # import here: matplotlib is slow to import and only --plots draws anything
        from mutualaid.matching.simulation.plots import write_plots

        report["plots"] = [str(x) for x in write_plots(report, hours, args.plots)]
    text = json.dumps(report, indent=2)
    if args.json is None:
        sys.stdout.write(text + "\n")
    else:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
        sys.stderr.write(f"report written to {args.json}\n")
    return 0 if report["goals"]["no_helper_over_cap"] else 1
