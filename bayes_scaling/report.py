"""Reports of a fit: plain text (the CLI), and a directory with report.html, report.md,
CSV tables, PNG figures and the saved fit.

Works for a :class:`~bayes_scaling.result.ScalingFit` and for a
:class:`~bayes_scaling.grouped.GroupedFit` (tables with a ``group`` column, and the
pairwise comparisons of the groups).
"""

from __future__ import annotations

import base64
import html
import io
import json
import warnings
from pathlib import Path

import pandas as pd

__all__ = ["default_forecast", "format_table", "render_text", "report_text", "tables", "write_report"]


def default_forecast(fit) -> list[float]:
    """2x, 4x and 8x the largest observed n (of any group)."""
    fits = getattr(fit, "fits", {}).values() if _grouped(fit) else [fit]
    top = max(float(f.data.distinct_n.max()) for f in fits)
    return [2 * top, 4 * top, 8 * top]


def _disc_prior(fit) -> str:
    f = next(iter(fit.fits.values())) if _grouped(fit) else fit
    return f.priors.discrepancy_prior().describe()


def _grouped(fit) -> bool:
    from .grouped import GroupedFit

    return isinstance(fit, GroupedFit)


def _quiet(fn, *args, **kwargs):
    """``fn`` without the package's convergence and LOO warnings: the report shows them in its tables."""
    from .errors import ConvergenceWarning, LooWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        warnings.filterwarnings("ignore", category=LooWarning)
        return fn(*args, **kwargs)


def tables(fit, forecast_n, prob: float = 0.9, target: float | None = None,
           discrepancy="learned") -> dict[str, tuple[str, pd.DataFrame]]:
    """The report's tables: ``{file stem: (title, DataFrame)}``, in report order."""
    pct = f"{prob:.0%}"
    data = (next(iter(fit.fits.values())) if _grouped(fit) else fit).data
    ycol, xcol = data.y_name, data.x_name
    out = {
        "compare": ("Model comparison (PSIS-LOO with exact refits, higher elpd is better; AIC/AICc/BIC lower "
                    "is better; weight = LOO stacking, forecast_weight = the averaged forecast's weights, "
                    "from forecasting the largest n from the smaller ones)", _quiet(fit.compare)),
        "ppl_min": (f"Floor of {ycol} as n -> infinity (PPL_min): mean, median, {pct} equal-tailed and "
                    "highest-density intervals", fit.ppl_min(prob)),
        "forecast": (f"Forecasts of a new measurement of {ycol} ({pct} intervals; curve_* is the band of "
                     f"the mean curve; {_discrepancy_words(discrepancy)})",
                     fit.forecast(forecast_n, prob, law="all", discrepancy=discrepancy)),
        **({"discrepancy": ("Discrepancy beyond the data: posterior of kappa, the extra log-sd of a new "
                            f"measurement per factor e beyond the largest n ({pct} intervals; prior "
                            f"{_disc_prior(fit)}), learned from forecasting the largest n",
                            fit.discrepancy("all", prob))} if isinstance(discrepancy, str) else {}),
        "doubling_gain": (f"What the next doubling buys: 1 - {ycol}(2n)/{ycol}(n), averaged laws "
                          f"({_discrepancy_words(discrepancy, 'curve')})",
                          fit.doubling_gain(forecast_n, prob, discrepancy=discrepancy)),
    }
    if target is not None:
        out["samples_needed"] = (f"{xcol} needed for {ycol} <= {target:g} with probability {prob:g} "
                                 f"({_discrepancy_words(discrepancy, 'curve')})",
                                 fit.samples_needed(target, prob, discrepancy=discrepancy))
        out["decision"] = (f"Planning table: expected {ycol}, P({ycol} <= {target:g}) and gain per 1,000 {xcol} "
                           f"({_discrepancy_words(discrepancy, 'curve')})",
                           fit.decision_summary(target, forecast_n, prob, discrepancy=discrepancy))
    sens = fit.sensitivity(forecast_n, laws="weighted")
    key = (sens["group"] + "/" if "group" in sens.columns else "") + sens["law"] + ": " + sens["quantity"]
    sens = pd.DataFrame({"prior": sens["prior"].to_numpy(), "likelihood": sens["likelihood"].to_numpy(),
                         "notes": sens["diagnosis"].to_numpy(), "converged": sens["converged"].to_numpy()},
                        index=pd.Index(key, name="quantity"))
    out["sensitivity"] = ("Prior sensitivity of the laws carrying forecast weight (power-scaling, Kallioinen et "
                          "al. 2024): 0.05 or more means the prior moves the answer", sens)
    if _grouped(fit):
        out["pairwise_floor"] = ("P(floor of a < floor of b), averaged laws; diff = floor a - floor b",
                                 fit.p_floor_lower(prob=prob))
        out["pairwise_at"] = (f"P({ycol} of a < {ycol} of b) at the forecast n, averaged laws",
                              fit.p_lower_at(forecast_n, prob=prob))
    first = next(iter(fit.fits.values())) if _grouped(fit) else fit
    out["priors"] = ("Priors (default or user; parameters on the centred log-n scale, quantities in the metric's "
                     "units)", first.priors_table())
    out["diagnostics"] = ("Sampler diagnostics (converged: 0 divergences, r_hat <= 1.01, ESS >= 100 per chain)",
                          fit.diagnostics())
    return out


