"""Calibration benchmark: do the forecast intervals cover what later runs measure?

    .venv/bin/python benchmarks/calibration.py [--quick] [--curves N]

Every curve is fitted on its first five sample counts (doublings) and forecast 2x, 4x and 8x
beyond the largest one. For each scenario it prints, per horizon and per method, the coverage of the
90% interval of a new measurement, the median |log error| of the median forecast and the median
interval width in log units. The methods: each law (including the opt-in ``mmf``) and the averaged
forecast of the default laws, all with the learned discrepancy beyond the data (the package's
default); the averaged forecast of the laws alone (``discrepancy=0``), the same with leave-one-out
stacking weights (the package's forecast before the forecast weights and the discrepancy), with
``mmf`` among the laws, with a fixed discrepancy of 0.1; the curve behind the budget answers
(``decision_summary``: no measurement noise, never below a floor) with and without the
discrepancy; and a least-squares saturation fit with a residual bootstrap, the practice this
package replaces. The closing tables pool the curves of each kind at 8x with 90% intervals for the
coverage, the error and the width, and the one-sided shares ``below_upper`` (0.95 if calibrated)
and ``below_median`` (0.5); the last splits the default's scores 8x out by whether the curve was flagged
``accelerating`` (``bs.flags.curve_flags``, recorded for every row of ``--csv``).

Scenarios
---------
* well specified: curves simulated from each law's own likelihood (coverage should be ~0.90);
* outside the family: a broken power law (the exponent drops from a1 to a2 at a break inside or
  beyond the data), a logistic-in-log-n (MMF-like) curve, and saturation curves with one outlier
  (a 4-sigma noise burst) among the fitted points;
* real (1): character n-gram language models (orders 2-5, Lidstone smoothing 0.01 and 0.1)
  trained on growing prefixes of texts that ship with Python (the English reference documentation
  in ``pydoc_data.topics``; the standard library's source), scored by held-out per-character
  perplexity: 16 curves, the package's own use case in miniature;
* real (2): learning curves generated here, on the handwritten-digits data bundled with scikit-learn
  (UCI Optical Recognition of Handwritten Digits, 1,797 images; nothing is downloaded): test error
  rate of six classifiers and test log-loss of the five with probabilities, against the number of
  training images (10 to 1,280),
  averaged over 8 random training subsets per size. Needs ``pip install -e ".[bench]"``;
* real (3): 138 learning curves of LCDB 1.0 (Mohr et al. 2022; 20 scikit-learn classifiers on
  OpenML data sets, test error rate averaged over 25 splits), one per data set, the last eight
  doublings of each curve: extracted once by ``benchmarks/lcdb_extract.py`` (its docstring gives
  the source, the licence and the selection rule) into ``benchmarks/data/lcdb_error_curves.csv``;
* real (5): twenty curves like the seed experiment's: small byte-level transformers (ten shapes) trained
  separately, on a GPU, on 16 KiB to 2 MiB of Python source or English documentation, best held-out
  loss per byte (``benchmarks/train_lm_curves.py`` made ``benchmarks/data/seedlike_lm_curves.csv``);
* real (4): the 49 language-model validation-loss curves of ``../shared/data/lm_dev_curves.csv``
  (training trajectories of datablations and OLMo runs), each fitted on its checkpoints up to 1/8 of
  its largest x and forecast at 2x, 4x and 8x the largest fitted x (measured values interpolated in
  log x between checkpoints). Skipped when the file is not there.

Priors: every shipped preset (``priors="lm"``, ``"tabular"``) is scored on every domain, and each preset
is also checked on curves it was not learned from: on the language-model curves, priors learned by
``bs.learn_priors`` on the other family (datablations for OLMo and the reverse); on LCDB, priors learned
on the other half of its curves (alternate OpenML ids). The checkpoints of one training run are not
independent measurements: on the dense language-model curves the default fit is also scored on the
same checkpoints thinned to at most four per doubling of x, to show what treating them as independent
costs or buys.

Besides coverage, error and width, every table gives the interval score of the 90% interval on log y
(Gneiting & Raftery 2007: width plus 20 times the miss; lower is better) and, per domain, the
rescaling factor: the factor that would scale each method's log-intervals about their medians to the
best pooled interval score (1: as wide as they should be; below 1: too wide), at 2x, 4x and 8x, each with
a 90% interval over curves.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import bayes_scaling as bs
from bayes_scaling import criteria
from bayes_scaling.backtest import interval_score
from bayes_scaling.data import ScalingData
from bayes_scaling.result import ScalingFit

FIT_N = np.array([10.0, 20, 40, 80, 160])
HORIZONS = {"2x": 320.0, "4x": 640.0, "8x": 1280.0}
#: how far beyond its fitted part a curve's later points reach when priors are learned from it
LEARN_HORIZON = HORIZONS["8x"] / FIT_N[-1]
PROB = 0.9
#: fixed ``discrepancy`` settings of ``ScalingFit.forecast`` scored beside the learned one (the default)
DISCREPANCIES = (0.1,)


# -- curves -------------------------------------------------------------------------------------
def _noisy(mu, sigma, rng):
    return mu * np.exp(rng.normal(0.0, sigma, np.shape(mu)))


def well_specified(law: str, count: int, rng) -> list[dict]:
    out = []
    n_all = np.concatenate([FIT_N, list(HORIZONS.values())])
    u = np.log(n_all) - np.log(FIT_N).mean()
    for _ in range(count):
        p = {"y_ref": rng.uniform(1, 300), "slope": rng.uniform(0.15, 0.7), "floor_frac": rng.uniform(0.2, 0.8),
             "c": rng.uniform(0.3, 1.0)}
        mu = np.exp(bs.get_law(law).log_curve(u, p))
        out.append({"mu": mu, "sigma": 0.02})
    return out


def broken_power(count: int, rng) -> list[dict]:
    out = []
    n_all = np.concatenate([FIT_N, list(HORIZONS.values())])
    for _ in range(count):
        a1, a2 = rng.uniform(0.3, 0.7), rng.uniform(0.05, 0.25)
        nb = np.exp(rng.uniform(np.log(40), np.log(640)))  # the bend inside or beyond the data
        mu = 100 * np.where(n_all < nb, (n_all / nb) ** -a1, (n_all / nb) ** -a2)
        out.append({"mu": mu, "sigma": 0.02})
    return out


def logistic(count: int, rng) -> list[dict]:
    out = []
    n_all = np.concatenate([FIT_N, list(HORIZONS.values())])
    for _ in range(count):
        floor, top = rng.uniform(5, 30), 100.0
        k, d = np.exp(rng.uniform(np.log(20), np.log(300))), rng.uniform(0.8, 2.0)
        mu = floor + (top - floor) / (1 + (n_all / k) ** d)
        out.append({"mu": mu, "sigma": 0.02})
    return out


def outliers(count: int, rng) -> list[dict]:
    out = well_specified("saturation", count, rng)
    for c in out:
        c["burst"] = int(rng.integers(1, FIT_N.size))  # one fitted point 4 sigma off
    return out


def digits_curves(repeats: int = 8) -> list[dict]:
    from sklearn.datasets import load_digits
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    test, pool = order[:450], order[450:]
    models = {
        "logistic": lambda: LogisticRegression(max_iter=2000),
        "knn3": lambda: KNeighborsClassifier(3),
        "naive_bayes": lambda: GaussianNB(),
        "tree": lambda: DecisionTreeClassifier(random_state=0),
        "forest": lambda: RandomForestClassifier(60, random_state=0),
        "svc": lambda: SVC(random_state=0),  # no probabilities: error rate only
    }
    n_all = np.concatenate([FIT_N, list(HORIZONS.values())]).astype(int)
    curves = []
    for name, make in models.items():
        err, loss = np.zeros(n_all.size), np.zeros(n_all.size)
        for j, m in enumerate(n_all):
            for r in range(repeats):
                idx = np.random.default_rng([r, m]).choice(pool, m, replace=False)
                while np.unique(y[idx]).size < 2:
                    idx = np.random.default_rng([r, m, 1]).choice(pool, m, replace=False)
                model = make().fit(x[idx], y[idx])
                err[j] += np.mean(model.predict(x[test]) != y[test]) / repeats
                if hasattr(model, "predict_proba"):
                    proba = np.full((test.size, 10), 1e-3)
                    proba[:, model.classes_] += model.predict_proba(x[test])
                    proba /= proba.sum(axis=1, keepdims=True)
                    loss[j] += log_loss(y[test], proba, labels=np.arange(10)) / repeats
                else:
                    loss[j] = np.nan
        for metric, values in (("error", err), ("logloss", loss)):
            if np.isfinite(values).all() and (values > 0).all():
                curves.append({"mu": values, "sigma": 0.0, "name": f"{name}/{metric}"})
    return curves


def _ngram_ppl(train: str, test: str, order: int, alpha: float, vocab: int) -> float:
    """Per-character perplexity of a Lidstone-smoothed character n-gram model."""
    from collections import Counter

    ctx = Counter(train[i : i + order - 1] for i in range(len(train) - order + 2)) if order > 1 else None
    full = Counter(train[i : i + order] for i in range(len(train) - order + 1))
    total = len(train)
    logp = 0.0
    for i in range(order - 1, len(test)):
        gram = test[i - order + 1 : i + 1]
        denom = ctx[gram[:-1]] if ctx is not None else total
        logp += np.log((full[gram] + alpha) / (denom + alpha * vocab))
    return float(np.exp(-logp / (len(test) - order + 1)))


def text_curves() -> list[dict]:
    """Character n-gram language models (orders 2-5, two smoothing strengths) trained on growing
    prefixes of two texts that ship with Python: the English reference documentation of
    ``pydoc_data.topics`` and the source of the standard library's top-level modules. The metric is
    held-out per-character perplexity; training sizes double from 2k (text) or 4k (code) characters."""
    import sysconfig
    from pathlib import Path
    from pydoc_data.topics import topics

    # documents in a fixed random order, so that training prefixes and the held-out tail come from
    # the same mix of topics / modules
    rng = np.random.default_rng(7)
    docs = [topics[k] for k in sorted(topics)]
    english = " ".join(docs[i] for i in rng.permutation(len(docs)))
    files = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    source = "".join(f.read_text(errors="replace") for f in files)[:1_200_000]
    blocks = [source[i : i + 2000] for i in range(0, len(source), 2000)]  # modules differ a lot: mix them
    code = "".join(blocks[i] for i in rng.permutation(len(blocks)))
    curves = []
    for name, text, start in (("english", english, 2000), ("python", code, 4000)):
        test, pool = text[-60_000:], text[:-60_000]
        vocab = len(set(text))
        sizes = [start * 2**k for k in range(8)]
        for order in (2, 3, 4, 5):
            for alpha in (0.01, 0.1):
                ppl = np.array([_ngram_ppl(pool[:m], test, order, alpha, vocab) for m in sizes])
                curves.append({"mu": ppl, "sigma": 0.0, "name": f"{name}/order{order}/alpha{alpha}",
                               "n": np.array(sizes, dtype=float)})
    return curves


def lcdb_curves() -> list[dict]:
    """The LCDB 1.0 extract: fitted on each curve's first five doublings, forecast the last three."""
    from pathlib import Path

    table = pd.read_csv(Path(__file__).with_name("data") / "lcdb_error_curves.csv")
    return [{"mu": c["error"].to_numpy(), "n": c["n"].to_numpy(dtype=float), "sigma": 0.0,
             "name": f"{c['dataset'].iloc[0]}/{c['learner'].iloc[0]}"}
            for _, c in table.groupby("openmlid", sort=True)]


