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
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .decisions import per_label
from .kinds import get_kind

__all__ = ["default_forecast", "format_table", "formatted", "headline", "headline_html", "render_text",
           "report_text", "table_html", "tables", "warning_lines", "write_report"]


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
           discrepancy="learned") -> dict[str, tuple[str, str, pd.DataFrame]]:
    """The report's tables: ``{file stem: (heading, explanation, DataFrame)}``, in the order a reader needs
    them: the forecast, the budget answer, the floor, the comparison, then the checks."""
    pct = f"{prob:.0%}"
    data = (next(iter(fit.fits.values())) if _grouped(fit) else fit).data
    ycol, xcol = data.y_name, data.x_name
    out = {"forecast": ("Forecast", f"a new measurement of {ycol} at each {xcol} ({pct} intervals; extrapolation = "
                        f"{xcol} / the largest observed; curve_* is the band of the mean curve; "
                        f"{_discrepancy_words(discrepancy)})",
                        fit.forecast(forecast_n, prob, law="all", discrepancy=discrepancy))}
    if target is not None:
        out["samples_needed"] = ("Samples needed", f"{xcol} for {ycol} <= {target:g} with probability {prob:g} "
                                 f"({_discrepancy_words(discrepancy, 'curve')})",
                                 fit.samples_needed(target, prob, discrepancy=discrepancy))
        per = gain_unit(fit)
        out["decision"] = ("Planning table", f"{ycol}, P({ycol} <= {target:g}) and gain per {_number(per)} {xcol} "
                           f"({_discrepancy_words(discrepancy, 'curve')})",
                           fit.decision_summary(target, forecast_n, prob, per=per, discrepancy=discrepancy))
    out["ppl_min"] = ("Floor", f"{ycol} as {xcol} -> infinity (PPL_min): mean, median, {pct} equal-tailed and "
                      "highest-density intervals", fit.ppl_min(prob))
    out["compare"] = ("Model comparison", "PSIS-LOO with exact refits (higher elpd is better), AIC/AICc/BIC (lower "
                      "is better); weight = LOO stacking, forecast_weight = the averaged forecast's weights, from "
                      "forecasting the largest n from the smaller ones", _quiet(fit.compare))
    out["doubling_gain"] = ("Next doubling", f"what it buys: 1 - {ycol}(2n)/{ycol}(n), averaged laws "
                            f"({_discrepancy_words(discrepancy, 'curve')})",
                            fit.doubling_gain(forecast_n, prob, discrepancy=discrepancy))
    if isinstance(discrepancy, str):
        out["discrepancy"] = ("Discrepancy", f"posterior of kappa, the extra log-sd of a new measurement per factor "
                              f"e beyond the largest n ({pct} intervals; prior {_disc_prior(fit)}), learned from "
                              "forecasting the largest n", fit.discrepancy("all", prob))
    sens = fit.sensitivity(forecast_n, laws="weighted")
    key = (sens["group"] + "/" if "group" in sens.columns else "") + sens["law"] + ": " + sens["quantity"]
    sens = pd.DataFrame({"prior": sens["prior"].to_numpy(), "likelihood": sens["likelihood"].to_numpy(),
                         "notes": sens["diagnosis"].to_numpy(), "converged": sens["converged"].to_numpy()},
                        index=pd.Index(key, name="quantity"))
    out["sensitivity"] = ("Prior sensitivity", "power-scaling (Kallioinen et al. 2024) of the laws carrying "
                          "forecast weight: 0.05 or more means the prior moves the answer", sens)
    if _grouped(fit):
        out["pairwise_floor"] = ("Floors compared", "P(floor of a < floor of b), averaged laws; diff = floor a - "
                                 "floor b", fit.p_floor_lower(prob=prob))
        out["pairwise_at"] = ("Groups compared", f"P({ycol} of a < {ycol} of b) at the forecast n, averaged laws",
                              fit.p_lower_at(forecast_n, prob=prob))
    first = next(iter(fit.fits.values())) if _grouped(fit) else fit
    where = f"; {first.priors.name or 'your priors'}: {first.priors.provenance}" if first.priors.provenance else ""
    out["priors"] = ("Priors", "default or yours; parameters on the centred log-n scale, quantities in the "
                     f"metric's units{where}", first.priors_table())
    out["diagnostics"] = ("Sampler diagnostics", "converged: 0 divergences, r_hat <= 1.01, ESS >= 100 per chain",
                          fit.diagnostics())
    return {stem: (heading, explanation + _blank_mean_note(table), table)
            for stem, (heading, explanation, table) in out.items()}


