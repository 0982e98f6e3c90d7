"""Likelihoods: the noise model around a law's curve, one file each (:mod:`.lognormal`, :mod:`.student_t`).

A new likelihood is one new file here that subclasses :class:`Likelihood` and registers it, or a class
registered with :func:`register_likelihood` in your own code (``docs/likelihoods.md``).
"""

from .base import (
    LIKELIHOODS,
    Likelihood,
    MaximumLikelihood,
    get_likelihood,
    information_criteria,
    register_likelihood,
)

__all__ = ["LIKELIHOODS", "Likelihood", "MaximumLikelihood", "get_likelihood", "information_criteria",
           "register_likelihood"]
