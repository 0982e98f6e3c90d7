"""The Chinchilla surface: ``L = E + A N^-alpha + B D^-beta`` (Hoffmann et al. 2022, approach 3)."""

from __future__ import annotations

import math

import numpy as np

from ..priors import Parameter, Prior
from .base import FLOOR_FRAC, Y_REF, Law, register

#: the exponent of a scaling surface: LogNormal(log 0.3, 0.5), 95% between 0.11 and 0.8, which holds every
#: published exponent of model or data size for language models fitted with a floor (0.28-0.37 in Hoffmann
#: et al. 2022 and Besiroglu et al. 2024)
EXPONENT = Prior("LogNormal", mu=math.log(0.3), sigma=0.5)
#: the share of the excess over the floor that model size carries at the centre of the data: Beta(2, 2)
SHARE = Parameter("share", Prior("Beta", alpha=2.0, beta=2.0),
                  "share of the excess over the floor that model size carries at (N_ref, D_ref)", domain="unit")


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