def _blank_mean_note(table: pd.DataFrame) -> str:
    """Why a table's ``mean`` is blank where it is (``bayes_scaling.forecast.interval_columns``)."""
    from .forecast import MEAN_KHAT_MAX

    if "mean" not in table.columns or not (table["mean"].isna() & table["median"].notna()).any():
        return ""
    return (f"; mean left blank where the draws' tails are too heavy for one (Pareto k > {MEAN_KHAT_MAX:g}: "
            "beyond the data the discrepancy's heavy tail leaves no finite mean): read the median")


def _interval(median: float, lower: float, upper: float) -> str:
    """``108 (101-116)``: a median and its interval to the decimals of two significant digits of its width."""
    d = _decimals([upper - lower])
    d = 3 if d is None else d
    return f"{_fixed(median, d)} ({_fixed(lower, d)}-{_fixed(upper, d)})"


def headline(fit, sections: dict) -> list[str]:
    """The answer first, in a few lines, from the tables of :func:`tables`: the best-supported law and how
    clear the ranking is, the floor with its interval, the forecast at each requested n with its interval and
    how far beyond the data it reaches, the budget answer where a target was given, and the warnings that
    matter. A grouped fit gets these lines per group."""
    groups = list(fit.fits) if _grouped(fit) else [None]
    lines = []
    for g in groups:
        one = fit.fits[g] if g is not None else fit
        pick = {k: (t[t["group"] == g].drop(columns="group") if g is not None and "group" in t.columns else t)
                for k, (_, _, t) in sections.items()}
        body = _headline_one(one, pick)
        lines += [f"{g}:", *("  " + line for line in body)] if g is not None else body
    return lines


def _headline_one(fit, t: dict) -> list[str]:
    ycol, xcol = fit.data.y_name, fit.data.x_name
    cmp = t["compare"].set_index("law") if "law" in t["compare"].columns else t["compare"]
    w = cmp["forecast_weight"].astype(float).sort_values(ascending=False)
    best = str(w.index[0])
    share = float(w.iloc[0])
    clarity = "clear" if share >= 0.8 else "leaning" if share >= 0.5 else "not clear"
    loo_first = str(cmp["rank"].astype(int).idxmin())
    loo = "PSIS-LOO agrees" if loo_first == best else f"PSIS-LOO ranks {loo_first} first"
    weights = ", ".join(f"{k} {v:.0%}" for k, v in w.items())
    unsure = "" if bool(cmp.loc[best, "converged"]) else ", NOT converged"
    lines = [f"Best-supported law: {best} ({clarity}: forecast weights {weights}; {loo}{unsure})"]
    floors = t["ppl_min"].set_index("law") if "law" in t["ppl_min"].columns else t["ppl_min"]
    parts = []
    for law in [k for k in w.index if k in floors.index and w[k] >= 0.1]:
        row = floors.loc[law]
        prior = "" if bool(row["floor_informed"]) else ", set by the prior"
        parts.append(f"{_interval(row['median'], row['lower'], row['upper'])} under {law} ({w[law]:.0%}{prior})")
    if parts:
        lines.append(f"Floor of {ycol}: " + "; ".join(parts))
    fc = t["forecast"][t["forecast"]["law"] == "averaged"]
    lines.append(f"Forecast of {ycol}: " + "; ".join(
        f"{_number(r['n'])} {xcol} ({r['extrapolation']:.2g}x the data): "
        f"{_interval(r['median'], r['lower'], r['upper'])}" for _, r in fc.iterrows()))
    if "samples_needed" in t:
        for _, r in t["samples_needed"].iterrows():
            ask = f"{ycol} <= {r['target']:g}"
            if np.isfinite(r["n"]):
                reach = f"{_count(float(r['n']))} {xcol} ({r['n'] / fit.data.distinct_n.max():.2g}x the data)"
            else:
                reach = f"not reached: {r['reason']}" if r["reason"] else "not reached"
            lines.append(f"To reach {ask}: {reach}")
    lik = fit.fits[next(iter(fit.fits))].likelihood
    lines.append(f"Likelihood: {lik.name} ({lik.formula}" + (", the default)" if lik.name == "lognormal" else
                                                            "; likelihood='lognormal' is the default)"))
    lines.append(kind_line(fit))
    if fit.kind_hint:
        lines.append(f"Suggestion: {fit.kind_hint}")
    bad = _not_converged(fit)
    warn = [f"not converged: {', '.join(bad)}"] if bad else []
    warn += [f"the floor of {law} comes from its prior" for law, ok in floors["floor_informed"].items()
             if not bool(ok) and w.get(law, 0) >= 0.1]
    warn += [f"{flag}: {text}" for flag, text in fit.flags.items()]
    if warn:
        lines.append("Warnings: " + "; ".join(warn))
    return lines


