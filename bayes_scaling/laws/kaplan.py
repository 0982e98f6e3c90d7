"""The Kaplan surface with a floor: ``L = E + [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D`` (Kaplan et al. 2020)."""

from __future__ import annotations

import numpy as np

from ..priors import Parameter
from .base import FLOOR_FRAC, Y_REF, Law, register
from .chinchilla import EXPONENT, SHARE


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
