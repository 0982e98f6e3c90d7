"""MMF (Morgan-Mercer-Flodin): ``y = PPL_min + (y_0 - PPL_min) / (1 + (n / k)^d)``.

A logistic curve in log n: a plateau at small n (``y_0``, e.g. chance level), a power-law
descent, and a floor. Learning-curve research uses it (Mohr & van Rijn's learning-curve
database; Domhan et al. 2015) for curves whose early points are still near the plateau, the
shape the other laws cannot bend into. Not in the default set (opt in with
``laws=[..., "mmf"]``): ``benchmarks/calibration.py`` measures what it changes.
"""

from __future__ import annotations

import numpy as np

from . import _kernels as K
from .base import FLOOR_FRAC, SLOPE, Y_REF, Law, Parameter, Prior, register

#: where n_ref sits on the logistic: p -> 1 is the power-law regime (the saturation law's limit),
#: p -> 0 the plateau before the descent
POSITION = Parameter("p", Prior("Beta", alpha=1.5, beta=1.5),
                     "position of n_ref on the descent (0: plateau, 1: power law)", domain="unit")


@K._jit
def _curve_grad(u, th, lm, dlm):
    # mu / y_ref = f + (1 - f) g,  g = (1 + r) / (1 + r e^{d u}),  r = p / (1 - p),  d = slope / ((1 - f) p)
    y_ref, slope, f, p = th[0], th[1], th[2], th[3]
    r = p / (1.0 - p)
    d = slope / ((1.0 - f) * p)
    for j in range(u.size):
        t = d * u[j]
        w = t + np.log(r)
        inv = np.exp(-np.logaddexp(0.0, w))  # 1 / (1 + r e^t)
        sig = 1.0 - inv  # r e^t / (1 + r e^t)
        g = (1.0 + r) * inv
        # (1 - e^t) / (1 + r e^t), stable for large |t|
        if t > 0.0:
            h = np.expm1(-t) / (np.exp(-t) + r)
        else:
            h = -np.expm1(t) / (1.0 + r * np.exp(t))
        dg_dd = -g * sig * u[j]
        dg_dr = inv * h
        m = f + (1.0 - f) * g
        lm[j] = np.log(y_ref) + np.log(m)
        dlm[j, 0] = 1.0 / y_ref
        dlm[j, 1] = (1.0 - f) * dg_dd * (d / slope) / m
        dlm[j, 2] = (1.0 - g + (1.0 - f) * dg_dd * d / (1.0 - f)) / m
        dlm[j, 3] = (1.0 - f) * (dg_dd * (-d / p) + dg_dr / (1.0 - p) ** 2) / m


def _logp(dim, x_, g_, lp_, ud_):
    x, g, out, ud = K.views(dim, x_, g_, lp_, ud_)
    th, dth, lp = K.prior_part(x, g, ud)
    lm, dlm = K.curve_buffers(ud)
    _curve_grad(K.u_of(ud), th, lm, dlm)
    return K.likelihood_part(g, out, ud, th, dth, lm, dlm, lp)


@register
class MMF(Law):
    """``y = PPL_min + (y_0 - PPL_min) / (1 + (n/k)^d)``: plateau, descent, floor.

    Sampled through ``y_ref``, ``slope`` and ``floor_frac`` like the other laws, plus ``p``,
    where ``n_ref`` sits on the descent: ``r = p / (1 - p) = (n_ref / k)^d`` and
    ``d = slope / ((1 - floor_frac) p)``. Derived: ``floor``, the plateau ``y_0``, ``d`` and ``k``.
    """

    name = "mmf"
    title = "MMF (logistic in log n)"
    formula = "y = PPL_min + (y_0 - PPL_min) / (1 + (n/k)^d)"
    parameters = (Y_REF, SLOPE, FLOOR_FRAC, POSITION)
    has_floor = True
    order = 3
    min_distinct = 4
    curve_grad = _curve_grad
    logp_source = _logp

    def log_curve(self, u, p, xp=np):
        f, q = p["floor_frac"], p["p"]
        r = q / (1 - q)
        d = p["slope"] / ((1 - f) * q)
        return xp.log(p["y_ref"]) + xp.log(f + (1 - f) * (1 + r) / (1 + r * xp.exp(d * u)))

    def derived(self, p, n_ref):
        f, y_ref, q = np.asarray(p["floor_frac"]), np.asarray(p["y_ref"]), np.asarray(p["p"])
        r = q / (1 - q)
        d = np.asarray(p["slope"]) / ((1 - f) * q)
        return {"floor": f * y_ref, "y_0": y_ref * (f + (1 - f) * (1 + r)), "d": d, "k": n_ref * r ** (-1 / d)}
