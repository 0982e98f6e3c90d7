"""The registry of learning-curve laws: one module per law.

>>> from bayes_scaling.laws import LAWS
>>> list(LAWS)
['power', 'saturation', 'exp_decay']
"""

from .base import LAWS, Law, Parameter, Prior, _discover, get_law, register

_discover()

__all__ = ["LAWS", "Law", "Parameter", "Prior", "get_law", "register"]
