"""Kinds of curve, the broken power law and the robust likelihood, scored 8x beyond the data.

    .venv/bin/python benchmarks/kinds.py [trajectories] [runs] [alternatives] [broken] [student_t] [--csv OUT.csv]

Every curve is fitted on its early part and forecast at 2x, 4x and 8x its largest fitted x (the splits of
``calibration.py``: a simulated or tabular curve's first five doublings; a trajectory's checkpoints up to 1/8
of its largest x). Each table gives, per source and method at 8x, the coverage of the 90% intervals, the
rescaling factor (1: as wide as the misses warrant; below 1: too wide), the interval score on log y (lower is
better) and the median |log error| of the median.

Sections
--------
``trajectories``
    The 49 training trajectories of ``../shared/data/lm_dev_curves.csv`` (datablations and OLMo), each scored
    with priors learned without its own family (datablations for OLMo and the reverse). Methods: the default
    (``kind="runs"``, the package's priors); ``kind="trajectory"`` with priors learned as the ``lm`` preset is
    (trajectories and the 20 small LMs), without the family; priors learned on the other family's
    trajectories alone (``bs.learn_priors(kind="trajectory")``); ``kind="trajectory"`` with the shipped
    ``lm`` preset (in-sample). Every trajectory fitted with ``kind="trajectory"`` is tempered by its own
    dependence, and the priors learned for it are learned from trajectories fitted the same way.
``runs``
    Separately trained language models, by source: the 20 small byte-level transformers of
    ``data/seedlike_lm_curves.csv`` (five doublings fitted, three forecast), the ten curves of its five larger
    shapes, the 7 model sizes of ``data/lm_grid.csv`` (three data sizes fitted, three forecast) and
    Chinchilla's runs as one curve per model size (:func:`chinchilla_curves`). Methods: the default and the
    ``lm`` preset.
``alternatives``
    Two ways to narrow the ``runs`` intervals where curves are smooth, on the same sources: the noise prior's
    median at 1% and 0.5% instead of 2%; and one scaling surface (``bs.fit_surface``) per source over its model
    sizes' fitted points (per corpus for the byte-level models; Chinchilla's unscored model sizes included),
    forecasting each model size's later runs, beside each curve fitted alone (the default). ``source`` "all"
    pools them.
``broken``
    The broken power law (``laws=[..., "broken_power"]``): the digits curves (curves that steepen before
    they bend) and 20 simulated broken power laws; the default laws, the default laws with ``broken_power``
    added, and ``broken_power`` alone. Also scored on the trajectories, the small LMs and LCDB: whether
    adding it to the default set hurts a domain.
``student_t``
    ``likelihood="student_t"`` against the log-normal on every domain of ``calibration.py`` (the outlier
    curves included).
"""

from __future__ import annotations

import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from calibration import (
    PROB,
    _learned,
    broken_power,
    digits_curves,
    lcdb_curves,
    lm_curves,
    logistic,
    outliers,
    rescaling_factor,
    seedlike_curves,
    split,
    well_specified,
)

import bayes_scaling as bs
from bayes_scaling.backtest import interval_score

HERE = Path(__file__).resolve().parent
DEFAULT = bs.laws.default_laws()


def grid_curves() -> list[dict]:
    """The 7 model sizes of ``data/lm_grid.csv``, each a curve of 6 data sizes (4M to 134M tokens, separately
    trained): fitted on the first three, forecast at the last three (2x, 4x, 8x)."""
    table = pd.read_csv(HERE / "data" / "lm_grid.csv", comment="#")
    out = []
    for name, c in table.groupby("model", sort=True):
        c = c.sort_values("tokens")
        n, y = c["tokens"].to_numpy(float), c["val_loss"].to_numpy(float)
        out.append({"name": f"grid/{name}", "fit_n": n[:3], "fit_y": y[:3], "new_n": n[3:], "new_y": y[3:]})
    return out


