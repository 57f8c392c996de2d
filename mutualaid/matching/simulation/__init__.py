"""The community simulation: fcfs, greedy and the mutualaid engine on the same simulated city.

The simulation is pure (numpy, h3, OR-Tools, matplotlib for plots); it never touches Django.
`world` draws the city (needs, helpers, acceptance draws shared by every policy), `run` is the
event loop and its rules, `policies` are fcfs, greedy and the engine (instant suggestions plus
batch solves, as the app runs it), `metrics` and `plots` report, `bound` is what no policy can
beat on the fill-rate goal, `report` runs them all against the goals (`simulate(config)`,
`fill_rate_bounds(config)`) and `cli` is `mutualaid simulate`. bench/README.md describes the
model and its results in plain words. This package re-exports nothing: import the module.
"""