def kind_line(fit) -> str:
    """The headline's line on the kind of curve and whose priors the fit used (:mod:`bayes_scaling.kinds`)."""
    kind = get_kind(fit.kind)
    custom = bool({k for k in fit.priors.to_dict() if k not in ("likelihood", "kind")})
    who = {"user": "yours"}.get(fit.priors.label, fit.priors.label)
    if fit.priors_source == "kind":
        priors = f"the kind's ({who}; fit.priors.provenance says where they come from)"
    elif custom and kind.preset:
        priors = f"{who}, given explicitly in place of the kind's {kind.preset!r} preset"
    elif custom:
        priors = f"{who}, not the package's defaults (the Priors table lists them; fit.priors.provenance says " \
                 "where they come from)"
    else:
        priors = "the package's defaults" + (f", given explicitly in place of the kind's {kind.preset!r} preset"
                                              if kind.preset else "")
    line = f"Kind of curve: {kind.name} ({kind.title}); priors: {priors}"
    dependence = getattr(fit, "dependence", None)
    return line if dependence is None else f"{line}; {dependence.describe()}"


#: the warning that leads the list when a law did not converge (the HTML report shows it in red)
_NOT_CONVERGED = "did not converge: treat their rows with caution (more data, more draws, or drop the law)"
#: the order in which kinds of warning are listed: not converged, then what bears on the answer, then checks
_SEVERITY = {"diagnostics": 0, "ppl_min": 1, "samples_needed": 1, "discrepancy": 2, "sensitivity": 3, "compare": 4}


def warning_lines(fit, sections: dict) -> list[str]:
    """Every note of the tables, each kind once with the rows it concerns, ordered by severity; the prior
    sensitivity check as one line naming the answers that lean on the prior and by how much."""
    found: dict[tuple[int, str], list[str]] = {}
    bad = _not_converged(fit)
    if bad:
        found[(0, _NOT_CONVERGED)] = bad
    for stem, (_, _, table) in sections.items():
        if stem == "sensitivity":
            leaning = table[table["prior"] >= 0.05]
            if len(leaning):
                found[(3, "the prior moves these answers (power-scaling sensitivity >= 0.05)")] = [
                    f"{k} {v:.2f}" for k, v in leaning["prior"].items()]
            continue
        if "notes" not in table.columns:
            continue
        for label, note in zip(_labels(table), table["notes"], strict=True):
            if note:
                found.setdefault((_SEVERITY.get(stem, 2), str(note)), []).append(str(label))
    return [f"! {text}: {', '.join(dict.fromkeys(rows))}" for (_, text), rows in sorted(found.items(),
                                                                                       key=lambda kv: kv[0][0])]


