"""Built-in example tables."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from ..errors import NotFoundError

__all__ = ["EXAMPLES", "load_example"]

EXAMPLES = {
    "two_block": (
        "two_block.csv",
        "2-block (p=0) language model: validation perplexity against training samples and tokens "
        "(seed note 002, 2025-12-03).",
    ),
    "simulated_configs": (
        "simulated_configs.csv",
        "SIMULATED 2-block and 3-block curves (column blocks) with known floors 95 and 85, for the grouped "
        "examples: not measurements.",
    ),
}


def load_example(name: str = "two_block") -> pd.DataFrame:
    """Return a built-in example table as a new DataFrame.

    Parameters
    ----------
    name : str
        One of ``EXAMPLES``; ``"two_block"`` is the seed table with columns
        ``samples, tokens, val_ppl, val_acc, er``.

    Examples
    --------
    >>> import bayes_scaling as bs
    >>> bs.load_example("two_block")["val_ppl"].tolist()
    [258.3, 187.6, 150.5, 127.4, 114.8]
    """
    if name not in EXAMPLES:
        raise NotFoundError(f"unknown example {name!r}; available: {', '.join(sorted(EXAMPLES))}")
    path = resources.files(__name__) / EXAMPLES[name][0]
    with resources.as_file(path) as p:
        return pd.read_csv(p, comment="#")
