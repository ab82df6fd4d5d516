"""What the report's plots and files hold, which mutation testing of report.py found
unchecked (issue 17): the numbers plotted, their labels and axis titles, the files
written, and the seed and resample count passed on. Styling (colours, font sizes, figure
sizes) is left out on purpose; docs/reliability.md says why.

The figures are read as matplotlib draws them: ``Figure.savefig`` is wrapped (the real
method still writes the file) to look at each figure before the report closes it.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from PIL import Image

from hallucue_corrupt.report import bootstrap_ci, build_report, write_report

from .test_report_golden import golden_rows

plt = pytest.importorskip("matplotlib.pyplot")
from matplotlib.container import BarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


@pytest.fixture
def drawn(monkeypatch):
    """(file name, figure) of every plot the report saves."""
    seen: list[tuple[str, Any]] = []
    real = Figure.savefig

    def spy(fig: Any, fname: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((str(fname).rsplit("/", 1)[-1], fig))
        return real(fig, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    return seen


def test_accuracy_plot_shows_each_cell_with_its_interval(tmp_path, drawn):
    rows = golden_rows()
    report = write_report(rows, tmp_path)
    names = [name for name, _ in drawn]
    assert names == ["accuracy.png", "accuracy_vs_step.png"]
    assert plt.get_fignums() == []  # every figure closed
    fig = drawn[0][1]
    (ax,) = fig.axes
    keys = list(report["accuracy"])
    assert ax.get_title() == "Accuracy per corruption"
    assert ax.get_ylabel() == "accuracy (%)"
    assert [t.get_text() for t in ax.get_xticklabels()] == [k.replace("|", "\n") for k in keys]
    assert list(ax.get_xticks()) == list(range(len(keys)))
    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    heights = [p.get_height() for p in bars.patches]
    xs = [p.get_x() + p.get_width() / 2 for p in bars.patches]
    assert heights == pytest.approx([100 * report["accuracy"][k]["accuracy"] for k in keys])
    assert xs == pytest.approx(list(range(len(keys))))
    # the error bars run from the interval's low end to its high end
    segments = bars.errorbar.lines[2][0].get_segments()
    spans = [(seg[0][1], seg[1][1]) for seg in segments]
    want = [
        (100 * report["accuracy"][k]["ci"][0], 100 * report["accuracy"][k]["ci"][1]) for k in keys
    ]
    assert np.allclose(spans, want)
    assert len({h for h in heights}) > 1 and any(lo < hi for lo, hi in spans)


def test_accuracy_vs_step_plot_draws_every_curve(tmp_path, drawn):
    report = write_report(golden_rows(), tmp_path)
    name, fig = drawn[1]
    assert name == "accuracy_vs_step.png"
    (ax,) = fig.axes
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "accuracy (%)"
    curves = report["accuracy_vs_step"]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == [k.replace("|", " / ") for k in curves]
    for line, points in zip(lines, curves.values(), strict=True):
        assert list(line.get_xdata()) == [p[0] for p in points]
        assert list(line.get_ydata()) == pytest.approx([100 * p[1] for p in points])
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [line.get_label() for line in lines]


def test_plots_are_written_without_a_software_tag_and_listed(tmp_path):
    write_report(golden_rows(), tmp_path)
    for name in ("accuracy.png", "accuracy_vs_step.png"):
        with Image.open(tmp_path / name) as img:
            assert img.format == "PNG" and img.size[0] > 100
            assert "Software" not in img.info
        assert f"({name})" in (tmp_path / "report.md").read_text(encoding="utf-8")
    # no step column: one plot
    flat = [{k: v for k, v in r.items() if k != "step"} for r in golden_rows()]
    out = tmp_path / "flat"
    write_report(flat, out)
    assert sorted(p.name for p in out.glob("*.png")) == ["accuracy.png"]


def test_write_report_passes_its_seed_and_resample_count_on(tmp_path):
    rows = golden_rows()
    report = write_report(rows, tmp_path, seed=7, n_boot=50)
    assert report == build_report(rows, seed=7, n_boot=50)
    assert report != build_report(rows)
    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert saved["accuracy"] == json.loads(json.dumps(report["accuracy"]))


def test_bootstrap_and_report_defaults_are_seed_0_and_1000_resamples():
    values = [0.1, 0.7, 0.3, 0.95, 0.2, 0.55, 0.8, 0.05, 0.6]
    assert bootstrap_ci(values) == bootstrap_ci(values, n=1000, seed=0)
    assert bootstrap_ci(values) != bootstrap_ci(values, n=999, seed=0)
    assert bootstrap_ci(values) != bootstrap_ci(values, n=1000, seed=1)
    rows = golden_rows()
    default = build_report(rows)
    assert default == build_report(rows, seed=0, n_boot=1000)
    changed = build_report(rows, seed=1)
    assert changed["accuracy"] != default["accuracy"] and changed["grid"] != default["grid"]