def _compact(v: float) -> str:
    """A count of a million or more to three significant digits with its scale: 6.4B, 12B, 1.5M."""
    return per_label(v, ".3g")


def _number(v: float, digits: int = 3) -> str:
    """Sample counts as 12,800 (not 1.28e+04) and, from a million on, as 6.4B (not 6,400,000,000); everything
    else to ``digits`` significant digits.

    Examples
    --------
    >>> from bayes_scaling.report import _number
    >>> _number(12800.0), _number(6.4e9), _number(1.5e6), _number(0.0123456)
    ('12,800', '6.4B', '1.5M', '0.0123')
    """
    if v == v and 1e3 <= abs(v) < 1e6 and float(v).is_integer():
        return f"{v:,.0f}"
    if v == v and 1e6 <= abs(v) < 1e15 and float(v).is_integer():
        return _compact(v)
    return f"{v:.{digits}g}"


def _count(v: float) -> str:
    """A sample count to three significant digits: 14,600 (not 1.46e+04), 6.4B (not 6,400,000,000)."""
    if 1e6 <= abs(v) < 1e15:
        return _compact(v)
    return f"{float(f'{v:.3g}'):,.0f}" if 1e3 <= abs(v) < 1e6 else _number(v)


def gain_unit(fit) -> float:
    """The ``per`` of the planning table's gains, in the data's magnitude: 1,000 up to 10^4 samples (the
    seed table's scale), else the power of ten a tenth of the largest observed n's, so that a gain reads
    "per 1B tokens" on a curve that reaches 1.3e10 tokens, not "per 1,000 tokens 0.0000000135"."""
    fits = list(fit.fits.values()) if _grouped(fit) else [fit]
    top = max(float(np.max(f.data.distinct_n)) for f in fits)
    return float(10 ** (int(np.floor(np.log10(top))) - 1)) if top >= 1e4 else 1000.0


_INTERVAL = ("mean", "median", "lower", "upper")
#: column prefixes that share the decimals of the plain interval (the same quantity, another interval)
_SAME_QUANTITY = ("hdi_", "curve_")


def _interval_groups(columns) -> dict[str, list[str]]:
    """Columns that are one quantity's point and interval (``mean, median, lower, upper``, their ``hdi_`` and
    ``curve_`` twins, ``gain_per_1000_median`` ...), by prefix: each group is printed to the same decimals."""
    groups: dict[str, list[str]] = {}
    for c in map(str, columns):
        for end in _INTERVAL:
            if c == end or c.endswith("_" + end):
                prefix = c[: len(c) - len(end)]
                prefix = "" if prefix in _SAME_QUANTITY else prefix
                groups.setdefault(prefix, []).append(c)
    return {k: v for k, v in groups.items() if f"{k}lower" in v and f"{k}upper" in v}


def _decimals(width) -> int | None:
    """Decimals that show two significant digits of the narrowest interval width (None: no finite width)."""
    w = np.asarray(width, dtype=float)
    w = w[np.isfinite(w) & (w > 0)]
    if not w.size:
        return None
    return int(min(max(1 - np.floor(np.log10(w.min())), 0), 12))


def _fixed(v, decimals: int) -> str:
    if not v == v:
        return ""
    if abs(v) == float("inf"):
        return "inf" if v > 0 else "-inf"
    return f"{v:,.{decimals}f}"


