"""Charts as data. `draw.py` draws them (matplotlib, imported on first use in
a worker thread); Markdown prints their numbers instead."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bars:
    """Horizontal bars, optionally with 95 % intervals and a baseline."""

    title: str
    labels: list[str]
    values: list[float]
    low: list[float | None] | None = None
    high: list[float | None] | None = None
    # What answering at random would give (a dashed line per bar).
    baseline: list[float | None] | None = None
    percent: bool = True
    xlabel: str = ""
    legend: tuple[str, str] = ("", "")  # (value, baseline) names


@dataclass(frozen=True)
class Panel:
    title: str
    labels: list[str]
    series: dict[str, list[float]]


@dataclass(frozen=True)
class Grouped:
    """Small multiples of grouped bars (the sample beside the target)."""

    title: str
    panels: list[Panel]
    percent: bool = True


@dataclass(frozen=True)
class Stacked:
    """Counts of positive / neutral / negative per row."""

    title: str
    labels: list[str]
    positive: list[int]
    neutral: list[int]
    negative: list[int]
    names: tuple[str, str, str] = ("positive", "neutral", "negative")


@dataclass(frozen=True)
class Network:
    """A concept graph: node size by mentions, colour by mean sentiment."""

    title: str
    nodes: list[str]
    sizes: list[float]
    tone: list[float]  # -1 .. 1
    edges: list[tuple[int, int, float]] = field(default_factory=list)


Chart = Bars | Grouped | Stacked | Network


def numbers(chart: Chart) -> tuple[list[str], list[list[str]]]:
    """The chart's numbers as a table (headers, rows): what Markdown shows."""

    def fmt(value: float | None, percent: bool) -> str:
        if value is None:
            return ""
        return f"{value * 100:.1f} %" if percent else f"{value:g}"

    if isinstance(chart, Bars):
        rows = []
        for i, label in enumerate(chart.labels):
            row = [label, fmt(chart.values[i], chart.percent)]
            if chart.low is not None and chart.high is not None:
                row.append(
                    f"{fmt(chart.low[i], chart.percent)} - "
                    f"{fmt(chart.high[i], chart.percent)}"
                )
            rows.append(row)
        headers = ["", chart.legend[0] or chart.xlabel or "value"]
        if chart.low is not None:
            headers.append("95 % CI")
        return headers, rows
    if isinstance(chart, Grouped):
        rows = []
        names: list[str] = []
        for panel in chart.panels:
            names = list(panel.series)
            for i, label in enumerate(panel.labels):
                rows.append(
                    [panel.title, label]
                    + [fmt(panel.series[n][i], chart.percent) for n in names]
                )
        return ["", "", *names], rows
    if isinstance(chart, Stacked):
        return ["", *chart.names], [
            [label, str(p), str(u), str(n)]
            for label, p, u, n in zip(
                chart.labels, chart.positive, chart.neutral, chart.negative, strict=True
            )
        ]
    return ["", "mentions", "tone"], [
        [name, f"{size:g}", f"{tone:+.2f}"]
        for name, size, tone in zip(chart.nodes, chart.sizes, chart.tone, strict=True)
    ]