#: the ten shapes of the twenty seed-like curves; ``seedlike_lm_curves.csv`` also holds five larger ones
SEEDLIKE_SHAPES = ("d64-l2", "d96-l3", "d128-l2", "d192-l3", "d256-l4", "d48-l2", "d80-l3", "d160-l2", "d288-l3",
                   "d320-l4")


def seedlike_curves(larger: bool = False) -> list[dict]:
    """Twenty curves like the seed experiment's (``benchmarks/data/seedlike_lm_curves.csv``, made on a GPU by
    ``benchmarks/train_lm_curves.py``): small byte-level transformers (ten shapes) trained separately on
    16 KiB to 2 MiB of Python source or English documentation, best held-out loss per byte. Fitted on the
    first five sizes, forecast at the last three (2x, 4x, 8x). ``larger=True``: the ten curves of the five
    larger shapes (7M to 30M parameters) in the same file instead."""
    from pathlib import Path

    table = pd.read_csv(Path(__file__).with_name("data") / "seedlike_lm_curves.csv", comment="#")
    table = table[table["model"].isin(SEEDLIKE_SHAPES) != larger]
    return [{"mu": c["val_loss"].to_numpy(), "n": c["n_bytes"].to_numpy(dtype=float), "sigma": 0.0, "name": name}
            for name, c in table.groupby("curve", sort=True)]


