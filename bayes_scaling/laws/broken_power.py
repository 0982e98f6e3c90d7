"""Broken power law: a power law over a floor whose exponent changes once, smoothly, at a break.

Caballero, Gupta, Rish & Krueger 2022 ("Broken Neural Scaling Laws") with one break::

    y = PPL_min + b n^-c0 (1 + (n / d)^(1/s))^(-c1 s)

Before the break (n << d) the excess over the floor falls with exponent ``c0``, after it (n >> d) with
``c0 + c1``: ``c1 > 0`` steepens the curve (the pre-asymptotic learning curves of small data, which start
flat and steepen before they bend to a floor), ``c1 < 0`` flattens it. The sharpness is fixed at
``s = 0.5`` in log n: the exponent moves from 27% to 73% of its change within a factor e of the break.
Fitting ``s`` too leaves it unidentified on curves of a few points.

Not in the default set: opt in with ``laws=[..., "broken_power"]``; ``benchmarks/calibration.py`` measures it
on the digits curves and on simulated broken power laws.
"""

from __future__ import annotations

import numpy as np

from . import _kernels as K
from .base import FLOOR_FRAC, SLOPE, Y_REF, Law, Parameter, Prior, register

#: the break's sharpness in log n (the ``s`` of the module docstring)
SHARPNESS = 0.5
#: the change of the excess's exponent across the break: Normal(0, 0.5), 95% within +-1
DELTA = Parameter("delta", Prior("Normal", mu=0.0, sigma=0.5), "change of the exponent across the break (c1)",
                  domain="real")
#: where the break sits, in log n relative to n_ref: Normal(0, 2), so 95% within a factor e^4 (55) either side
BREAK = Parameter("u_break", Prior("Normal", mu=0.0, sigma=2.0), "log(d / n_ref): where the exponent changes",
                  domain="real")


def _softplus(t, xp=np):
    """``log(1 + e^t)`` without overflow, for NumPy and PyTensor alike."""
    return xp.log1p(xp.exp(-xp.abs(t))) + xp.maximum(t, 0.0)


@K._jit
def _curve_grad(u, th, lm, dlm):
    # mu / y_ref = f + (1 - f) exp(L(u)), L(u) = -A u + c1 K(u), A = slope / (1 - f) (the exponent at n_ref),
    # K(u) = u sig(t0) - s (softplus(t) - softplus(t0)), t = (u - ub) / s, t0 = -ub / s
    y_ref, slope, f, c1, ub = th[0], th[1], th[2], th[3], th[4]
    s = SHARPNESS
    g = 1.0 - f
    a = slope / g
    t0 = -ub / s
    sig0 = 1.0 / (1.0 + np.exp(-t0))
    sp0 = np.log1p(np.exp(-abs(t0))) + max(t0, 0.0)
    log_y_ref = np.log(y_ref)
    for j in range(u.size):
        t = (u[j] - ub) / s
        sig = 1.0 / (1.0 + np.exp(-t))
        sp = np.log1p(np.exp(-abs(t))) + max(t, 0.0)
        k = u[j] * sig0 - s * (sp - sp0)
        x = np.exp(-a * u[j] + c1 * k)
        m = f + g * x
        lm[j] = log_y_ref + np.log(m)
        dlm[j, 0] = 1.0 / y_ref
        dlm[j, 1] = -x * u[j] / m
        dlm[j, 2] = (1.0 - x - x * u[j] * a) / m
        dlm[j, 3] = g * x * k / m
        dlm[j, 4] = g * x * c1 * (sig - sig0 - u[j] * sig0 * (1.0 - sig0) / s) / m


def _logp(dim, x_, g_, lp_, ud_):
    x, g, out, ud = K.views(dim, x_, g_, lp_, ud_)
    th, dth, lp = K.prior_part(x, g, ud)
    lm, dlm = K.curve_buffers(ud)
    _curve_grad(K.u_of(ud), th, lm, dlm)
    return K.likelihood_part(g, out, ud, th, dth, lm, dlm, lp)


@register
class BrokenPower(Law):
    """``y = PPL_min + b n^-c0 (1 + (n/d)^(1/s))^(-c1 s)``: a power law over a floor with one smooth break.

    Sampled like the saturation law through ``y_ref``, ``slope`` (the log-log slope at ``n_ref``) and
    ``floor_frac``, plus the change of exponent ``delta`` (``c1``) and the break's place ``u_break`` (log of
    ``d / n_ref``). The exponent of the excess at ``n_ref`` is ``slope / (1 - floor_frac)``; before the break
    it is ``c0``, after it ``c0 + delta``. Derived: ``floor``, ``c0``, ``c_after`` and the break ``d``.
    """

    name = "broken_power"
    title = "Broken power law"
    formula = "y = PPL_min + b n^-c0 (1 + (n/d)^(1/s))^(-c1 s)"
    parameters = (Y_REF, SLOPE, FLOOR_FRAC, DELTA, BREAK)
    has_floor = True
    order = 4
    min_distinct = 4
    curve_grad = _curve_grad
    logp_source = _logp

    def log_curve(self, u, p, xp=np):
        f, c1, ub = p["floor_frac"], p["delta"], p["u_break"]
        s = SHARPNESS
        a = p["slope"] / (1 - f)
        t0 = -ub / s
        k = u / (1 + xp.exp(-t0)) - s * (_softplus((u - ub) / s, xp) - _softplus(t0, xp))
        return xp.log(p["y_ref"]) + xp.log(f + (1 - f) * xp.exp(-a * u + c1 * k))

    def derived(self, p, n_ref):
        f, y_ref = np.asarray(p["floor_frac"]), np.asarray(p["y_ref"])
        c1, ub = np.asarray(p["delta"]), np.asarray(p["u_break"])
        c0 = np.asarray(p["slope"]) / (1 - f) - c1 / (1 + np.exp(ub / SHARPNESS))
        return {"floor": f * y_ref, "c0": c0, "c_after": c0 + c1, "d": n_ref * np.exp(ub)}