def formatted(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as text, as a scientist writes it: a point estimate and its interval to the decimals that show
    two significant digits of the interval's width (per column group, the same for every row), sample
    counts with thousands separators, other numbers to three significant digits. The terminal, Markdown
    and HTML reports show this; the CSV files keep every digit."""
    out = df.copy().astype(object)
    done = set()
    for prefix, cols in _interval_groups(df.columns).items():
        width = pd.to_numeric(df[f"{prefix}upper"], errors="coerce") - pd.to_numeric(df[f"{prefix}lower"],
                                                                                     errors="coerce")
        decimals = _decimals(width)
        if decimals is None:
            continue
        for c in cols:
            out[c] = [_fixed(float(v), decimals) if isinstance(v, (int, float)) and not isinstance(v, bool)
                      else v for v in df[c]]
        done.update(cols)
    for c in df.columns:
        if c in done or not pd.api.types.is_float_dtype(df[c]):
            continue
        out[c] = ["" if not v == v else _number(float(v)) for v in df[c]]
    return out


def format_table(df) -> str:
    """A DataFrame as aligned text (as the CLI prints it), numbers as :func:`formatted` writes them."""
    with pd.option_context("display.width", 160, "display.max_columns", 40):
        return formatted(df).to_string(index=df.index.name is not None)


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
    """The plain-text report: the headline, the warnings, then the tables."""
    return render_text(fit, tables(fit, forecast_n, prob, target, discrepancy), title)


def render_text(fit, sections: dict[str, tuple[str, str, pd.DataFrame]], title: str = "") -> str:
    """The plain-text report of tables already computed by :func:`tables` (left unchanged): the headline,
    the warnings (each kind once), then each table under a short heading with its explanation."""
    head, body = _text_parts(fit, sections, title)
    return head + body


def _text_parts(fit, sections: dict, title: str = "") -> tuple[str, str]:
    """The text report in two parts, the answer (title, fit, headline, warnings) and the tables, so that
    ``report.md`` can put the forecast fan between them."""
    lines = [title, "=" * len(title), ""] if title else []
    lines += [repr(fit), "", *headline(fit, sections), ""]
    warn = warning_lines(fit, sections)
    lines += [*warn, ""] if warn else []
    body = []
    for heading, explanation, table in sections.values():
        if not len(table):
            continue
        table = table.drop(columns="notes", errors="ignore")  # the notes are in the warnings above
        body += [f"{heading}: {explanation}", "", format_table(table), ""]
    return "\n".join(lines), "\n".join(body).rstrip() + "\n"


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
table{border-collapse:collapse;font-size:13px;margin:0.3em 0 1.2em}td,th{border:1px solid #ccc;padding:3px 6px;
text-align:right}th{background:#f3f3f3}img{max-width:100%;border:1px solid #eee}.bad{background:#fde2e1;
padding:0.6em;border:1px solid #d33}.figs{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0;width:48%}
figure.lead{width:100%;max-width:760px}figcaption{color:#555;font-size:14px}.warn{font-size:14px;color:#633}
.headline{background:#f4f8fc;border:1px solid #bcd;padding:0.6em 1em;font-size:15px;line-height:1.5}
.headline p{margin:0.2em 0}.wide{overflow-x:auto;max-width:100%}p.why{color:#555;margin:0;font-size:14px}
h2{margin-bottom:0.1em}code{background:#f5f5f5;padding:1px 4px;overflow-wrap:anywhere}"""


def _lead_figure(figures: dict) -> str | None:
    """The figure a report shows between the answer and the tables: the forecast fan (or the groups')."""
    return next((k for k in ("forecast.png", "groups.png") if k in figures), None)


def _figure_html(name: str, caption: str, png: bytes, lead: bool = False) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f"<figure{' class=lead' if lead else ''}><img alt='{html.escape(name)}' "
            f"src='data:image/png;base64,{data}'><figcaption>{html.escape(caption)}</figcaption></figure>")


def headline_html(fit, sections: dict) -> str:
    """The headline and the grouped warnings as an HTML block (the report's top, the notebook view)."""
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in headline(fit, sections))
    warn = warning_lines(fit, sections)
    red = {w: " class=bad" if w.startswith("! " + _NOT_CONVERGED) else "" for w in warn}
    items = "".join(f"<li{red[w]}>{html.escape(w.lstrip('! '))}</li>" for w in warn)
    return f"<div class='headline'>{lines}</div>" + (f"<ul class='warn'>{items}</ul>" if items else "")


def table_html(table: pd.DataFrame) -> str:
    """A table as the report shows it (numbers as :func:`formatted` writes them, scrolling if wide)."""
    table = table.drop(columns="notes", errors="ignore")
    return ("<div class='wide'>" + formatted(table).to_html(border=0, na_rep="", index=table.index.name is not None)
            + "</div>")