def _number(v: float, digits: int = 4) -> str:
    """Sample counts as 12,800 (not 1.28e+04); everything else to ``digits`` significant digits."""
    if v == v and 1e3 <= abs(v) < 1e15 and float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def format_table(df, digits: int = 4) -> str:
    """A DataFrame as aligned text (as the CLI prints it)."""
    with pd.option_context("display.width", 160, "display.max_columns", 40):
        return df.to_string(float_format=lambda v: _number(v, digits), index=df.index.name is not None)


def _not_converged(fit) -> list[str]:
    diag = fit.diagnostics()
    if "group" in diag.columns:
        return [f"{g}/{law}" for g, law, ok in zip(diag["group"], diag["law"], diag["converged"], strict=True)
                if not ok]
    return [str(k) for k, ok in diag["converged"].items() if not ok]


def _labels(table: pd.DataFrame):
    """Row labels for notes: ``group/law`` or ``law`` where the table has those columns, else the index."""
    if "law" in table.columns:
        return (table["group"] + "/" if "group" in table.columns else "") + table["law"]
    return table.index


def _discrepancy_words(discrepancy, what: str = "measurement") -> str:
    floor = ", never below a law's floor" if what == "curve" else ""
    if isinstance(discrepancy, str):
        return ("beyond the data a discrepancy learned from how well each law forecast the largest n is "
                f"added{floor}")
    if discrepancy:
        return f"beyond the data a discrepancy of {discrepancy:g} per factor e is added{floor}"
    return "the laws alone, no discrepancy beyond the data"


def report_text(fit, forecast_n, prob: float = 0.9, *, title: str = "", target: float | None = None,
                discrepancy="learned") -> str:
    """The plain-text report: comparison, floors, forecasts, decisions, diagnostics."""
    return render_text(fit, tables(fit, forecast_n, prob, target, discrepancy), title)


