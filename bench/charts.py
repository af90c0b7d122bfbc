"""Draw the scaling curves of bench/results.json as PNGs beside it (one chart-<slug>.png each).

    bench/.peers-venv/bin/python bench/charts.py bench/results.json

Runs in the peers' venv, where matplotlib is installed (the project's venv does not carry it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
from matplotlib import ticker


def draw(curve: dict, folder: Path, subtitle: str) -> Path:
    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=110)
    for name, values in curve["series"].items():
        points = [(x, y) for x, y in zip(curve["xs"], values, strict=True) if y is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            style = {"linestyle": "--", "color": "grey"} if name.startswith("machine") else {"marker": "o"}
            axes.plot(xs, ys, label=name, **style)
            for x, y in points:
                axes.annotate(f"{y:.3g}", (x, y), textcoords="offset points", xytext=(4, 5), fontsize=7)
    axes.set_xscale("log")
    axes.margins(x=0.08, y=0.12)  # room for the value labels at the edges
    axes.set_yscale("log")
    axes.set_xticks(curve["xs"], [f"{x:,}" for x in curve["xs"]])
    axes.minorticks_off()
    # Plain numbers on the time axis at 1-2-5 steps: "0.5 ms" reads better than "5x10^-1".
    axes.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    axes.set_xlabel(curve["x_label"])
    axes.set_ylabel(curve["y_label"])
    axes.set_title(f"{curve['title']}\n{subtitle}", fontsize=10)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    path = folder / f"chart-{curve['slug']}.png"
    figure.savefig(path)
    plt.close(figure)
    return path


def main() -> None:
    source = Path(sys.argv[1])
    results = json.loads(source.read_text())
    subtitle = f"make bench, {results['started']}, log-log"
    for curve in results["curves"]:
        print(draw(curve, source.parent, subtitle))


if __name__ == "__main__":
    main()
