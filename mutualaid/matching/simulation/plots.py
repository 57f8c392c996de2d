"""PNG plots of a simulation report (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {"fcfs": "#999999", "greedy": "#e08a2c", "mutualaid": "#2c7be0"}


def write_plots(report: dict[str, Any], waits: dict[str, list[float]], folder: Path) -> list[Path]:
    """Write the plots for `report` into `folder` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _summary(report, folder / "summary.png"),
        _waits(waits, folder / "time_to_helper.png"),
        _fill(report, folder / "fill_rate_by_neighbourhood.png"),
    ]


def _summary(report: dict[str, Any], path: Path) -> Path:
    policies = report["policies"]
    names = list(policies)
    panels = [
        ("share_met", "share of needs met"),
        ("hours_to_helper_median", "median hours to a helper"),
        ("hours_to_helper_p90", "p90 hours to a helper"),
        ("gini_help_received", "Gini: help received by requesters"),
        ("gini_fill_rate_neighbourhoods", "Gini: fill rate by neighbourhood"),
        ("gini_helper_load", "Gini: load across helpers"),
        ("total_travel_km", "total travel (km)"),
        ("max_weekly_load", "largest weekly load on a helper"),
    ]
    fig, axes = plt.subplots(2, 4, figsize=(14, 6))
    for ax, (key, title) in zip(axes.ravel(), panels, strict=True):
        values = [policies[n][key] or 0 for n in names]
        ax.bar(names, values, color=[COLOURS.get(n, "#444") for n in names])
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
    fig.suptitle(_caption(report), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _waits(waits: dict[str, list[float]], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, hours in waits.items():
        xs = sorted(hours)
        ys = [(i + 1) / len(xs) for i in range(len(xs))]
        ax.step(xs, ys, where="post", label=name, color=COLOURS.get(name))
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlabel("hours from posting to an accepted helper (met needs)")
    ax.set_ylabel("share of met needs")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _fill(report: dict[str, Any], path: Path) -> Path:
    policies = report["policies"]
    places = list(next(iter(policies.values()))["fill_rate_by_neighbourhood"])
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / max(1, len(policies))
    for k, (name, data) in enumerate(policies.items()):
        xs = [i + k * width for i in range(len(places))]
        ys = [data["fill_rate_by_neighbourhood"][p] for p in places]
        ax.bar(xs, ys, width=width, label=name, color=COLOURS.get(name))
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(places))], places, fontsize=8)
    ax.set_ylabel("share of needs met")
    ax.set_ylim(0, 1)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _caption(report: dict[str, Any]) -> str:
    c = report["config"]
    return (
        f"{c['weeks']} weeks, {c['needs_per_day']} needs/day, {c['helpers']} helpers, "
        f"{c['geography']}, acceptance {c['accept_base']}·0.5^(km/{c['accept_half_km']})"
        f"·{c['accept_load_factor']}^load, seed {c['seed']}"
    )
