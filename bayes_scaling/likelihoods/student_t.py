"""Student-t on log y: ``log y ~ StudentT(nu, log mu(n), sigma)``, the robust likelihood.

For curves with outliers: a diverged run, a bad evaluation, a checkpoint hit by a loss spike. Its tails
fall as a power of the residual, so one wild point costs a bounded amount of log density and pulls the
curve (and the floor) far less than under the log-normal, whose quadratic penalty makes every point a
lever. As ``nu`` grows it becomes the log-normal.

The prior on the degrees of freedom is ``nu ~ Gamma(2, 0.1)`` (Juárez & Steel 2010, the choice of the Stan
prior recommendations): mode 10, mean 20, 95% between 2.4 and 56, with 9% below 5. A handful of points
cannot learn ``nu``; the prior then keeps moderately heavy tails, which costs little on clean curves
(intervals slightly wider) and lets one wild point be discounted. ``sigma`` keeps the log-normal's prior
(``sigma^2 ~ InverseGamma(1, 0.02^2 log 2)``), now on the scale of the t distribution.

What it does not support, said rather than worked around: the noise is not conjugate (``sigma`` and ``nu``
are sampled with the curve, through the law's PyMC model compiled by nutpie once per process: then 1.6 times
the log-normal's time on the seed table); there are no numba kernels for it; and a dense curve cannot be binned (the t
likelihood of a bin does not follow from its count, mean and spread), so a training log of more than
``bayes_scaling.data.DENSE_ROWS`` rows is refused with advice (thin it, or fit it as log-normal).
AIC/AICc/BIC count ``nu`` as a parameter; its maximum-likelihood search keeps ``nu`` in [1, 1000].
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from scipy.special import gammaln

from ..priors import Parameter, Prior
from .base import Likelihood, register_likelihood

#: the degrees of freedom: Gamma(2, 0.1) (Juárez & Steel 2010): mode 10, mean 20, 95% in 2.4-56
NU = Parameter("nu", Prior("Gamma", alpha=2.0, beta=0.1), "degrees of freedom of the noise of log y")


@register_likelihood
class StudentT(Likelihood):
    """``log y ~ StudentT(nu, log mu, sigma)``."""

    name = "student_t"
    title = "Student-t"
    formula = "log y ~ StudentT(nu, log mu(n), sigma)"
    parameters = (NU,)
    ml_bounds: ClassVar[dict] = {"nu": (1.0, 1000.0)}

    def log_density(self, r, sigma, p, xp=np):
        nu = p["nu"]
        lg = xp.gammaln if hasattr(xp, "gammaln") else gammaln
        z = r / sigma
        return (lg(0.5 * (nu + 1.0)) - lg(0.5 * nu) - 0.5 * xp.log(nu * math.pi) - xp.log(sigma)
                - 0.5 * (nu + 1.0) * xp.log1p(z**2 / nu))

    def standard_noise(self, p, rng, size):
        return rng.standard_t(np.asarray(p["nu"], dtype=float) * np.ones(size))
