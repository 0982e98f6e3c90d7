"""bayes_scaling: Bayesian learning-curve and scaling-law analysis.

>>> import bayes_scaling as bs
>>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=0)  # doctest: +SKIP
>>> fit.compare(); fit.ppl_min(); fit.forecast([6400, 12800])                  # doctest: +SKIP
"""

from .data import ScalingData
from .datasets import load_example
from .errors import (
    ArgumentError,
    BayesScalingError,
    BayesScalingWarning,
    ConvergenceWarning,
    DataError,
    DataWarning,
    FitError,
    LoadError,
    LooWarning,
    NotFoundError,
)
from .grouped import GroupedFit
from .laws import LAWS, Law, Parameter, Quantity, get_law, register
from .learning import learn_priors
from .notebook import fit_html as _fit_html
from .priors import Prior, Priors
from .result import ScalingFit
from .surface import SurfaceFit, fit_surface
from .workflow import FitFailure, fit, fit_many, load, save

# a fit as the last line of a notebook cell shows its headline, a compact comparison and its forecast fan
# (the view draws with matplotlib, so it lives above the result classes and is attached here)
ScalingFit._repr_html_ = _fit_html
GroupedFit._repr_html_ = _fit_html

__version__ = "0.3.0"

__all__ = [
    "LAWS",
    "ArgumentError",
    "BayesScalingError",
    "BayesScalingWarning",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "FitError",
    "FitFailure",
    "GroupedFit",
    "Law",
    "LoadError",
    "LooWarning",
    "NotFoundError",
    "Parameter",
    "Prior",
    "Priors",
    "Quantity",
    "ScalingData",
    "ScalingFit",
    "SurfaceFit",
    "__version__",
    "fit",
    "fit_many",
    "fit_surface",
    "get_law",
    "learn_priors",
    "load",
    "load_example",
    "register",
    "save",
]
