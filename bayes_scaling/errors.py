"""Exceptions and warnings raised by :mod:`bayes_scaling`."""

from __future__ import annotations

__all__ = ["ArgumentError", "BayesScalingError", "BayesScalingWarning", "ConvergenceWarning", "DataError",
           "DataWarning", "FitError", "LoadError", "LooWarning", "NotFoundError"]


class BayesScalingError(Exception):
    """Base class of every error this package raises on purpose."""


class DataError(BayesScalingError, ValueError):
    """The input table cannot be used; the message names the column, rows and remedy."""


class ArgumentError(BayesScalingError, ValueError):
    """An argument is invalid (probability, sample counts, sampler options); the message says which."""


class NotFoundError(BayesScalingError, KeyError):
    """A law, example or fitted law of that name does not exist; the message lists what does."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class LoadError(BayesScalingError, ValueError):
    """A directory does not hold a readable, intact saved fit; the message names the file."""


class FitError(BayesScalingError, RuntimeError):
    """No law could be fitted at all (each law's reason is in the message)."""


class BayesScalingWarning(UserWarning):
    """Base class of the package's warnings."""


class DataWarning(BayesScalingWarning):
    """The data are valid but unusual (rising metric, duplicated rows); the message says what to check."""


class ConvergenceWarning(BayesScalingWarning):
    """A posterior failed a convergence check (divergences, r_hat, ESS)."""


class LooWarning(BayesScalingWarning):
    """PSIS-LOO is unreliable for some points (Pareto k above the threshold)."""
