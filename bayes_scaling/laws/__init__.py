"""The registry of learning-curve laws: one module per law.

>>> from bayes_scaling.laws import LAWS, default_laws
>>> list(LAWS)
['power', 'saturation', 'exp_decay', 'mmf']
>>> default_laws()  # what fit() uses when no laws are named
['power', 'saturation', 'exp_decay']
"""

from .base import LAWS, Law, Parameter, Prior, _discover, default_laws, get_law, register

_discover()

__all__ = ["LAWS", "Law", "Parameter", "Prior", "default_laws", "get_law", "register"]
