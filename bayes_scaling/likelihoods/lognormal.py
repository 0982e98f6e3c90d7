"""Log-normal: ``log y ~ Normal(log mu(n), sigma)``, the default likelihood.

Relative noise of ``y``, the same in any units. It is the one likelihood with every capability: with the
default prior ``sigma^2 ~ InverseGamma(1, 0.02^2 log 2)`` the noise is integrated out exactly while
sampling and drawn afterwards (``bayes_scaling.laws._kernels``), the numba kernels of the built-in laws
implement it, and a dense training log is binned into sufficient statistics (count, mean and spread of log
y per bin) without changing its likelihood. Maximum likelihood profiles ``sigma`` out, which makes it least
squares on ``log y``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .base import Likelihood, MaximumLikelihood, from_z, register_likelihood, to_z

LOG_2PI = math.log(2 * math.pi)


@register_likelihood
class LogNormal(Likelihood):
    """``log y ~ Normal(log mu, sigma)``."""

    name = "lognormal"
    title = "Log-normal"
    formula = "log y ~ Normal(log mu(n), sigma)"
    parameters = ()
    conjugate = True
    kernel = True
    binning = True

    def log_density(self, r, sigma, p, xp=np):
        z = r / sigma
        return -0.5 * z**2 - xp.log(sigma) - 0.5 * LOG_2PI

    def pointwise(self, log_y, log_mu, sigma, p, rows=None):
        if rows is not None and rows.weighted:  # a bin's density: all the measurements it stands for, tempered
            w, ss, dof = rows.weight, rows.within_ss, rows.row_dof
            return -0.5 * dof * np.log(2 * np.pi * sigma**2) - 0.5 * (w * (log_y - log_mu) ** 2 + ss) / sigma**2 \
                - w * log_y
        return self.logpdf(log_y, log_mu, sigma, p)

    def pymc_log_lik(self, log_y, log_mu, sigma, p, row_weight=None, within_ss=None, n_eff=None,
                     jacobian: bool = True):
        """The normal log-likelihood of log y for rows that stand for ``row_weight`` measurements each (with
        ``within_ss`` and ``n_eff`` as in :func:`bayes_scaling.data.bin_dense`; for plain rows, weight 1, 0
        and the row count: the sum of the rows' normal log densities). NumPy or PyTensor inputs alike."""
        import pytensor.tensor as pt

        row_weight = 1.0 if row_weight is None else row_weight
        within_ss = 0.0 if within_ss is None else within_ss
        n_eff = pt.sum(pt.ones_like(log_y)) if n_eff is None else n_eff
        rss = pt.sum(row_weight * (log_y - log_mu) ** 2) + within_ss
        out = -0.5 * n_eff * pt.log(2 * math.pi * sigma**2) - 0.5 * rss / sigma**2
        return out - pt.sum(row_weight * log_y) if jacobian else out

    def standard_noise(self, p, rng, size):
        return rng.standard_normal(size)

    def max_likelihood(self, law, data, starts, max_nfev: int = 300) -> MaximumLikelihood:
        """Maximise the log-normal likelihood of ``law`` on ``data`` (``sigma`` profiled out).

        Profiling sigma turns this into least squares on log y. Each start (e.g. the best posterior draws)
        seeds a trust-region least-squares run on the unconstrained scale, with the exact Jacobian from the
        law's gradient kernel where it has one (else finite differences of the law's ``log_curve``).
        """
        from scipy.optimize import least_squares

        u, ly = law.curve_inputs(data), data.log_y
        n = data.n_obs
        # binned data: each bin's mean counts as many times as it has measurements (tempered ones: fewer)
        root_w = np.sqrt(data.weight)
        k = len(law.parameters)
        names = [p.name for p in law.parameters]
        # a numba dispatcher (not bound to the instance); kernels exist for laws of the sample count alone
        curve_grad = type(law).curve_grad if law.single_input else None
        lm = np.empty(n)
        dlm = np.empty((n, k))

        def log_curve(th):
            if curve_grad is not None:
                curve_grad(u, th, lm, dlm)
                return lm
            return np.asarray(law.log_curve(u, dict(zip(names, th, strict=True))), dtype=float)

        def residuals(z):
            r = ly - log_curve(from_z(law.parameters, z)[0])
            r = r * root_w if data.weighted else r
            return np.where(np.isfinite(r), r, 1e150)

        def jacobian(z):
            th, dth = from_z(law.parameters, z)
            curve_grad(u, th, lm, dlm)
            j = -dlm * dth[None, :]
            j = j * root_w[:, None] if data.weighted else j
            return np.where(np.isfinite(j), j, 0.0)

        # MINPACK's Levenberg-Marquardt (4x faster here, same optima) needs residuals >= parameters
        method = "lm" if n >= k else "trf"
        best = None
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=RuntimeWarning)  # overflow of exp at far-out trial steps
            for start in starts:
                res = least_squares(residuals, to_z(law.parameters, start),
                                    jac=jacobian if curve_grad is not None else "2-point", method=method,
                                    x_scale="jac", xtol=1e-10, ftol=1e-12, gtol=1e-10, max_nfev=max_nfev)
                if best is None or res.cost < best.cost:
                    best = res
        rss = max(2.0 * float(best.cost) + float(data.within_ss.sum()), 1e-300)
        n = float(data.row_dof.sum()) if data.weighted else n  # the noise's degrees of freedom
        sigma2 = rss / n
        log_lik = -0.5 * n * (math.log(2 * math.pi * sigma2) + 1.0) - float((data.weight * ly).sum())
        th, _ = from_z(law.parameters, best.x)
        params = {name: float(v) for name, v in zip(names, th, strict=True)}
        params["sigma"] = math.sqrt(sigma2)
        return MaximumLikelihood(params=params, log_lik=log_lik, rss_log=rss, k=law.n_params, n=round(n),
                                 converged=bool(best.status > 0))
