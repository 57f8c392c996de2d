"""The fund's report as a chart (PNG or SVG), drawn from the same suppressed numbers as the
report itself, so a chart never shows what the report hides."""

import io

from django.utils.translation import gettext as _

from mutualaid.fund.money import exponent
from mutualaid.fund.selectors import report
from mutualaid.networks.models import Network


def report_plot(*, network: Network, public: bool, fmt: str) -> bytes:
    """Income and outgoings per month as a bar chart, PNG or SVG, from the same (suppressed)
    numbers as the report. A `Figure` made directly draws without pyplot or a GUI backend."""
    # import here: matplotlib takes most of a second to import; only the chart pages pay it.
    from matplotlib.figure import Figure

    data = report(network=network, public=public)
    months = sorted({r.month for r in data["income"]} | {r.month for r in data["outgoings"]})
    unit = 10 ** exponent(data["currency"])
    income = [sum(r.amount or 0 for r in data["income"] if r.month == m) / unit for m in months]
    out = [sum(r.amount or 0 for r in data["outgoings"] if r.month == m) / unit for m in months]
    figure = Figure(figsize=(7, 3.5))
    axes = figure.subplots()
    positions = list(range(len(months)))
    axes.bar([p - 0.2 for p in positions], income, width=0.4, label=str(_("income")))
    axes.bar([p + 0.2 for p in positions], out, width=0.4, label=str(_("paid out")))
    axes.set_xticks(positions, months)
    axes.set_ylabel(data["currency"])
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt)
    return buffer.getvalue()