def chinchilla_curves(every_size: bool = False) -> list[dict]:
    """Chinchilla's runs (``../shared/data/chinchilla_epoch_svg_extracted.csv``, Hoffmann et al. 2022 as Epoch AI
    digitised them) as one curve per model size: each point a run trained separately on D = C / (6 N) tokens,
    57M to 16B parameters. A model size is fitted on its runs up to 1/8 of its largest D (at least four) and
    scored at the later runs nearest 2x, 4x and 8x its largest fitted D (three distinct runs beyond it, the last
    at most 8x); model sizes without them are left out, or with ``every_size`` kept with their runs up to 1/8 of
    their largest D and nothing to score (``new_n`` empty). Points read off a plot: expect reading error."""
    path = HERE.parent.parent / "shared" / "data" / "chinchilla_epoch_svg_extracted.csv"
    if not path.is_file():
        print(f"({path} not found: the Chinchilla runs are skipped)", file=sys.stderr)
        return []
    table = pd.read_csv(path)
    table = table.assign(N=table["Model Size"].round(-6), D=table["Training FLOP"] / (6 * table["Model Size"]))
    out = []
    for size, c in table.groupby("N", sort=True):
        c = c.groupby("D", as_index=False)["loss"].mean().sort_values("D")
        d, y = c["D"].to_numpy(float), c["loss"].to_numpy(float)
        fit = d <= d.max() / 8 * (1 + 1e-9)
        kept = {"name": f"chinchilla/N={size:.3g}", "params": float(size), "fit_n": d[fit], "fit_y": y[fit],
                "new_n": np.array([]), "new_y": np.array([])}
        if fit.sum() < 4:
            out += [kept] if every_size and fit.any() else []
            continue
        top = d[fit].max()
        later = np.flatnonzero(~fit & (d <= 8 * top * 1.05))
        picks = []
        for target in (2, 4, 8):
            left = [i for i in later if i not in picks and (not picks or i > picks[-1])]
            if left:
                picks.append(min(left, key=lambda i: abs(np.log(d[i] / (target * top)))))
        if len(picks) < 3:
            out += [kept] if every_size else []
            continue
        out.append(kept | {"new_n": d[picks], "new_y": y[picks]})
    return out


def params_of(shape: str) -> float:
    """Non-embedding parameters, 12 d^2 L, of a transformer shape named ``d{d}-l{L}`` (as ``lm_grid.csv``
    counts them)."""
    d, layers = (int(v) for v in re.fullmatch(r"d(\d+)-l(\d+)", shape).groups())
    return 12.0 * d * d * layers


def learned_without(curves: list[dict], family: str, kind: str | None = None, others: list[dict] = ()):
    """Priors learned as the presets are (``calibration._learned``), from the curves not of ``family`` and the
    curves ``others``."""
    return _learned([c for c in curves if not c["name"].startswith(family)] + list(others), f"without {family}",
                    kind=kind)


def scored(fc: pd.DataFrame, actual, **keys) -> list[dict]:
    """One row per horizon (2x, 4x, 8x): a forecast table's 90% interval and median against what was measured,
    with ``keys`` (source, curve, method, ...) in front."""
    rows = []
    for h, (hname, a) in enumerate(zip(("2x", "4x", "8x"), actual, strict=True)):
        lo, med, hi = (float(fc[k].iloc[h]) for k in ("lower", "median", "upper"))
        rows.append(keys | {"horizon": hname, "covered": lo <= a <= hi, "abs_log_error": abs(np.log(med / a)),
                            "interval_score": interval_score(np.log(lo), np.log(hi), np.log(a), PROB),
                            "log_lower": np.log(lo), "log_median": np.log(med), "log_upper": np.log(hi),
                            "log_actual": np.log(a)})
    return rows


