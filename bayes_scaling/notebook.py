"""The notebook view of a fit: what a Jupyter cell shows when a fit is its last line.

``ScalingFit._repr_html_`` and ``GroupedFit._repr_html_`` (attached in ``bayes_scaling/__init__.py``: the
view draws a figure, so it sits above the result classes, beside the report) give the report's headline
and grouped warnings, a compact comparison of the laws and a small forecast fan, for the default horizons
(2x, 4x and 8x the largest n). Nothing here is needed to compute anything.
"""

from __future__ import annotations

import base64
import html
import io

from .report import _grouped, _quiet, default_forecast, headline_html, table_html

__all__ = ["fit_html"]

#: the comparison's columns shown in a notebook
COMPARE_COLUMNS = ["rank", "elpd_loo", "se", "forecast_weight", "converged"]
_STYLE = ("<style>.bs-view .headline{background:#f4f8fc;border:1px solid #bcd;padding:0.4em 0.8em;line-height:1.5}"
          ".bs-view .headline p{margin:0.15em 0}.bs-view .warn{color:#633}</style>")


def _sections(fit, prob: float) -> dict:
    """The tables the headline reads (the report's, without the slower checks)."""
    n = default_forecast(fit)
    return {"forecast": ("Forecast", "", fit.forecast(n, prob, law="all")),
            "ppl_min": ("Floor", "", fit.ppl_min(prob)),
            "compare": ("Model comparison", "", _quiet(fit.compare))}


def _figure(fit) -> str:
    import matplotlib.pyplot as plt

    from . import plots

    if _grouped(fit):
        fig, _ = plots.plot_groups(fit)
    else:
        fig, _ = plots.plot_forecast(fit, n_max=1.2 * default_forecast(fit)[-1])
    fig.set_size_inches(5.5, 3.4)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)  # shown once, as the image below, not again by the notebook's inline backend
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f"<img alt='forecast' style='max-width:100%' src='data:image/png;base64,{data}'>"


def fit_html(fit, prob: float = 0.9) -> str:
    """The HTML a notebook shows for ``fit`` (a ScalingFit or a GroupedFit)."""
    sections = _sections(fit, prob)
    compare = sections["compare"][2]
    cols = [c for c in (["group", "law"] if "group" in compare.columns else []) + COMPARE_COLUMNS
            if c in compare.columns]
    return (f"{_STYLE}<div class='bs-view'><p><code>{html.escape(repr(fit))}</code></p>{headline_html(fit, sections)}"
            f"<div style='display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start'>"
            f"<div>{table_html(compare[cols])}</div><div>{_figure(fit)}</div></div></div>")
