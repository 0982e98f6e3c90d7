"""The ``bayes-scaling`` command line (a thin layer over the public API)."""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

from .errors import BayesScalingError

__all__ = ["main", "run"]

DEMO_FORECAST = (6400, 12800, 25600)


def _fmt(df, floats: str = "{:.4g}") -> str:
    import pandas as pd

    with pd.option_context("display.width", 160, "display.max_columns", 40):
        return df.to_string(float_format=lambda v: floats.format(v))


def report_text(fit, forecast_n, prob: float = 0.9, *, title: str = "") -> str:
    """The plain-text report the CLI prints: comparison, floors, forecasts, diagnostics."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmp = fit.compare()
    pct = f"{prob:.0%}"
    lines = []
    if title:
        lines += [title, "=" * len(title), ""]
    lines += [repr(fit), ""]
    lines += ["Model comparison (PSIS-LOO, higher elpd is better; AIC/AICc/BIC lower is better; "
              "weight = stacking)", ""]
    lines += [_fmt(cmp.drop(columns="notes")), ""]
    for name, note in cmp["notes"].items():
        if note:
            lines.append(f"  ! {name}: {note}")
    floor = fit.ppl_min(prob)
    if len(floor):
        lines += ["", f"Floor {fit.data.y_name} as n -> infinity (PPL_min): posterior mean, median, "
                      f"{pct} equal-tailed and highest-density intervals", "", _fmt(floor)]
    fc = fit.forecast(forecast_n, prob, law="all")
    lines += ["", f"Forecasts of a new measurement of {fit.data.y_name} ({pct} intervals; curve_* is the "
                  "band of the mean curve)", "", _fmt(fc.set_index(["law", "n"]), "{:.5g}")]
    diag = fit.diagnostics()
    lines += ["", "Sampler diagnostics (converged: 0 divergences, r_hat <= 1.01, ESS >= 100 per chain)",
              "", _fmt(diag)]
    return "\n".join(lines)


def _demo(args) -> int:
    import bayes_scaling as bs

    t0 = time.perf_counter()
    df = bs.load_example("two_block")
    fit = bs.fit(df, x=args.x, y="val_ppl", random_seed=args.seed, progressbar=args.progress,
                 draws=args.draws)
    # on tokens, forecast at the same sample counts converted with the observed tokens per sample
    per_sample = 1.0 if args.x == "samples" else float((df["tokens"] / df["samples"]).mean())
    n = [k * per_sample for k in DEMO_FORECAST]
    print(report_text(fit, n, args.prob,
                      title=f"bayes-scaling demo: seed table (2-block, p=0), val_ppl on {args.x}"))
    print(f"\n(done in {time.perf_counter() - t0:.1f} s)")
    return 0


def _write_outputs(fit, out: Path, forecast_n, prob: float, force: bool) -> None:
    """Save the fit and its tables (CSV) and the text report into ``out``."""
    import warnings as _w

    fit.save(out, overwrite=force)
    with _w.catch_warnings():
        _w.simplefilter("ignore")
        fit.compare().to_csv(out / "compare.csv")
    fit.ppl_min(prob).to_csv(out / "ppl_min.csv")
    fit.forecast(forecast_n, prob, law="all").to_csv(out / "forecast.csv", index=False)
    fit.diagnostics().to_csv(out / "diagnostics.csv")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plots

    figures = {"fit.png": plots.plot_fit(fit, prob=prob)[0],
               "forecast.png": plots.plot_forecast(fit, n_max=1.2 * max(forecast_n))[0],
               "compare.png": plots.plot_compare(fit)[0]}
    if len(fit.ppl_min(prob)):
        figures["floor.png"] = plots.plot_floor(fit, prob)[0]
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=120)
        plt.close(fig)
    images = "\n".join(f"![{name[:-4]}]({name})" for name in figures)
    (out / "report.md").write_text("```\n" + report_text(fit, forecast_n, prob) + "\n```\n\n" + images + "\n")


def _default_forecast(fit) -> list[float]:
    top = float(fit.data.distinct_n.max())
    return [2 * top, 4 * top, 8 * top]


def _fit(args) -> int:
    import bayes_scaling as bs

    laws = args.laws or None
    print(f"fitting {', '.join(laws or bs.LAWS)} to {args.data} ({args.y} on {args.x}) ...", file=sys.stderr)
    fit = bs.fit(args.data, x=args.x, y=args.y, laws=laws, draws=args.draws, random_seed=args.seed,
                 progressbar=args.progress)
    n = args.forecast or _default_forecast(fit)
    print(report_text(fit, n, args.prob, title=f"bayes-scaling fit: {args.y} on {args.x} ({args.data})"))
    if args.out:
        _write_outputs(fit, Path(args.out), n, args.prob, args.force)
        print(f"\nsaved to {args.out} (reload with bayes_scaling.load({str(args.out)!r}))", file=sys.stderr)
    return 0


def _backtest(args) -> int:
    import bayes_scaling as bs
    from bayes_scaling.backtest import summarize_backtest

    print(f"fitting and backtesting {args.y} on {args.x} ({args.data}) ...", file=sys.stderr)
    fit = bs.fit(args.data, x=args.x, y=args.y, laws=args.laws or None, random_seed=args.seed)
    table = fit.backtest(min_points=args.min_points, prob=args.prob)
    print(f"Backtest: refit on the first k distinct {args.x}, forecast every later point "
          f"({args.prob:.0%} intervals)\n")
    print(_fmt(table.set_index(["k", "law", "n"]), "{:.5g}"))
    print("\nSummary per law\n")
    print(_fmt(summarize_backtest(table)))
    return 0


def _report(args) -> int:
    import bayes_scaling as bs

    fit = bs.load(args.dir)
    n = args.forecast or _default_forecast(fit)
    print(report_text(fit, n, args.prob, title=f"bayes-scaling report: {args.dir}"))
    return 0


def _probability(text: str) -> float:
    try:
        p = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < p < 1:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, got {text}")
    return p


def _positive(kind):
    def parse(text: str):
        try:
            v = kind(float(text)) if kind is float else kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not v > 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return v
    return parse


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line on stderr, exit status 2
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _data_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments every command that fits a CSV shares."""
    p.add_argument("data", help="CSV file, one row per run (comments with #, any delimiter pandas can tell)")
    p.add_argument("--x", required=True, help="column of the sample count (samples, tokens, ...)")
    p.add_argument("--y", required=True, help="column of the metric (PPL, loss, error rate, ...)")
    p.add_argument("--laws", nargs="+", metavar="LAW", help="laws to fit (default: all registered)")
    p.add_argument("--prob", type=_probability, default=0.9, help="interval mass (default 0.9)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bayes-scaling",
        description="Bayesian learning-curve and scaling-law analysis.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    fitp = sub.add_parser("fit", help="fit the laws to a CSV of your own",
                          description="Fit learning-curve laws to DATA.csv and print ranking, floors and "
                                      "forecasts; with --out, save the fit and its tables.")
    _data_arguments(fitp)
    fitp.add_argument("--forecast", nargs="+", type=_positive(float), metavar="N",
                      help="sample counts to forecast (default: 2x, 4x, 8x the largest observed)")
    fitp.add_argument("--draws", type=_positive(int), default=1000, help="draws per chain (default 1000)")
    fitp.add_argument("--out", metavar="DIR", help="directory for the saved fit, CSV tables and report.md")
    fitp.add_argument("--force", action="store_true", help="replace a fit already saved in --out")
    fitp.add_argument("--progress", action="store_true", help="show the sampler's progress bar")
    fitp.set_defaults(func=_fit)
    bt = sub.add_parser("backtest", help="refit on the early points and score forecasts of the later ones",
                        description="Refit on the first k distinct sample counts (k from --min-points up) "
                                    "and score each law's and the averaged forecasts of the later points.")
    _data_arguments(bt)
    bt.add_argument("--min-points", type=_positive(int), default=3, help="fewest distinct n to fit on (default 3)")
    bt.set_defaults(func=_backtest)
    rep = sub.add_parser("report", help="print the report of a saved fit",
                         description="Re-render the text report of a fit saved with `fit --out DIR`.")
    rep.add_argument("dir", help="directory of a saved fit")
    rep.add_argument("--forecast", nargs="+", type=_positive(float), metavar="N")
    rep.add_argument("--prob", type=_probability, default=0.9)
    rep.set_defaults(func=_report)
    demo = sub.add_parser("demo", help="fit the built-in seed table and print the analysis",
                          description="Fit power, saturation and exp_decay to the built-in 2-block "
                                      "seed table and print ranking, floors and forecasts.")
    demo.add_argument("--x", choices=["samples", "tokens"], default="samples",
                      help="sample-count column (default: samples)")
    demo.add_argument("--prob", type=_probability, default=0.9, help="interval mass (default 0.9)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--draws", type=_positive(int), default=1000, help="draws per chain (default 1000)")
    demo.add_argument("--progress", action="store_true", help="show the sampler's progress bar")
    demo.set_defaults(func=_demo)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"bayes-scaling: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            if not args.debug:
                warnings.showwarning = _show_warning
            return args.func(args)
    except (BayesScalingError, OSError) as err:
        if args.debug:
            raise
        print(f"bayes-scaling: error: {err}", file=sys.stderr)
        return 2


def run() -> None:
    """Console-script entry point: :func:`main`, then exit without interpreter teardown.

    Tearing down the modules a fit loads (numba, scipy, pandas, nutpie's threads) costs
    ~0.7 s of a ~5 s command and does nothing useful: every file the command writes is
    closed before ``main`` returns, and standard streams are flushed here.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


if __name__ == "__main__":
    run()
