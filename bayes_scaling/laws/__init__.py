"""The registry of laws: one module per law. Laws of the sample count alone are learning curves; the
surface laws (``chinchilla``, ``kaplan``) take model size as well (:func:`bayes_scaling.fit_surface`).

>>> from bayes_scaling.laws import LAWS, default_laws
>>> list(LAWS)
['power', 'saturation', 'exp_decay', 'mmf', 'broken_power', 'chinchilla', 'kaplan']
>>> default_laws()  # what fit() uses when no laws are named
['power', 'saturation', 'exp_decay']
"""

from .base import FLOOR_FRAC, LAWS, NOISE, SLOPE, Y_REF, Law, Parameter, Quantity, default_laws, get_law, register

get_law("power")  # imports every law module of this package (a new law is one new file)

__all__ = ["FLOOR_FRAC", "LAWS", "NOISE", "SLOPE", "Y_REF", "Law", "Parameter", "Quantity", "default_laws",
           "get_law", "register"]