def lm_curves() -> list[dict]:
    """The 49 real language-model validation-loss curves of ``../shared/data/lm_dev_curves.csv``
    (datablations and OLMo training trajectories; its README says what they are). Each is fitted on
    its points up to 1/8 of its largest x and forecast at 2x, 4x and 8x the largest fitted x, where the
    measured value is the trajectory's log y interpolated in log x between its two nearest checkpoints.
    The points of one trajectory are checkpoints of one run, not independent runs."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "lm_dev_curves.csv"
    if not path.is_file():
        print(f"({path} not found: the language-model domain is skipped)")
        return []
    table = pd.read_csv(path)
    out = []
    for name, c in table.groupby("curve", sort=True):
        c = c.groupby("x", as_index=False)["y"].mean().sort_values("x")
        x, y = c["x"].to_numpy(float), c["y"].to_numpy(float)
        top = x.max() / 8
        fit = x <= top
        last = x[fit].max()
        new_n = last * np.array([2.0, 4.0, 8.0])
        new_y = np.exp(np.interp(np.log(new_n), np.log(x), np.log(y)))
        out.append({"name": name, "kind": "trajectory", "fit_n": x[fit], "fit_y": y[fit], "new_n": new_n,
                    "new_y": new_y, "all_n": x, "all_y": y})
    return out


def _learned(curves: list[dict], name: str, kind: str | None = None):
    """Priors learned as the presets are (``benchmarks/make_presets.py``): from the whole curves, each fitted
    as its kind (``kind``, else each curve's own: the trajectories as trajectories, every other curve as
    separately trained runs) on its points up to 1/8 of its largest n and scored on the rest
    (``horizon=8``)."""
    train = [pd.DataFrame({"n": c["all_n"], "y": c["all_y"]}) if "all_n" in c else
             pd.DataFrame({"n": c["n"], "y": c["mu"]}) for c in curves]
    kinds = kind or [c.get("kind", "runs") for c in curves]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DataWarning)
        return bs.learn_priors(train, name=name, horizon=LEARN_HORIZON, holdout=0, random_seed=1, kind=kinds)


def held_out_family_priors(curves: list[dict]):
    """Language-model priors learned with ``bs.learn_priors`` as the ``lm`` preset is (trajectories and the
    separately trained small LMs) but without the curve's own family of trajectories (datablations for the
    OLMo curves and the reverse): a check of the preset on curves it never saw."""
    others = seedlike_curves()
    families = sorted({c["name"].split(":")[0] for c in curves})
    learned = {fam: _learned([c for c in curves if not c["name"].startswith(fam)] + others, f"lm without {fam}")
               for fam in families}
    return lambda c: learned[c["name"].split(":")[0]]


def held_out_half_priors(curves: list[dict], others: list[dict] = (), label: str = "the other half"):
    """Priors learned with ``bs.learn_priors`` on the other half of the curves (split by position in the
    sorted list, alternating: the LCDB curves sorted by OpenML id), with ``others`` (the rest of the
    preset's corpus) added: the held-out check of a preset learned from this domain."""
    halves = {h: _learned(list(curves[1 - h::2]) + list(others), f"learned on {label} ({1 - h})") for h in (0, 1)}
    index = {c["name"]: i % 2 for i, c in enumerate(curves)}
    return lambda c: halves[index[c["name"]]]


def thinned(n: np.ndarray, per_doubling: int = 4) -> np.ndarray:
    """A mask keeping at most ``per_doubling`` checkpoints per doubling of n (the last one of each
    ``log2(n) * per_doubling`` cell, and always the largest n): a dense trajectory seen as few points."""
    cell = np.floor(np.log2(n / n.min()) * per_doubling + 1e-9)
    keep = np.r_[cell[1:] != cell[:-1], True]
    return keep


# -- methods ------------------------------------------------------------------------------------
class StackingFit(ScalingFit):
    """The averaged forecast with leave-one-out stacking weights (the package's default before
    the leave-future-out forecast weights), for comparison."""

    def weights(self, kind: str = "stacking") -> dict[str, float]:
        return super().weights("stacking")


def bootstrap_baseline(n, y, new_n, rng, reps: int = 200) -> np.ndarray:
    """Least-squares saturation fit on log y and a residual bootstrap: draws of a new measurement."""
    law = bs.get_law("saturation")
    data = ScalingData.from_arrays(n, y)
    starts = [{"y_ref": float(np.exp(data.log_y_center)), "slope": s, "floor_frac": f}
              for s in (0.2, 0.5) for f in (0.2, 0.5, 0.8)]
    ml = criteria.max_likelihood(law, data, starts)
    p = {k: ml.params[k] for k in ("y_ref", "slope", "floor_frac")}
    fitted = law.log_curve(data.u, p)
    resid = data.log_y - fitted
    resid = resid - resid.mean()
    draws = []
    for _ in range(reps):
        yb = np.exp(fitted + rng.choice(resid, resid.size))
        db = ScalingData.from_arrays(n, yb)
        mb = criteria.max_likelihood(law, db, [p | {"y_ref": float(np.exp(db.log_y_center))}])
        pb = {k: mb.params[k] for k in ("y_ref", "slope", "floor_frac")}
        draws.append(law.log_curve(db.to_u(new_n), pb) + rng.choice(resid, len(new_n)))
    return np.exp(np.array(draws))


def split(c: dict, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A curve's fitted points and its later measurements: ``fit_n, fit_y, new_n, new_y``. A real curve
    gives them; a simulated one is measured here, with its noise (and its outlier burst)."""
    if "fit_n" in c:
        return c["fit_n"], c["fit_y"], c["new_n"], c["new_y"]
    n_all = c.get("n", np.concatenate([FIT_N, list(HORIZONS.values())]))
    fit_n, new_n = n_all[: FIT_N.size], n_all[FIT_N.size:]
    y_fit = _noisy(c["mu"][: FIT_N.size], c["sigma"], rng)
    if "burst" in c:
        y_fit[c["burst"]] *= np.exp(4 * c["sigma"] * rng.choice([-1, 1]))
    return fit_n, y_fit, new_n, _noisy(c["mu"][FIT_N.size:], c["sigma"], rng)


def score(curves: list[dict], rng, label: str, presets: dict | None = None) -> pd.DataFrame:
    """``presets``: method name -> function of a curve giving the priors to fit it with (a preset, or one
    learned without the curve's family); each adds the averaged forecast under those priors."""
    rows = []
    for c in curves:
        fit_n, y_fit, new_n, actual = split(c, rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full = bs.fit(pd.DataFrame({"n": fit_n, "y": y_fit}), random_seed=int(rng.integers(1 << 30)),
                          laws=[*bs.laws.default_laws(), "mmf"])
            # the default laws alone: the same posteriors, weights among them
            fit = ScalingFit(full.data, {k: full.fits[k] for k in bs.laws.default_laws()}, full.seed, full.options)
            fc = fit.forecast(new_n, PROB, law="all")
            methods = {law: g for law, g in fc.groupby("law", sort=False)}
            methods["averaged, laws alone"] = fit.forecast(new_n, PROB, discrepancy=0)
            stacked = StackingFit(fit.data, fit.fits, fit.seed, fit.options)
            methods["averaged, LOO stacking weights, laws alone"] = stacked.forecast(new_n, PROB, discrepancy=0)
            methods["mmf"] = full.forecast(new_n, PROB, law="mmf")
            methods["averaged with mmf"] = full.forecast(new_n, PROB)
            for kappa in DISCREPANCIES:
                methods[f"averaged, discrepancy {kappa:g}"] = fit.forecast(new_n, PROB, discrepancy=kappa)
            # the curve behind the budget answers (samples_needed, decision_summary): no noise, never below
            # a floor; a claim "at or below t at n with probability p" holds when the measurement is at or
            # below t
            for name, d in (("budget curve, averaged", "learned"), ("budget curve, laws alone", 0)):
                methods[name] = fit.decision_summary(1.0, new_n, PROB, discrepancy=d)
            if "fit_n" in c and thinned(fit_n).sum() < fit_n.size:  # dense: the same fit on few checkpoints
                keep = thinned(fit_n)
                sparse = bs.fit(pd.DataFrame({"n": fit_n[keep], "y": y_fit[keep]}), random_seed=full.seed)
                methods["averaged, checkpoints thinned to 4 per doubling"] = sparse.forecast(new_n, PROB)
            for method, priors_for in (presets or {}).items():
                with_preset = bs.fit(pd.DataFrame({"n": fit_n, "y": y_fit}), random_seed=full.seed,
                                     priors=priors_for(c), kind=c.get("kind"))  # a trajectory's: tempered
                methods[method] = with_preset.forecast(new_n, PROB)
            boot = bootstrap_baseline(fit_n, y_fit, new_n, rng)  # resamples may rise: quiet
        q = np.quantile(boot, [(1 - PROB) / 2, 0.5, (1 + PROB) / 2], axis=0)
        methods["ls_bootstrap"] = pd.DataFrame({"lower": q[0], "median": q[1], "upper": q[2]})
        for method, g in methods.items():
            for h, (hname, a) in enumerate(zip(HORIZONS, actual, strict=True)):
                lo, med, hi = (float(g[k].iloc[h]) for k in ("lower", "median", "upper"))
                rows.append({"scenario": label, "curve": c.get("name", ""), "flags": fit.flag_text(),
                             "method": method, "horizon": hname, "covered": lo <= a <= hi,
                             "abs_log_error": abs(np.log(med / a)), "log_width": np.log(hi / lo),
                             "interval_score": interval_score(np.log(lo), np.log(hi), np.log(a), PROB),
                             "log_lower": np.log(lo), "log_median": np.log(med), "log_upper": np.log(hi),
                             "log_actual": np.log(a), "below_upper": a <= hi, "below_median": a <= med})
    return pd.DataFrame(rows)


def rescaling_factor(g: pd.DataFrame, fine: bool = True) -> float:
    """The factor by which the log-intervals would have to be scaled about their medians to minimise the
    pooled interval score of ``g`` (1: exactly as wide as they should be; < 1: too wide); ``fine=False``
    stops at the coarse grid (1.5% steps), for bootstrap intervals."""
    med, lo, hi, a = (g[k].to_numpy()[None, :] for k in ("log_median", "log_lower", "log_upper", "log_actual"))

    def best(grid):
        r = grid[:, None]
        pooled = interval_score(med - r * (med - lo), med + r * (hi - med), a, PROB).mean(axis=1)
        return float(grid[int(np.argmin(pooled))])

    coarse = best(np.exp(np.linspace(np.log(0.05), np.log(20.0), 400)))
    return best(coarse * np.exp(np.linspace(-0.02, 0.02, 81))) if fine else coarse


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    return (table.groupby(["scenario", "method", "horizon"], sort=False)
            .agg(curves=("covered", "size"), coverage=("covered", "mean"),
                 median_abs_log_error=("abs_log_error", "median"), mean_log_width=("log_width", "mean"),
                 interval_score=("interval_score", "mean"), below_upper=("below_upper", "mean"),
                 below_median=("below_median", "mean")))


def _wilson(k: int, m: int, z: float = 1.6449) -> tuple[float, float]:
    p = k / m
    centre = (p + z**2 / (2 * m)) / (1 + z**2 / m)
    half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / (1 + z**2 / m)
    return centre - half, centre + half


def per_domain(table: pd.DataFrame, horizons=tuple(HORIZONS), reps: int = 300) -> pd.DataFrame:
    """Per scenario, method and horizon: coverage (90% Wilson interval), median |log error|, mean log
    width, mean interval score and the rescaling factor, the last three with 90% bootstrap intervals over
    curves (``reps`` resamples; curves of one scenario are resampled together across methods)."""
    rows = []
    for (scenario, method, horizon), g in table[table["horizon"].isin(horizons)].groupby(
            ["scenario", "method", "horizon"], sort=False):
        rng = np.random.default_rng(1)
        m = len(g)
        idx = rng.integers(0, m, (reps, m))
        score_, err = g["interval_score"].to_numpy(), g["abs_log_error"].to_numpy()
        lo, hi = _wilson(int(g["covered"].sum()), m)
        is_ci = np.quantile(score_[idx].mean(axis=1), [0.05, 0.95])
        err_ci = np.quantile(np.median(err[idx], axis=1), [0.05, 0.95])
        r_ci = np.quantile([rescaling_factor(g.iloc[i], fine=False) for i in idx[:100]], [0.05, 0.95])
        rows.append({"scenario": scenario, "method": method, "horizon": horizon, "curves": m,
                     "coverage": g["covered"].mean(), "coverage_90ci": f"{lo:.2f}-{hi:.2f}",
                     "median_abs_log_error": np.median(err), "error_90ci": f"{err_ci[0]:.3f}-{err_ci[1]:.3f}",
                     "mean_log_width": g["log_width"].mean(), "interval_score": score_.mean(),
                     "score_90ci": f"{is_ci[0]:.3f}-{is_ci[1]:.3f}", "rescaling_factor": rescaling_factor(g),
                     "rescaling_90ci": f"{r_ci[0]:.2f}-{r_ci[1]:.2f}"})
    return pd.DataFrame(rows).set_index(["scenario", "method", "horizon"])


def with_uncertainty(table: pd.DataFrame, reps: int = 2000) -> pd.DataFrame:
    """Per method: coverage with its 90% Wilson interval, and the median |log error| and median
    width with 90% bootstrap intervals over curves. With 60-140 curves a coverage of 0.85 is
    uncertain by about +-0.05: a target band is met only if the interval says so. ``error_q90``, the
    90th percentile of |log error|, is the half-width an interval of one fixed width around the
    median forecast would need to cover 90%. ``below_upper`` and ``below_median``: the share of
    measurements at or below the interval's upper end (0.95 for a calibrated forecast: the one-sided
    claim a budget answer makes, "at or below this with probability 0.95") and at or below the
    median (0.5; less means the forecasts were too optimistic)."""
    rng = np.random.default_rng(0)
    rows = {}
    for method, g in table.groupby("method", sort=False):
        k, m = int(g["covered"].sum()), len(g)
        p = k / m
        low, high = _wilson(k, m)
        idx = rng.integers(0, m, (reps, m))
        err = np.quantile(np.median(g["abs_log_error"].to_numpy()[idx], axis=1), [0.05, 0.95])
        wid = np.quantile(np.median(g["log_width"].to_numpy()[idx], axis=1), [0.05, 0.95])
        rows[method] = {"curves": m, "coverage": p, "coverage_90ci": f"{low:.2f}-{high:.2f}",
                        "median_abs_log_error": g["abs_log_error"].median(), "error_90ci": f"{err[0]:.2f}-{err[1]:.2f}",
                        "error_q90": g["abs_log_error"].quantile(0.9),
                        "median_log_width": g["log_width"].median(), "width_90ci": f"{wid[0]:.2f}-{wid[1]:.2f}",
                        "below_upper": g["below_upper"].mean(), "below_median": g["below_median"].mean(),
                        "interval_score": g["interval_score"].mean(), "rescaling_factor": rescaling_factor(g)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    base = out.loc["ls_bootstrap", "median_log_width"] if "ls_bootstrap" in out.index else np.nan
    return out.assign(width_vs_bootstrap=out["median_log_width"] / base)


def by_flag(table: pd.DataFrame, method: str = "averaged", horizon: str = "8x") -> pd.DataFrame:
    """Per domain, ``method``'s forecasts at ``horizon`` split by whether the curve was flagged
    ``accelerating`` when fitted: curves, coverage, median |log error|, interval score and rescaling factor."""
    part = table[(table["method"] == method) & (table["horizon"] == horizon)].copy()
    part["accelerating"] = part["flags"].str.contains("accelerating")
    rows = []
    for (scenario, flagged), g in part.groupby(["scenario", "accelerating"], sort=False):
        rows.append({"scenario": scenario, "accelerating": flagged, "curves": len(g), "coverage": g["covered"].mean(),
                     "median_abs_log_error": g["abs_log_error"].median(), "interval_score": g["interval_score"].mean(),
                     "rescaling_factor": rescaling_factor(g)})
    return pd.DataFrame(rows).set_index(["scenario", "accelerating"]).sort_index(sort_remaining=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--curves", type=int, default=20, help="simulated curves per scenario (default 20)")
    parser.add_argument("--quick", action="store_true", help="5 curves per scenario, no real curves")
    parser.add_argument("--csv", help="also write the per-forecast table to this CSV")
    parser.add_argument("--only", help="run only the scenarios whose name contains this text")
    parser.add_argument("--domains-csv", help="also write the per-domain table (every horizon) to this CSV")
    args = parser.parse_args()
    count = 5 if args.quick else args.curves
    rng = np.random.default_rng(20261122)
    # the simulated curves are drawn in this order whichever scenarios run, so that a scenario's
    # curves do not depend on --only; the real ones are made (or read) only when they run
    scenarios = {f"well specified: {law}": well_specified(law, count, rng)
                 for law in ("power", "saturation", "exp_decay")}
    scenarios |= {"outside: broken power law": broken_power(count, rng), "outside: logistic in log n":
                  logistic(count, rng), "outside: one 4-sigma outlier": outliers(count, rng)}
    if not args.quick:
        scenarios |= {"real: character n-gram LMs on Python's docs and code": text_curves,
                      "real: sklearn digits learning curves": digits_curves,
                      "real: LCDB 1.0 classifier error rates": lcdb_curves,
                      "real: small LMs trained on growing samples (GPU)": seedlike_curves,
                      "real: language-model validation losses (shared/data)": lm_curves}
    seeds = {label: i for i, label in enumerate(scenarios)}  # noise draws of a scenario: its own stream
    if args.only:
        scenarios = {k: v for k, v in scenarios.items() if args.only in k}
    parts = []
    for label, curves in scenarios.items():
        t = time.perf_counter()
        curves = curves() if callable(curves) else curves
        shipped = {name: bs.priors.preset(name) for name in bs.priors.preset_names()}
        presets = {f"averaged, preset {name}": (lambda c, p=p: p) for name, p in shipped.items()}
        if "language-model" in label and curves:
            presets["averaged, lm priors learned on the other family"] = held_out_family_priors(curves)
        if "LCDB" in label:
            presets["averaged, tabular priors learned on the other half"] = held_out_half_priors(curves)
        if "small LMs" in label:
            presets["averaged, lm priors learned on the other half"] = held_out_half_priors(curves, lm_curves())
        parts.append(score(curves, np.random.default_rng([20261122, seeds[label]]), label, presets))
        print(f"{label}: {len(curves)} curves in {time.perf_counter() - t:.0f} s", flush=True)
    table = pd.concat(parts, ignore_index=True)
    if args.csv:
        table.to_csv(args.csv, index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 500, "display.max_columns", 20,
                           "display.precision", 3):
        print(f"\nForecasts 2x/4x/8x beyond the data, {PROB:.0%} intervals of a new measurement\n")
        print(summarize(table))
        print("\nPer domain: interval score on log y (lower is better) and the factor that would scale the "
              "log-intervals about their medians to the best pooled score (1: as wide as they should be)\n")
        domains = per_domain(table)
        print(domains)
        if args.domains_csv:
            domains.to_csv(args.domains_csv)
        groups = {"well specified": table["scenario"].str.startswith("well"),
                  "outside the family (simulated)": table["scenario"].str.startswith("outside"),
                  "real learning curves": table["scenario"].str.startswith("real"),
                  "outside + real": ~table["scenario"].str.startswith("well")}
        for label, mask in groups.items():
            part = table[mask & (table["horizon"] == "8x")]
            if len(part):
                print(f"\n{label}: every such curve together, 8x beyond the data\n")
                print(with_uncertainty(part))
        print("\nThe default (averaged) 8x beyond the data, by the curve's flags (bs.flags.curve_flags): how much "
              "worse forecasts are where a flag was raised\n")
        print(by_flag(table))


if __name__ == "__main__":
    main()
