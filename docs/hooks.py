"""mkdocs hook: every picture in the docs is drawn by the package, at build time.

``on_pre_build`` fits the built-in tables and saves the figures into ``docs/images``
(ignored by git), so the site always shows what the installed version produces.
"""

from __future__ import annotations

import warnings
from pathlib import Path

IMAGES = Path(__file__).parent / "images"


def make_figures(out: Path = IMAGES) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import bayes_scaling as bs
    from bayes_scaling import plots

    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bs.fit(bs.load_example("two_block"), x="samples", y="val_ppl", random_seed=1)
        grouped = bs.fit(bs.load_example("simulated_configs"), x="samples", y="val_ppl", group="blocks",
                         random_seed=1)
        figures = {
            "fit.png": plots.plot_fit(fit)[0],
            "fit_linear.png": plots.plot_fit(fit, loglog=False)[0],
            "forecast.png": plots.plot_forecast(fit, n_max=51200)[0],
            "floor.png": plots.plot_floor(fit)[0],
            "compare.png": plots.plot_compare(fit)[0],
            "backtest.png": plots.plot_backtest(fit.backtest())[0],
            "diagnostics.png": plots.plot_diagnostics(fit, "saturation")[0],
            "groups.png": plots.plot_groups(grouped)[0],
        }
    paths = []
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
        paths.append(out / name)
    return paths


def on_pre_build(config, **kwargs):
    make_figures()
