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
        import pandas as pd

        from bayes_scaling import surface_plots

        raw = pd.read_csv(Path(__file__).parents[1] / "benchmarks" / "data" / "lm_grid.csv", comment="#")
        runs = pd.DataFrame({"params": raw["params"], "tokens": raw["tokens"], "loss": raw["val_loss"]})
        small = runs[runs["params"] <= runs["params"].max() / 8]
        s = bs.fit_surface(runs, laws=["chinchilla"], random_seed=1)
        s_small = bs.fit_surface(small, laws=["chinchilla"], random_seed=1)
        large = runs[runs["params"] > runs["params"].max() / 8]
        figures.update({
            "surface_isoloss.png": surface_plots.plot_isoloss(s, [1e15, 3e15, 1e16, 3e16, 1e17], law="chinchilla")[0],
            "surface_isoflop.png": surface_plots.plot_isoflop(s, [1e14, 1e15, 1e16], law="chinchilla")[0],
            "surface_exponents.png": surface_plots.plot_exponents(s)[0],
            "surface_predicted.png": surface_plots.plot_predicted(s_small.forecast(large), large["loss"],
                                                                  law="chinchilla")[0],
        })
    paths = []
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=100)
        plt.close(fig)
        paths.append(out / name)
    return paths


def on_pre_build(config, **kwargs):
    make_figures()
