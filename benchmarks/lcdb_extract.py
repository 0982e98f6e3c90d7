"""Extract the real learning curves of the calibration benchmark from LCDB 1.0.

    pip install lcdb==0.1.0       # 68 MB from PyPI; the database ships inside the package
    .venv/bin/python benchmarks/lcdb_extract.py   # writes benchmarks/data/lcdb_error_curves.csv

Source: the Learning Curve Database, LCDB 1.0 (Mohr, Viering, Loog & van Rijn, "LCDB 1.0: An
Extensive Learning Curves Database for Classification Tasks", ECML-PKDD 2022; MIT licence,
Copyright (c) 2021 Felix Mohr): 20 scikit-learn classifiers trained on growing subsets of 246
OpenML data sets, each anchor repeated over 25 (outer x inner) random splits. The metric here is
the test error rate, 1 - accuracy, averaged over the repetitions.

The rule that picks the curves was fixed before any forecast was scored:

1. a curve is one (data set, learner); its anchors are the training sizes 16 * 2**j at which at
   least 5 repetitions finished;
2. it needs 8 consecutive such doublings; the last 8 are kept (the most data-rich part of the
   curve): the benchmark fits the first five and forecasts the last three (2x, 4x, 8x);
3. every error rate is > 0 (a log-scale metric) and the error falls over the five fitted anchors
   (first > fifth), the situation in which a user fits a falling law;
4. one curve per data set, the learner drawn at random (seed 0), so that no data set dominates.

The output is small (about 1,100 rows) and committed, so the benchmark needs neither this package nor
a download.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).with_name("data") / "lcdb_error_curves.csv"
POINTS = 8
MIN_REPEATS = 5


def main() -> None:
    spec = importlib.util.find_spec("lcdb")  # located, not imported: its __init__ needs openml
    if spec is None:
        raise SystemExit("needs the lcdb package: pip install lcdb==0.1.0")
    root = Path(spec.submodule_search_locations[0])
    raw = pd.read_csv(root / "database-accuracy.csv", usecols=["openmlid", "learner", "size_train", "score_test"])
    names = pd.read_csv(root / "datasets.csv", usecols=["openmlid", "Name"]).set_index("openmlid")["Name"]
    g = (raw.groupby(["openmlid", "learner", "size_train"])["score_test"]
         .agg(["mean", "size"]).reset_index())
    anchors = 16 * 2.0 ** np.arange(24)
    curves = []
    for (dataset, learner), c in g.groupby(["openmlid", "learner"]):
        c = c.set_index("size_train")
        have = [a for a in anchors if a in c.index and c.loc[a, "size"] >= MIN_REPEATS]
        if len(have) < POINTS:
            continue
        run = [a for a in anchors if a <= have[-1]][-POINTS:]
        if not all(a in have for a in run):
            continue
        error = 1.0 - c.loc[run, "mean"].to_numpy()
        if (error <= 0).any() or not error[0] > error[4]:
            continue
        curves.append(pd.DataFrame({"openmlid": dataset, "dataset": names.get(dataset, str(dataset)),
                                    "learner": learner, "n": np.array(run, dtype=int),
                                    "error": error.round(6), "repeats": c.loc[run, "size"].to_numpy()}))
    table = pd.concat(curves, ignore_index=True)
    rng = np.random.default_rng(0)
    picked = []
    for _, part in table.groupby("openmlid"):
        learners = sorted(part["learner"].unique())
        picked.append(part[part["learner"] == learners[rng.integers(len(learners))]])
    out = pd.concat(picked, ignore_index=True)
    OUT.parent.mkdir(exist_ok=True)
    out.to_csv(OUT, index=False)
    print(f"{table.groupby(['openmlid', 'learner']).ngroups} curves qualify on "
          f"{table['openmlid'].nunique()} data sets; wrote {out.groupby('openmlid').ngroups} to {OUT}")


if __name__ == "__main__":
    main()
