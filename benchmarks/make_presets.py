"""Learn the shipped presets (``bayes_scaling/presets/*.json``) from their corpora with ``bs.learn_priors``.

    .venv/bin/python benchmarks/make_presets.py [lm] [tabular]

* ``lm``: the 49 language-model validation-loss curves of ``../shared/data/lm_dev_curves.csv``
  (datablations and OLMo training trajectories) and the 20 small language models trained separately on
  growing samples of ``benchmarks/data/seedlike_lm_curves.csv`` (``benchmarks/train_lm_curves.py``);
* ``tabular``: the 138 LCDB 1.0 error-rate curves of ``benchmarks/data/lcdb_error_curves.csv`` (eight
  doublings each).

Both with ``horizon=8``: each curve fitted (the trajectories as ``kind="trajectory"``, their dependent
checkpoints tempered; the rest as separately trained runs) on its points up to 1/8 of its largest x (the checkpoints the
calibration benchmark fits, or an LCDB curve's first five doublings) and scored on the rest, 8x out.

Each preset is written with its provenance (the corpus, the date, the package version and the held-out
check of ``learn_priors``: 30% of the curves held out, seed 0) and printed as a table.
"""

from __future__ import annotations

import sys
import warnings

import pandas as pd
from calibration import LEARN_HORIZON, lcdb_curves, lm_curves, seedlike_curves

import bayes_scaling as bs

SOURCES = {
    "lm": ("the 49 language-model validation-loss curves of the project's shared/data/lm_dev_curves.csv: "
           "41 datablations runs (Muennighoff et al. 2023) and 8 OLMo evaluations, via IBM/ColPret (Choshen, "
           "Zhang & Andreas 2024), and the 20 curves of benchmarks/data/seedlike_lm_curves.csv: small byte-level "
           "transformers (ten shapes, two corpora) each trained separately on 16 KiB to 2 MiB, best held-out loss "
           "(benchmarks/train_lm_curves.py)"),
    "tabular": ("the 138 LCDB 1.0 learning curves of benchmarks/data/lcdb_error_curves.csv (Mohr et al. 2022, "
                "MIT licence): test error rates of 20 scikit-learn classifiers on OpenML data sets, one curve per "
                "data set, eight doublings each"),
}


def corpus(name: str) -> tuple[list[pd.DataFrame], list[str] | None]:
    """The curves of preset ``name`` and the kind of each (the trajectories are fitted as trajectories, their
    dependent checkpoints tempered, as ``kind="trajectory"`` fits them; None: no kind recorded)."""
    if name == "lm":
        trajectories, runs = lm_curves(), seedlike_curves()
        return ([pd.DataFrame({"n": c["all_n"], "y": c["all_y"]}) for c in trajectories]
                + [pd.DataFrame({"n": c["n"], "y": c["mu"]}) for c in runs],
                ["trajectory"] * len(trajectories) + ["runs"] * len(runs))
    return [pd.DataFrame({"n": c["n"], "y": c["mu"]}) for c in lcdb_curves()], None


def main() -> None:
    names = sys.argv[1:] or list(SOURCES)
    for name in names:
        curves, kinds = corpus(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bs.DataWarning)
            priors = bs.learn_priors(curves, name=name, source=SOURCES[name], horizon=LEARN_HORIZON, random_seed=0,
                                     kind=kinds)
        path = priors.save(bs.priors.PRESETS_DIR / f"{name}.json")
        print(f"{path}: {priors.provenance}")
        print(priors.check_table)


if __name__ == "__main__":
    main()
