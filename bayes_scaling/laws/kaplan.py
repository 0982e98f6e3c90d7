"""The Kaplan surface with a floor: ``L = E + [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D`` (Kaplan et al. 2020)."""

from __future__ import annotations

import numpy as np

from ..priors import Parameter
from . import _kernels as K
from .base import FLOOR_FRAC, Y_REF, Law, register
from .chinchilla import EXPONENT, SHARE


@K._jit
def _curve_grad(u, v, th, lm, dlm):
    # mu / y_ref = f + (1 - f) I^ad, I = s exp(-(an/ad) u) + (1 - s) exp(-v); u: log N, v: log D, centred
    y_ref, f, s, an, ad = th[0], th[1], th[2], th[3], th[4]
    r = an / ad
    for j in range(u.size):
        en = np.exp(-r * u[j])
        ed = np.exp(-v[j])
        inner = s * en + (1.0 - s) * ed
        li = np.log(inner)
        p = np.exp(ad * li)
        m = f + (1.0 - f) * p
        lm[j] = np.log(y_ref) + np.log(m)
        dlm[j, 0] = 1.0 / y_ref
        dlm[j, 1] = (1.0 - p) / m
        dlm[j, 2] = (1.0 - f) * ad * p / inner * (en - ed) / m
        dlm[j, 3] = -(1.0 - f) * p / inner * s * en * u[j] / m
        dlm[j, 4] = (1.0 - f) * (p * li + p / inner * s * en * u[j] * r) / m


# nutpie's log-density callback (see power.py): the data end with the second input, the data size
def _logp(dim, x_, g_, lp_, ud_):
    x, g, out, ud = K.views_extra(dim, x_, g_, lp_, ud_, 1)
    th, dth, lp = K.prior_part(x, g, ud)
    lm, dlm = K.curve_buffers(ud)
    _curve_grad(K.u_of(ud), K.u_extra(ud, 0), th, lm, dlm)
    return K.likelihood_part(g, out, ud, th, dth, lm, dlm, lp)


@register
class Kaplan(Law):
    """``L = E + [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D``: Kaplan et al. 2020's ``L(N, D)`` (their
    equation 1.5) over a floor ``E``. Unlike the Chinchilla form, the two sizes interact: the data term
    matters more for a large model.

    Sampled like :class:`~bayes_scaling.laws.chinchilla.Chinchilla`: ``y_ref``, ``floor_frac`` and, inside
    the bracket at the centre of the data, the ``share`` of model size; then the exponents. In the user's
    units: ``E = floor_frac y_ref``, ``N_c = N_ref (share K)^(alpha_D/alpha_N)`` and
    ``D_c = D_ref (1 - share) K``, with ``K = ((1 - floor_frac) y_ref)^(1/alpha_D)``.
    """

    name = "kaplan"
    title = "Kaplan"
    formula = "L = E + [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D"
    inputs = ("params", "n")
    parameters = (Y_REF, FLOOR_FRAC, SHARE,
                  Parameter("alpha_n", EXPONENT, "exponent of model size"),
                  Parameter("alpha_d", EXPONENT, "exponent of data size"))
    has_floor = True
    order = 11
    curve_grad = _curve_grad
    logp_source = _logp

    def log_curve(self, u, p, xp=np):
        f, s, a_n, a_d = p["floor_frac"], p["share"], p["alpha_n"], p["alpha_d"]
        inner = s * xp.exp(-(a_n / a_d) * u["params"]) + (1 - s) * xp.exp(-u["n"])
        return xp.log(p["y_ref"]) + xp.log(f + (1 - f) * xp.exp(a_d * xp.log(inner)))

    def surface_parameters(self, p, n_ref: float, d_ref: float) -> dict[str, np.ndarray]:
        """The formula's own parameters in the user's units, per draw."""
        f, s, y = (np.asarray(p[k]) for k in ("floor_frac", "share", "y_ref"))
        a_n, a_d = np.asarray(p["alpha_n"]), np.asarray(p["alpha_d"])
        k = ((1 - f) * y) ** (1 / a_d)
        return {"E": f * y, "N_c": n_ref * (s * k) ** (a_d / a_n), "D_c": d_ref * (1 - s) * k,
                "alpha_n": a_n, "alpha_d": a_d}