def run(curves: list[dict], source: str, methods: dict, seed: int = 0) -> pd.DataFrame:
    """``methods``: name -> function of a curve giving ``bs.fit`` keyword arguments."""
    rng = np.random.default_rng(seed)
    rows = []
    t0 = time.perf_counter()
    for c in curves:
        fit_n, fit_y, new_n, actual = split(c, rng)
        frame = pd.DataFrame({"n": fit_n, "y": fit_y})
        for method, kwargs_for in methods.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    fit = bs.fit(frame, random_seed=int(seed), **kwargs_for(c))
                    fc = fit.forecast(new_n, PROB)
                except bs.errors.BayesScalingError as err:  # e.g. too few points for a law
                    print(f"  {source} {c.get('name', '')} {method}: {err}", file=sys.stderr)
                    continue
            rows += scored(fc, actual, source=source, curve=c.get("name", ""), method=method)
    print(f"  ({source}: {len(curves)} curves x {len(methods)} methods in {time.perf_counter() - t0:.0f} s)",
          file=sys.stderr)
    return pd.DataFrame(rows)


def table(rows: pd.DataFrame, horizon: str = "8x") -> pd.DataFrame:
    g = rows[rows["horizon"] == horizon].groupby(["source", "method"], sort=False)
    return pd.DataFrame({
        "curves": g.size(), "coverage": g["covered"].mean(),
        "rescaling": g.apply(rescaling_factor, include_groups=False),
        "interval_score": g["interval_score"].mean(), "median_abs_log_error": g["abs_log_error"].median(),
    }).round(3)


def trajectories() -> pd.DataFrame:
    curves = lm_curves()
    if not curves:
        return pd.DataFrame()
    families = sorted({c["name"].split(":")[0] for c in curves})
    alone = {fam: learned_without(curves, fam, kind="trajectory") for fam in families}
    mixed = {fam: learned_without(curves, fam, others=seedlike_curves()) for fam in families}
    methods = {
        "default (kind='runs')": lambda c: {},
        "kind='trajectory': priors learned as lm's, without the family": lambda c: {
            "kind": "trajectory", "priors": mixed[c["name"].split(":")[0]]},
        "priors learned on the other family's trajectories alone": lambda c: {
            "kind": "trajectory", "priors": alone[c["name"].split(":")[0]]},
        "kind='trajectory' with the lm preset (in-sample)": lambda c: {"kind": "trajectory"},
    }
    return pd.concat([run([c for c in curves if c["name"].startswith(f)], f"trajectories: {f}", methods)
                      for f in families])


def runs() -> pd.DataFrame:
    methods = {"default (kind='runs')": lambda c: {}, "lm preset": lambda c: {"priors": "lm"}}
    chinchilla = chinchilla_curves()
    return pd.concat([run(seedlike_curves(), "small LMs, 20 seed-like", methods),
                      run(seedlike_curves(larger=True), "larger LMs (7M-30M), 10", methods),
                      run(grid_curves(), "LM grid, 7 sizes", methods),
                      run(chinchilla, f"Chinchilla model sizes, {len(chinchilla)}", methods)])


