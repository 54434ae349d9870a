"""Drawing charts with matplotlib's object API (no pyplot: no global figure
state, so worker threads can draw at once). SVG for PDF (vector), PNG for
DOCX. Output is reproducible: no dates, fixed SVG ids, seeded layouts."""

from __future__ import annotations

import io
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sight.exports.charts import Bars, Chart, Grouped, Network, Stacked

matplotlib.rcParams["svg.hashsalt"] = "sight-report"
# Text stays text: the PDF writer sets it in the embedded DejaVu Sans, so chart
# labels are selectable and searchable, and small (no glyph paths to parse).
matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["font.family"] = "DejaVu Sans"
matplotlib.rcParams["font.size"] = 8.5
# Explicit (not black) so every SVG text carries its fill: the PDF writer would
# otherwise draw it with whatever fill the shape before it left behind.
for _key in ("text.color", "axes.labelcolor", "xtick.labelcolor", "ytick.labelcolor"):
    matplotlib.rcParams[_key] = "#222222"
matplotlib.rcParams["axes.spines.top"] = False
matplotlib.rcParams["axes.spines.right"] = False

BLUE = "#2f5d8c"
GREY = "#8a8f98"
GREEN, AMBER, RED = "#3f8f5b", "#c9a227", "#b8473d"
WIDTH_IN = 6.3


def _wrap(text: str, width: int = 28) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")


def _margins(fig: Figure, labels: list[str], *, bottom_in: float = 0.45) -> None:
    """Room for the longest label and the title, computed instead of measured
    (`bbox_inches="tight"` would draw every chart twice)."""
    longest = max(
        (len(line) for label in labels for line in label.split("\n")), default=4
    )
    width, height = fig.get_size_inches()
    left = min(0.55, (0.15 + 0.062 * longest) / width)
    fig.subplots_adjust(
        left=left, right=0.97, top=1 - 0.38 / height, bottom=bottom_in / height
    )


def _bars(chart: Bars) -> Figure:
    n = len(chart.labels)
    fig = Figure(figsize=(WIDTH_IN, 0.9 + 0.36 * max(n, 2)))
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    scale = 100.0 if chart.percent else 1.0
    values = np.asarray(chart.values, dtype=float) * scale
    ax.barh(y, values, color=BLUE, height=0.62, label=chart.legend[0] or None)
    if chart.low is not None and chart.high is not None:
        low = np.asarray([np.nan if v is None else v for v in chart.low]) * scale
        high = np.asarray([np.nan if v is None else v for v in chart.high]) * scale
        err = np.vstack(
            [np.clip(values - low, 0, None), np.clip(high - values, 0, None)]
        )
        ax.errorbar(
            values,
            y,
            xerr=np.nan_to_num(err),
            fmt="none",
            ecolor="#1d1d1d",
            elinewidth=0.9,
            capsize=2.5,
        )
    if chart.baseline is not None:
        marks = [(yi, b * scale) for yi, b in zip(y, chart.baseline, strict=True)
                 if b is not None]  # fmt: skip
        ax.vlines(
            [b for _, b in marks],
            [yi - 0.38 for yi, _ in marks],
            [yi + 0.38 for yi, _ in marks],
            colors=GREY,
            linestyles="dashed",
            linewidth=1.0,
            label=chart.legend[1] or "_nolegend_",
        )
    wrapped = [_wrap(label) for label in chart.labels]
    ax.set_yticks(y, wrapped)
    ax.xaxis.set_major_locator(MaxNLocator(6))
    _margins(fig, wrapped, bottom_in=0.5 if chart.xlabel else 0.35)
    for yi, v in zip(y, values, strict=True):
        ax.text(
            v,
            yi,
            f" {v:.0f} %" if chart.percent else f" {v:g}",
            va="center",
            ha="left",
            fontsize=7.5,
            color="#333333",
        )
    top = max(
        [
            *values,
            *(
                np.nan_to_num(
                    np.asarray(
                        [0 if v is None else v for v in (chart.high or [])], dtype=float
                    )
                )
                * scale
            ),
        ],
        default=1.0,
    )
    ax.set_xlim(0, (top or 1.0) * 1.15)
    ax.set_title(_wrap(chart.title, 90), fontsize=9, loc="left")
    if chart.xlabel:
        ax.set_xlabel(chart.xlabel)
    if chart.legend[0] or chart.legend[1]:
        ax.legend(loc="lower right", fontsize=7, frameon=False)
    return fig


def _grouped(chart: Grouped) -> Figure:
    count = len(chart.panels)
    cols = 2 if count > 1 else 1
    rows = math.ceil(count / cols)
    fig = Figure(figsize=(WIDTH_IN, 2.3 * rows + 0.4))
    colours = [BLUE, "#d08c2e", GREY]
    scale = 100.0 if chart.percent else 1.0
    for index, panel in enumerate(chart.panels):
        ax = fig.add_subplot(rows, cols, index + 1)
        x = np.arange(len(panel.labels))
        width = 0.8 / max(len(panel.series), 1)
        for k, (name, values) in enumerate(panel.series.items()):
            ax.bar(
                x + (k - (len(panel.series) - 1) / 2) * width,
                np.asarray(values) * scale,
                width,
                label=name,
                color=colours[k % len(colours)],
            )
        ax.set_xticks(
            x,
            [_wrap(label, 12) for label in panel.labels],
            fontsize=6.5,
            rotation=30 if len(panel.labels) > 5 else 0,
            ha="right" if len(panel.labels) > 5 else "center",
        )
        ax.set_title(panel.title, fontsize=8.5, loc="left")
        if index == 0:
            ax.legend(fontsize=6.5, frameon=False)
    fig.suptitle(chart.title, fontsize=9.5, x=0.02, ha="left")
    fig.tight_layout()
    return fig