def _html(fit, title: str, sections: dict, figures: dict[str, tuple[str, bytes]]) -> str:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<meta name='viewport' content='width=device-width'><style>{_CSS}</style></head><body>"
             f"<h1>{html.escape(title)}</h1>", f"<p><code>{html.escape(repr(fit))}</code></p>"]
    parts.append(headline_html(fit, sections))  # not-converged laws: in its warnings, first and in red
    lead = _lead_figure(figures)
    if lead:
        parts.append(_figure_html(lead, *figures[lead], lead=True))
    for heading, explanation, table in sections.values():
        if len(table):
            parts += [f"<h2>{html.escape(heading)}</h2><p class='why'>{html.escape(explanation)}</p>",
                      table_html(table)]
    parts.append("<h2>Figures</h2><div class='figs'>")
    parts += [_figure_html(name, caption, png) for name, (caption, png) in figures.items() if name != lead]
    parts.append("</div>")
    parts.append("<p><small>Reload the fit with <code>bayes_scaling.load(DIR)</code>; tables are also saved "
                 "as CSV beside this file, with every digit.</small></p></body></html>")
    return "\n".join(parts)


def write_report(fit, out, forecast_n=None, prob: float = 0.9, *, target: float | None = None,
                 overwrite: bool = False, title: str = "bayes-scaling report", save: bool = True,
                 discrepancy="learned", sections: dict | None = None, protect=()) -> Path:
    """Write the full report of ``fit`` into the directory ``out``.

    ``out`` receives the saved fit (``bs.load(out)`` restores it exactly; ``save=False``
    re-renders the report of a fit already saved there), one CSV per table, the figures
    as PNG, ``report.md`` and a self-contained ``report.html`` (figures embedded).
    ``sections``: the output of :func:`tables` for the same ``forecast_n``, ``prob``, ``target``
    and ``discrepancy``, where the caller has computed it already (the CLI prints it first);
    otherwise it is computed here. Returns the directory.

    What it may replace there (:mod:`bayes_scaling.outputs`): with ``overwrite``, only the files the package
    wrote itself and that are unchanged since; the files in ``protect`` (the inputs) never. Anything else
    with the name of a file it writes makes it refuse, before anything is written.

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

    from .io import check_target, legacy_files, write_tree
    from .outputs import OutputFolder

    out = Path(out)
    forecast_n = list(forecast_n) if forecast_n is not None else default_forecast(fit)
    if save:
        check_target(out, overwrite)
    if sections is None:
        sections = tables(fit, forecast_n, prob, target, discrepancy)
    figures = {}
    for name, (caption, fig) in _figures(fit, forecast_n, prob).items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
        figures[name] = (caption, buf.getvalue())
    lead = _lead_figure(figures)
    images = "\n\n".join(f"![{caption}]({name})" for name, (caption, _) in figures.items() if name != lead)
    head, body = _text_parts(fit, sections)  # the same tables as the CSVs and the HTML, computed once
    fan = f"![{figures[lead][0]}]({lead})\n\n" if lead else ""
    written = [f"{stem}.csv" for stem in sections] + list(figures) + ["report.md", "report.html"]
    with OutputFolder(out, overwrite, protect, legacy=legacy_files) as folder:
        folder.claim(written)  # before anything is written, the fit included
        if save:
            write_tree(fit.to_datatree(), out, overwrite, protect, folder=folder)
        # an earlier report's tables and figures that this one does not write, so that none is left stale
        stale = [n for n in folder.written_by("report") if n not in written]
        removed = [n for n in stale if folder.remove(n)]
        for stem, (_, _, table) in sections.items():
            table.to_csv(out / f"{stem}.csv", index=table.index.name is not None)
        for name, (_, png) in figures.items():
            (out / name).write_bytes(png)
        (out / "report.md").write_text(f"# {title}\n\n```\n{head}```\n\n{fan}```\n{body}```\n\n{images}\n")
        (out / "report.html").write_text(_html(fit, title, sections, figures))
        folder.record(written, "report", removed=removed)
    return out

