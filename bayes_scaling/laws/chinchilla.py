"""The Chinchilla surface: ``L = E + A N^-alpha + B D^-beta`` (Hoffmann et al. 2022, approach 3)."""

from __future__ import annotations

import math

import numpy as np

from ..priors import Parameter, Prior
from . import _kernels as K
from .base import FLOOR_FRAC, Y_REF, Law, register

#: the exponent of a scaling surface: LogNormal(log 0.3, 0.5), 95% between 0.11 and 0.8, which holds every
#: published exponent of model or data size for language models fitted with a floor (0.28-0.37 in Hoffmann
#: et al. 2022 and Besiroglu et al. 2024)
EXPONENT = Prior("LogNormal", mu=math.log(0.3), sigma=0.5)
#: the share of the excess over the floor that model size carries at the centre of the data: Beta(2, 2)
SHARE = Parameter("share", Prior("Beta", alpha=2.0, beta=2.0),
                  "share of the excess over the floor that model size carries at (N_ref, D_ref)", domain="unit")


@K._jit
def _curve_grad(u, v, th, lm, dlm):
    # mu / y_ref = f + (1 - f) (s exp(-alpha u) + (1 - s) exp(-beta v)); u: log N, v: log D, both centred
    y_ref, f, s, a, b = th[0], th[1], th[2], th[3], th[4]
    for j in range(u.size):
        en = np.exp(-a * u[j])
        ed = np.exp(-b * v[j])
        x = s * en + (1.0 - s) * ed
        m = f + (1.0 - f) * x
        lm[j] = np.log(y_ref) + np.log(m)
        dlm[j, 0] = 1.0 / y_ref
        dlm[j, 1] = (1.0 - x) / m
        dlm[j, 2] = (1.0 - f) * (en - ed) / m
        dlm[j, 3] = -(1.0 - f) * s * u[j] * en / m
        dlm[j, 4] = -(1.0 - f) * (1.0 - s) * v[j] * ed / m


# nutpie's log-density callback (see power.py): the data end with the second input, the data size
def _logp(dim, x_, g_, lp_, ud_):
    x, g, out, ud = K.views_extra(dim, x_, g_, lp_, ud_, 1)
    th, dth, lp = K.prior_part(x, g, ud)
    lm, dlm = K.curve_buffers(ud)
    _curve_grad(K.u_of(ud), K.u_extra(ud, 0), th, lm, dlm)
    return K.likelihood_part(g, out, ud, th, dth, lm, dlm, lp)


@register
class Chinchilla(Law):
    """``L = E + A N^-alpha + B D^-beta``: a floor ``E`` and one power law in each of model size ``N`` and
    data size ``D``.

    Sampled, like the curves, through quantities the data pin down: the level ``y_ref`` at the centre of the
    data (``N_ref``, ``D_ref``: geometric means of the distinct sizes), the floor as a fraction ``floor_frac``
    of it, the ``share`` of the excess that model size carries there, and the exponents. In the user's units
    (:meth:`surface_parameters`): ``E = floor_frac y_ref``, ``A = share (1 - floor_frac) y_ref N_ref^alpha``
    and ``B = (1 - share)(1 - floor_frac) y_ref D_ref^beta``.
    """

    name = "chinchilla"
    title = "Chinchilla"
    formula = "L = E + A N^-alpha + B D^-beta"
    inputs = ("params", "n")
    parameters = (Y_REF, FLOOR_FRAC, SHARE,
                  Parameter("alpha", EXPONENT, "exponent of model size"),
                  Parameter("beta", EXPONENT, "exponent of data size"))
    has_floor = True
    order = 10
    curve_grad = _curve_grad
    logp_source = _logp

    def log_curve(self, u, p, xp=np):
        f, s = p["floor_frac"], p["share"]
        excess = s * xp.exp(-p["alpha"] * u["params"]) + (1 - s) * xp.exp(-p["beta"] * u["n"])
        return xp.log(p["y_ref"]) + xp.log(f + (1 - f) * excess)

    def surface_parameters(self, p, n_ref: float, d_ref: float) -> dict[str, np.ndarray]:
        """The formula's own parameters in the user's units, per draw."""
        f, s, y = (np.asarray(p[k]) for k in ("floor_frac", "share", "y_ref"))
        a, b = np.asarray(p["alpha"]), np.asarray(p["beta"])
        return {"E": f * y, "A": s * (1 - f) * y * n_ref**a, "B": (1 - s) * (1 - f) * y * d_ref**b,
                "alpha": a, "beta": b}