def render_text(fit, sections: dict[str, tuple[str, pd.DataFrame]], title: str = "") -> str:
    """The plain-text report of tables already computed by :func:`tables` (left unchanged)."""
    lines = [title, "=" * len(title), ""] if title else []
    lines += [repr(fit), ""]
    bad = _not_converged(fit)
    if bad:
        lines += [f"!! NOT CONVERGED: {', '.join(bad)} -- treat those rows with caution", ""]
    for stem, (heading, table) in sections.items():
        if not len(table):
            continue
        notes = table["notes"] if "notes" in table.columns else None
        table = table.drop(columns="notes") if notes is not None else table
        lines += [heading, "", format_table(table, 5 if stem == "forecast" else 4), ""]
        if notes is not None:
            lines += [f"  ! {k}: {v}" for k, v in zip(_labels(table), notes, strict=True) if v]
            if notes.astype(bool).any():
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _figures(fit, forecast_n, prob: float) -> dict:
    """``{file name: (caption, Figure)}`` of the report."""
    from . import plots

    top = 1.2 * max(forecast_n)
    if _grouped(fit):
        figs = {"groups.png": ("Each configuration's data, median curve and band (averaged laws)",
                               plots.plot_groups(fit, prob=prob)[0])}
        for i, (name, f) in enumerate(fit.fits.items()):
            figs[f"fit_{i}.png"] = (f"{name}: posterior curves per law", plots.plot_fit(f, prob=prob)[0])
            figs[f"forecast_{i}.png"] = (f"{name}: forecast fan", plots.plot_forecast(f, n_max=top)[0])
        return figs
    figs = {"fit.png": ("Data with each law's posterior median curve and band (log-log)",
                        plots.plot_fit(fit, prob=prob)[0]),
            "fit_linear.png": ("The same on linear axes", plots.plot_fit(fit, prob=prob, loglog=False)[0]),
            "forecast.png": ("Forecast fan of a new measurement (averaged laws)",
                             plots.plot_forecast(fit, n_max=top)[0]),
            "compare.png": ("Model comparison: ELPD with one standard error, forecast weights",
                            plots.plot_compare(fit)[0])}
    figs["prior_predictive.png"] = ("Prior predictive check: what the priors imply for a new measurement",
                                    plots.plot_prior_predictive(fit.prior_predictive(prob=prob), fit)[0])
    if len(fit.ppl_min(prob)):
        figs["floor.png"] = ("Posterior of the floor per law", plots.plot_floor(fit, prob)[0])
    for law in fit.laws:
        figs[f"diagnostics_{law}.png"] = (f"Sampler diagnostics of {law}: per-chain posteriors and rank ECDFs",
                                          plots.plot_diagnostics(fit, law)[0])
    return figs


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 6px;
text-align:right}th{background:#f3f3f3}img{max-width:100%;border:1px solid #eee}.bad{background:#fde2e1;
padding:0.6em;border:1px solid #d33}.figs{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0;width:48%}
figcaption{color:#555;font-size:14px}.notes{font-size:14px;color:#633}
code{background:#f5f5f5;padding:1px 4px}"""


def _html(fit, title: str, sections: dict, figures: dict[str, tuple[str, bytes]]) -> str:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
             f"<p><code>{html.escape(repr(fit))}</code></p>"]
    bad = _not_converged(fit)
    if bad:
        parts.append(f"<p class='bad'><b>Not converged:</b> {html.escape(', '.join(bad))}. Their rows are "
                     "marked converged=False; treat them with caution (more data, more draws, or drop the law).</p>")
    for heading, table in sections.values():
        if not len(table):
            continue
        notes = table["notes"] if "notes" in table.columns else None
        table = table.drop(columns="notes") if notes is not None else table
        parts += [f"<h2>{html.escape(heading)}</h2>",
                  table.to_html(float_format=_number, border=0, na_rep="", index=table.index.name is not None)]
        if notes is not None and notes.astype(bool).any():
            items = "".join(f"<li><b>{html.escape(str(k))}</b>: {html.escape(v)}</li>"
                            for k, v in zip(_labels(table), notes, strict=True) if v)
            parts.append(f"<ul class='notes'>{items}</ul>")
    parts.append("<h2>Figures</h2><div class='figs'>")
    for name, (caption, png) in figures.items():
        data = base64.b64encode(png).decode("ascii")
        parts.append(f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
                     f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    parts.append("</div>")
    parts.append("<p><small>Reload the fit with <code>bayes_scaling.load(DIR)</code>; tables are also saved "
                 "as CSV beside this file.</small></p></body></html>")
    return "\n".join(parts)


def write_report(fit, out, forecast_n=None, prob: float = 0.9, *, target: float | None = None,
                 overwrite: bool = False, title: str = "bayes-scaling report", save: bool = True,
                 discrepancy="learned", sections: dict | None = None) -> Path:
    """Write the full report of ``fit`` into the directory ``out``.

    ``out`` receives the saved fit (``bs.load(out)`` restores it exactly; ``save=False``
    re-renders the report of a fit already saved there), one CSV per table, the figures
    as PNG, ``report.md`` and a self-contained ``report.html`` (figures embedded).
    ``sections``: the output of :func:`tables` for the same ``forecast_n``, ``prob``, ``target``
    and ``discrepancy``, where the caller has computed it already (the CLI prints it first);
    otherwise it is computed here. Returns the directory.

    Examples
    --------
    >>> import tempfile, bayes_scaling as bs
    >>> from bayes_scaling.report import write_report
    >>> fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", laws=["power", "saturation"], random_seed=0)
    >>> out = write_report(fit, tempfile.mkdtemp(), overwrite=True)
    >>> sorted(p.name for p in out.glob("report.*"))
    ['report.html', 'report.md']
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    forecast_n = list(forecast_n) if forecast_n is not None else default_forecast(fit)
    if save:
        fit.save(out, overwrite=overwrite)
    if sections is None:
        sections = tables(fit, forecast_n, prob, target, discrepancy)
    _remove_report(out)  # an earlier report's tables and figures, so that none is left stale beside the new ones
    for stem, (_, table) in sections.items():
        table.to_csv(out / f"{stem}.csv", index=table.index.name is not None)
    figures = {}
    for name, (caption, fig) in _figures(fit, forecast_n, prob).items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
        (out / name).write_bytes(buf.getvalue())
        figures[name] = (caption, buf.getvalue())
    images = "\n\n".join(f"![{caption}]({name})" for name, (caption, _) in figures.items())
    text = render_text(fit, sections, title)  # the same tables as the CSVs and the HTML, computed once
    (out / "report.md").write_text(f"# {title}\n\n```\n{text}```\n\n{images}\n")
    (out / "report.html").write_text(_html(fit, title, sections, figures))
    written = [f"{stem}.csv" for stem in sections] + list(figures) + ["report.md", "report.html"]
    (out / MANIFEST).write_text(json.dumps({"written_by": "bayes_scaling.report", "files": written}, indent=1))
    return out


#: the report's list of the files it wrote (the next report into the folder replaces exactly these)
MANIFEST = "report_files.json"


def _remove_report(out: Path) -> None:
    """Delete the files an earlier report listed in its manifest, and nothing else."""
    try:
        listed = json.loads((out / MANIFEST).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return
    for name in listed:
        if isinstance(name, str) and Path(name).name == name and (out / name).is_file():
            (out / name).unlink()