def surface_rows(curves: list[dict], source: str, group: str, seed: int = 0) -> pd.DataFrame:
    """Every curve of ``curves`` (one model size each, ``params``) forecast from one scaling surface fitted to all
    their fitted points together (``bs.fit_surface``, averaged over its laws). Each curve fitted alone is
    :func:`run`'s default method."""
    rng = np.random.default_rng(seed)
    parts = [(c, *split(c, rng)) for c in curves]
    runs = pd.DataFrame([{"params": c["params"], "tokens": d, "loss": y}
                         for c, fit_n, fit_y, _, _ in parts for d, y in zip(fit_n, fit_y, strict=True)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        surface = bs.fit_surface(runs, n="params", d="tokens", y="loss", random_seed=seed)
    rows = []
    for c, _, _, new_n, actual in parts:
        if len(new_n):
            fc = surface.forecast(pd.DataFrame({"params": c["params"], "tokens": new_n}), PROB)
            rows += scored(fc[fc["law"] == "averaged"].reset_index(drop=True), actual, source=source, group=group,
                           curve=c["name"], method="one surface per source")
    return pd.DataFrame(rows)


def alternatives() -> pd.DataFrame:
    """Two ways to give separately trained runs narrower intervals where they are smooth, measured on the ``runs``
    sources: a smaller noise prior (median 1% and 0.5% instead of 2%), and one scaling surface per source (its
    model sizes fitted together, per corpus for the byte-level models) instead of each curve alone."""
    def noise(median):
        prior = bs.Prior("InverseGamma", alpha=1.0, beta=median**2 * np.log(2))
        # exp_decay is not fitted on three points (the grid's curves): no prior for it there
        return lambda c: {"priors": {law: {"sigma_sq": prior} for law in DEFAULT
                                     if law != "exp_decay" or len(c.get("fit_n", range(5))) >= 4}}

    methods = {"default (noise median 2%)": lambda c: {}, "noise median 1%": noise(0.01),
               "noise median 0.5%": noise(0.005)}
    small, larger = seedlike_curves(), seedlike_curves(larger=True)
    parts = [run(small, "small LMs, 20 seed-like", methods), run(larger, "larger LMs (7M-30M), 10", methods)]
    grid = [c | {"params": params_of(c["name"].split("/")[1])} for c in grid_curves()]
    parts.append(run(grid, "LM grid, 7 sizes", methods))
    chinchilla = chinchilla_curves()
    parts.append(run(chinchilla, f"Chinchilla model sizes, {len(chinchilla)}", methods))
    for curves, source in ((small, "small LMs, 20 seed-like"), (larger, "larger LMs (7M-30M), 10")):
        for corpus in sorted({c["name"].split("/")[0] for c in curves}):
            mine = [c | {"params": params_of(c["name"].split("/")[1])} for c in curves
                    if c["name"].startswith(corpus + "/")]
            parts.append(surface_rows(mine, source, corpus))
    parts.append(surface_rows(grid, "LM grid, 7 sizes", "grid"))
    parts.append(surface_rows(chinchilla_curves(every_size=True), f"Chinchilla model sizes, {len(chinchilla)}",
                              "chinchilla"))
    rows = pd.concat(parts)
    return pd.concat([rows, rows.assign(source="all")])


def broken() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    methods = {"default laws": lambda c: {}, "default + broken_power": lambda c: {"laws": [*DEFAULT, "broken_power"]},
               "broken_power alone": lambda c: {"laws": ["broken_power"]}}
    parts = [run(digits_curves(), "digits", methods), run(broken_power(20, rng), "simulated broken power", methods)]
    both = {k: v for k, v in methods.items() if k != "broken_power alone"}
    parts += [run(seedlike_curves(), "small LMs", both), run(lm_curves(), "trajectories", both),
              run(lcdb_curves(), "LCDB", both)]
    return pd.concat(parts)


def student_t() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    methods = {"log-normal": lambda c: {}, "student_t": lambda c: {"likelihood": "student_t"}}
    domains = {"well specified: " + law: well_specified(law, 10, rng) for law in DEFAULT}
    domains |= {"one outlier": outliers(20, rng), "simulated broken power": broken_power(10, rng),
                "logistic": logistic(10, rng), "small LMs": seedlike_curves(), "digits": digits_curves(),
                "LCDB (every 3rd)": lcdb_curves()[::3], "trajectories": lm_curves()}
    return pd.concat([run(curves, name, methods) for name, curves in domains.items()])


SECTIONS = {"trajectories": trajectories, "runs": runs, "alternatives": alternatives, "broken": broken,
            "student_t": student_t}


def main() -> None:
    args = sys.argv[1:]
    csv = args[args.index("--csv") + 1] if "--csv" in args else None
    chosen = [a for a in args if a in SECTIONS] or list(SECTIONS)
    pd.set_option("display.width", 200)
    out = []
    for name in chosen:
        rows = SECTIONS[name]()
        if rows.empty:
            continue
        rows.insert(0, "section", name)
        out.append(rows)
        print(f"\n== {name}: 8x beyond the data, 90% intervals ==")
        print(table(rows).to_string())
    if csv and out:
        pd.concat(out).to_csv(csv, index=False)


if __name__ == "__main__":
    main()
