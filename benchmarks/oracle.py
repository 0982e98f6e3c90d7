"""How well could anyone forecast the calibration benchmark's simulated misfits?

    .venv/bin/python benchmarks/oracle.py

For the two scenarios of ``benchmarks/calibration.py`` whose curves leave the laws' family by
shape (the broken power law, the logistic curve in log n), this forecasts each curve 8x beyond its
five fitted points with the *generator's own distribution* as the prior: 400,000 curves drawn by the
benchmark's own generator, weighted by the likelihood of the five noisy points (2% log-normal noise,
known), and the predictive of a new measurement at 8x from the weighted draws. That is the best a
forecast can do knowing how the curves were made; the package's laws know only that learning curves
fall. It prints the median |log error| of the median forecast and the coverage of the 90% interval
over 300 fresh curves per scenario (measured: 0.063 / 0.89 and 0.103 / 0.90, in about a minute; the
package's averaged forecast: 0.37 and 0.44 on the benchmark's 20 curves each).
"""

from __future__ import annotations

import numpy as np
from calibration import FIT_N, broken_power, logistic

PRIOR_DRAWS = 400_000
CURVES = 300
SIGMA = 0.02


def main() -> None:
    rng = np.random.default_rng(1)
    for name, generate in (("broken power law", broken_power), ("logistic in log n", logistic)):
        prior = np.log(np.array([c["mu"] for c in generate(PRIOR_DRAWS, rng)]))
        truth = np.log(np.array([c["mu"] for c in generate(CURVES, rng)]))
        k = FIT_N.size
        errors, covered = [], []
        for t in truth:
            y = t[:k] + rng.normal(0, SIGMA, k)
            new = t[-1] + rng.normal(0, SIGMA)  # 8x beyond the data
            ll = -0.5 * (((prior[:, :k] - y) / SIGMA) ** 2).sum(axis=1)
            w = np.exp(ll - ll.max())
            draws = prior[rng.choice(PRIOR_DRAWS, 4000, p=w / w.sum()), -1] + rng.normal(0, SIGMA, 4000)
            lo, med, hi = np.quantile(draws, [0.05, 0.5, 0.95])
            errors.append(abs(med - new))
            covered.append(lo <= new <= hi)
        print(f"{name}: median |log error| {np.median(errors):.3f}, 90% coverage {np.mean(covered):.2f} "
              f"({CURVES} curves, the generator's distribution as the prior)")


if __name__ == "__main__":
    main()
