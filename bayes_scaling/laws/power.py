"""Power law: ``y = A n^-a`` (no floor)."""

from __future__ import annotations

import numpy as np

from . import _kernels as K
from .base import SLOPE, Y_REF, Law, Quantity, register


@K._jit
def _curve_grad(u, th, lm, dlm):
    y_ref, slope = th[0], th[1]
    for j in range(u.size):
        lm[j] = np.log(y_ref) - slope * u[j]
        dlm[j, 0] = 1.0 / y_ref
        dlm[j, 1] = -u[j]


# nutpie's log-density callback. Every law file repeats these five lines on purpose: numba
# caches the compiled callback only when it names the law's kernel as a module global.
def _logp(dim, x_, g_, lp_, ud_):
    x, g, out, ud = K.views(dim, x_, g_, lp_, ud_)
    th, dth, lp = K.prior_part(x, g, ud)
    lm, dlm = K.curve_buffers(ud)
    _curve_grad(K.u_of(ud), th, lm, dlm)
    return K.likelihood_part(g, out, ud, th, dth, lm, dlm, lp)


@register
class Power(Law):
    """``y = A n^-a``: a straight line in log-log; keeps falling without bound.

    Sampled as ``log y = log y_ref - slope * log(n / n_ref)``, so ``a = slope`` and
    ``A = y_ref * n_ref^a``.
    """

    name = "power"
    title = "Power law"
    formula = "y = A n^-a"
    parameters = (Y_REF, SLOPE)
    order = 0
    default = True
    prior_prob = 0.05  # the floor-0 limit of saturation, and the worst forecaster on real curves (docs/priors.md)
    curve_grad = _curve_grad
    logp_source = _logp

    def log_curve(self, u, p, xp=np):
        return xp.log(p["y_ref"]) - p["slope"] * u

    @property
    def quantities(self):
        return {"a": Quantity("a", "slope", lambda p, xp: p["slope"], "the exponent a of n^-a")}

    def derived(self, p, n_ref):
        a = np.asarray(p["slope"])
        return {"a": a, "A": np.asarray(p["y_ref"]) * n_ref**a}
