"""Server-rendered SVG charts (no JS, no CDN): weekly face-to-face contacts per specialist, and
shares over quarters (the employment rate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

PALETTE = ("#0b5cad", "#b35900", "#116329", "#8250df", "#a40e26", "#1b7c83", "#6e5500", "#cf222e",
           "#3d4f63", "#7d4e00")  # fmt: skip


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]


def weekly_chart(weeks: list[date], series: list[Series], *, standard: int) -> str:
    """A line per specialist, the standard as a dashed line; described for screen readers."""
    width, height, left, right, top, bottom = 860, 300, 44, 150, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([standard + 2, *(v for s in series for v in s.values)])
    step = plot_w / max(len(weeks) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + plot_h - v / top_value * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="chart-title chart-desc">',
        '<title id="chart-title">Face-to-face employer contacts per week</title>',
        '<desc id="chart-desc">One line per specialist; '
        f"dashed line at the standard of {standard} a week.</desc>",
    ]
    for tick in range(0, top_value + 1, 2):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#d8dee4"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{y(standard):.1f}" y2="{y(standard):.1f}" '
        'stroke="#1b1f24" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append(f'<text x="{left + plot_w + 6}" y="{y(standard) + 4:.1f}">standard {standard}</text>')
    label_every = max(1, len(weeks) // 8)
    for i, week in enumerate(weeks):
        if i % label_every == 0 or i == len(weeks) - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 18}" text-anchor="middle">{week:%d %b}</text>')
    for n, line in enumerate(series):
        colour, label = PALETTE[n % len(PALETTE)], escape(line.label)
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(line.values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{points}"/>')
        for i, v in enumerate(line.values):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                f"<title>{label}, week of {weeks[i]:%d %b}: {v}</title></circle>"
            )
        parts.append(
            f'<rect x="{left + plot_w + 6}" y="{top + 24 + n * 18}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{left + plot_w + 24}" y="{top + 34 + n * 18}">{label}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 2}" text-anchor="middle">'
        "week starting (Monday)</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class RateSeries:
    label: str
    values: list[float | None]  # a share, 0..1; None where there is no caseload
    bold: bool = False


def rate_chart(labels: list[str], series: list[RateSeries], *, title: str, desc: str) -> str:
    """Shares over periods as percentages (0-100 %), a line per series; a missing value breaks
    its line. Described for screen readers; every label escaped."""
    width, height, left, right, top, bottom = 860, 300, 44, 150, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(share: float) -> float:
        return top + plot_h - share * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="rate-title rate-desc">',
        f'<title id="rate-title">{escape(title)}</title>',
        f'<desc id="rate-desc">{escape(desc)}</desc>',
    ]
    for tick in range(0, 101, 20):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick / 100):.1f}" y2="{y(tick / 100):.1f}" '
            'stroke="#d8dee4"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y(tick / 100) + 4:.1f}" text-anchor="end">{tick}%</text>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 18}" text-anchor="middle">{escape(label)}</text>')
    for n, line in enumerate(series):
        colour, label = ("#1b1f24" if line.bold else PALETTE[n % len(PALETTE)]), escape(line.label)
        stroke = 4 if line.bold else 2.5
        runs: list[list[str]] = [[]]
        for i, v in enumerate(line.values):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                f"<title>{label}, {escape(labels[i])}: {v * 100:.0f}%</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                points = " ".join(run)
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="{stroke}" points="{points}"/>'
                )
        parts.append(
            f'<rect x="{left + plot_w + 6}" y="{top + 24 + n * 18}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{left + plot_w + 24}" y="{top + 34 + n * 18}">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
