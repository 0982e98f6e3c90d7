"""Saturation: ``y = PPL_min + A n^-a`` (a power law that levels off at a floor)."""

from __future__ import annotations

import numpy as np

from . import _kernels as K
from .base import FLOOR_FRAC, SLOPE, Y_REF, Law, Quantity, register


@K._jit
def _curve_grad(u, th, lm, dlm):
    # mu / y_ref = f + (1 - f) exp(-a u), a = slope / (1 - f)
    y_ref, slope, f = th[0], th[1], th[2]
    a = slope / (1.0 - f)
    for j in range(u.size):
        e = np.exp(-a * u[j])
        m = f + (1.0 - f) * e
        lm[j] = np.log(y_ref) + np.log(m)
        dlm[j, 0] = 1.0 / y_ref
        dlm[j, 1] = -u[j] * e / m
        dlm[j, 2] = (1.0 - e - u[j] * e * a) / m


def _logp(dim, x_, g_, lp_, ud_):
    x, g, out, ud = K.views(dim, x_, g_, lp_, ud_)
    th, dth, lp = K.prior_part(x, g, ud)
    lm, dlm = K.curve_buffers(ud)
    _curve_grad(K.u_of(ud), th, lm, dlm)
    return K.likelihood_part(g, out, ud, th, dth, lm, dlm, lp)


@register
class Saturation(Law):
    """``y = PPL_min + A n^-a``: a power-law excess over a floor ``PPL_min``.

    Sampled through quantities the data pin down well: the curve level ``y_ref`` and
    local slope ``slope`` at ``n_ref``, and the floor as a fraction ``floor_frac`` of
    ``y_ref``. Then ``floor = floor_frac * y_ref``, ``a = slope / (1 - floor_frac)``
    and ``A = (y_ref - floor) n_ref^a``.
    """

    name = "saturation"
    title = "Saturation"
    formula = "y = PPL_min + A n^-a"
    parameters = (Y_REF, SLOPE, FLOOR_FRAC)
    has_floor = True
    order = 1
    default = True
    prior_prob = 0.65  # docs/priors.md: chosen by the interval score 8x out on real curves
    curve_grad = _curve_grad
    logp_source = _logp

    def log_curve(self, u, p, xp=np):
        f = p["floor_frac"]
        a = p["slope"] / (1 - f)
        return xp.log(p["y_ref"]) + xp.log(f + (1 - f) * xp.exp(-a * u))

    @property
    def quantities(self):
        a = Quantity("a", "slope", lambda p, xp: p["slope"] / (1 - p["floor_frac"]), "the exponent a of A n^-a")
        return {**super().quantities, "a": a}

    def derived(self, p, n_ref):
        f, y_ref = np.asarray(p["floor_frac"]), np.asarray(p["y_ref"])
        a = np.asarray(p["slope"]) / (1 - f)
        return {"floor": f * y_ref, "a": a, "A": (1 - f) * y_ref * n_ref**a}