def _stacked(chart: Stacked) -> Figure:
    n = len(chart.labels)
    fig = Figure(figsize=(WIDTH_IN, 1.1 + 0.36 * max(n, 2)))
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    left = np.zeros(n)
    for values, colour, name in zip(
        (chart.positive, chart.neutral, chart.negative),
        (GREEN, AMBER, RED),
        chart.names,
        strict=True,
    ):
        arr = np.asarray(values, dtype=float)
        ax.barh(y, arr, left=left, color=colour, height=0.62, label=name)
        left += arr
    wrapped = [_wrap(label, 34) for label in chart.labels]
    ax.set_yticks(y, wrapped)
    ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
    ax.set_title(_wrap(chart.title, 90), fontsize=9, loc="left")
    _margins(fig, wrapped, bottom_in=0.6)
    fig.legend(loc="lower center", fontsize=7, frameon=False, ncols=3)
    return fig


def _layout(n: int, edges: list[tuple[int, int, float]]) -> np.ndarray:
    """Fruchterman-Reingold, seeded: the same graph is drawn the same way."""
    rng = np.random.default_rng(7)
    pos = rng.uniform(-1, 1, size=(n, 2))
    if n < 2:
        return pos
    k = 1.0 / math.sqrt(n)
    weights = np.zeros((n, n))
    for a, b, w in edges:
        weights[a, b] = weights[b, a] = max(weights[a, b], w)
    temperature = 0.15
    for _ in range(120):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.linalg.norm(delta, axis=-1) + 1e-9
        repulse = (k * k / dist**2)[..., None] * delta
        attract = (weights * dist / k)[..., None] * delta
        move = (repulse - attract).sum(axis=1)
        length = np.linalg.norm(move, axis=1, keepdims=True) + 1e-9
        pos += move / length * np.minimum(length, temperature)
        temperature *= 0.97
    pos -= pos.mean(axis=0)
    return pos / (np.abs(pos).max() or 1.0)


def _network(chart: Network) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, 4.6))
    ax = fig.add_subplot()
    ax.set_axis_off()
    pos = _layout(len(chart.nodes), chart.edges)
    top = max([w for _, _, w in chart.edges], default=1.0) or 1.0
    for a, b, w in chart.edges:
        ax.plot(
            [pos[a, 0], pos[b, 0]],
            [pos[a, 1], pos[b, 1]],
            color="#b9bec7",
            linewidth=0.4 + 2.2 * w / top,
            zorder=1,
        )
    biggest = max(chart.sizes, default=1.0) or 1.0
    sizes = [80 + 900 * s / biggest for s in chart.sizes]
    ax.scatter(
        pos[:, 0],
        pos[:, 1],
        s=sizes,
        c=chart.tone,
        cmap="RdYlGn",
        vmin=-1,
        vmax=1,
        edgecolors="#333333",
        linewidths=0.5,
        zorder=2,
    )
    for i, name in enumerate(chart.nodes):
        ax.annotate(
            _wrap(name, 18),
            (pos[i, 0], pos[i, 1]),
            fontsize=7,
            ha="center",
            va="bottom",
            xytext=(0, 7),
            textcoords="offset points",
            zorder=3,
        )
    ax.set_title(chart.title, fontsize=9, loc="left")
    ax.margins(0.12)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.01)
    return fig


def figure(chart: Chart) -> Figure:
    if isinstance(chart, Bars):
        return _bars(chart)
    if isinstance(chart, Grouped):
        return _grouped(chart)
    if isinstance(chart, Stacked):
        return _stacked(chart)
    return _network(chart)


_METADATA = re.compile(rb"<metadata>.*?</metadata>", re.S)
# Drawn charts by (format, chart): a survey's charts appear in its own report
# and in its project's, and a report is often downloaded again in another
# format or by a colleague. Charts are small (SVG 10-30 kB, PNG 30-80 kB).
_CACHE: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_CACHE_SIZE = 256
_LOCK = threading.Lock()


def _cached(kind: str, chart: Chart, draw: Callable[[], bytes]) -> bytes:
    key = (kind, repr(chart))
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    drawn = draw()
    with _LOCK:
        _CACHE[key] = drawn
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return drawn


def svg(chart: Chart) -> bytes:
    def draw() -> bytes:
        buffer = io.BytesIO()
        figure(chart).savefig(buffer, format="svg", metadata={"Date": None})
        # The RDF block means nothing to a PDF (and the PDF writer warns).
        return _METADATA.sub(b"", buffer.getvalue())

    return _cached("svg", chart, draw)


def png(chart: Chart, dpi: int = 150) -> bytes:
    def draw() -> bytes:
        buffer = io.BytesIO()
        figure(chart).savefig(
            buffer, format="png", dpi=dpi, metadata={"Software": None}
        )
        return buffer.getvalue()

    return _cached(f"png{dpi}", chart, draw)
