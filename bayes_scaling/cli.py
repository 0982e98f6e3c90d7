"""The ``bayes-scaling`` command line (a thin layer over the public API)."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from pathlib import Path

from .checks import check_seed
from .errors import ArgumentError, BayesScalingError

__all__ = ["main", "run"]

DEMO_FORECAST = (6400, 12800, 25600)


def _demo(args) -> int:
    import bayes_scaling as bs
    from bayes_scaling.report import report_text

    t0 = time.perf_counter()
    df = bs.load_example("two_block")
    fit = bs.fit(df, x=args.x, y="val_ppl", random_seed=args.seed, progressbar=_progress(args),
                 draws=args.draws)
    # on tokens, forecast at the same sample counts converted with the observed tokens per sample
    per_sample = 1.0 if args.x == "samples" else float((df["tokens"] / df["samples"]).mean())
    n = [k * per_sample for k in DEMO_FORECAST]
    print(report_text(fit, n, args.prob,
                      title=f"bayes-scaling demo: seed table (2-block, p=0), val_ppl on {args.x}"))
    print(f"\n(done in {time.perf_counter() - t0:.1f} s)")
    return 0


def _progress(args) -> bool:
    """Sampler progress bars: asked for, or by default when stderr is a terminal."""
    return args.progress if args.progress is not None else sys.stderr.isatty()


def _read_csv(args):
    """The user's table, read and validated before the command says it is fitting (an error is then
    the only line on stderr); unusual-data warnings come once, from the fit itself."""
    from .data import as_scaling_data, read_table, split_groups
    from .errors import DataWarning

    frame = read_table(args.data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        if getattr(args, "group", None):
            return frame, split_groups(frame, args.group, x=args.x, y=args.y, missing=args.missing)
        return frame, as_scaling_data(frame, x=args.x, y=args.y, missing=args.missing)


def _fit(args) -> int:
    import bayes_scaling as bs
    from bayes_scaling.report import default_forecast, render_text, tables, write_report

    if args.out:  # refuse before fitting, not after
        _check_out(args.out, args.force, ["fit.json", "data.csv", "report.md", "report.html"], args.data, fit=True)
    laws = args.laws or None
    frame, _ = _read_csv(args)
    what = f"{args.y} on {args.x}" + (f", one fit per {args.group!r}" if args.group else "")
    print(f"fitting {', '.join(laws or bs.laws.default_laws())} to {args.data} ({what}) ...", file=sys.stderr)
    fit = bs.fit(frame, x=args.x, y=args.y, laws=laws, draws=args.draws, random_seed=args.seed,
                 progressbar=_progress(args), group=args.group, pooling=args.pooling, missing=args.missing,
                 priors=args.priors, likelihood=args.likelihood, kind=args.kind)
    n = args.forecast or default_forecast(fit)
    title = f"bayes-scaling fit: {args.y} on {args.x} ({args.data})"
    sections = tables(fit, n, args.prob, args.target, args.discrepancy)  # printed and written: computed once
    print(render_text(fit, sections, title))
    if args.out:
        write_report(fit, Path(args.out), n, args.prob, target=args.target, overwrite=args.force, title=title,
                     discrepancy=args.discrepancy, sections=sections, protect=[args.data])
        print(f"\nreport in {args.out}/report.html (and report.md, CSV tables, PNG figures); reload the fit "
              f"with bayes_scaling.load({str(args.out)!r})", file=sys.stderr)
    return 0


def _backtest(args) -> int:
    import bayes_scaling as bs
    from bayes_scaling.backtest import summarize_backtest
    from bayes_scaling.report import format_table

    written = ["backtest.csv", "backtest_summary.csv", "backtest.png"]
    if args.out:  # refuse before fitting, not after
        _check_out(args.out, args.force, written, args.data)
    frame, data = _read_csv(args)
    if args.min_points >= data.distinct_n.size:
        raise ArgumentError(f"--min-points {args.min_points} leaves nothing to forecast: the data have "
                            f"{data.distinct_n.size} distinct {args.x}")
    print(f"fitting and backtesting {args.y} on {args.x} ({args.data}) ...", file=sys.stderr)
    fit = bs.fit(frame, x=args.x, y=args.y, laws=args.laws or None, random_seed=args.seed, missing=args.missing,
                 priors=args.priors, likelihood=args.likelihood, kind=args.kind)
    table = fit.backtest(min_points=args.min_points, prob=args.prob)
    print(f"Backtest: refit on the first k distinct {args.x}, forecast every later point "
          f"({args.prob:.0%} intervals)\n")
    print(format_table(table.set_index(["k", "law", "n"])))
    print("\nSummary per law\n")
    print(format_table(summarize_backtest(table)))
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        from bayes_scaling.outputs import OutputFolder
        from bayes_scaling.plots import plot_backtest

        out = Path(args.out)
        with OutputFolder(out, args.force, protect=[args.data]) as folder:
            folder.claim(written)
            table.to_csv(out / "backtest.csv", index=False)
            summarize_backtest(table).to_csv(out / "backtest_summary.csv")
            plot_backtest(table)[0].savefig(out / "backtest.png", dpi=110)
            folder.record(written, "backtest")
        print(f"\nbacktest table and figure written to {args.out}", file=sys.stderr)
    return 0


SURFACE_FILES = ["surface.md", "surface_params.csv", "surface_compare.csv", "surface_plan.csv",
                 "surface_diagnostics.csv", "surface_isoloss.png", "surface_isoflop.png", "surface_exponents.png"]


def _surface(args) -> int:
    import bayes_scaling as bs
    from bayes_scaling.data import read_table
    from bayes_scaling.surface import display

    if args.out:
        _check_out(args.out, args.force, SURFACE_FILES, args.data)
    frame = read_table(args.data)
    print(f"fitting {', '.join(args.laws or bs.surface.SURFACE_LAWS)} to {args.data} ({args.y} over {args.n} and "
          f"{args.d}) ...", file=sys.stderr)
    s = bs.fit_surface(frame, n=args.n, d=args.d, y=args.y, laws=args.laws or None, draws=args.draws,
                       random_seed=args.seed, progressbar=_progress(args), group=args.group, priors=args.priors,
                       likelihood=args.likelihood)
    budgets = args.budget or []
    head = s.headline(budgets, prob=args.prob)
    parts = {"Laws (PSIS-LOO, WAIC, AIC; stacking weights)":
             s.compare()[[*([s.group] if s.group else []), "law", "rank", "elpd_loo", "se", "elpd_waic", "aic",
                          "weight", "converged", "likelihood"]],
             f"Parameters ({args.prob:.0%} intervals)": s.params(prob=args.prob),
             "Diagnostics": s.diagnostics()}
    plans = []
    if budgets:
        for key in s.groups:
            t = s.compute_optimal(budgets, prob=args.prob, group=key)
            if s.group:
                t.insert(0, s.group, key)
            plans.append(t)
        parts[f"Compute-optimal plan ({args.prob:.0%} intervals; C = 6ND)"] = _concat(plans)
    title = f"bayes-scaling surface: {args.y} over {args.n} and {args.d} ({args.data})"
    text = "\n\n".join([f"# {title}", head, *(f"## {k}\n\n{display(v).to_string(index=False)}"
                                               for k, v in parts.items())])
    print(text)
    if args.out:
        from bayes_scaling.outputs import OutputFolder
        from bayes_scaling.surface_plots import plot_exponents, plot_isoflop, plot_isoloss

        out = Path(args.out)
        with OutputFolder(out, args.force, protect=[args.data]) as folder:
            folder.claim(SURFACE_FILES)
            (out / "surface.md").write_text(text + "\n")
            parts["Laws (PSIS-LOO, WAIC, AIC; stacking weights)"].to_csv(out / "surface_compare.csv", index=False)
            parts[f"Parameters ({args.prob:.0%} intervals)"].to_csv(out / "surface_params.csv", index=False)
            parts["Diagnostics"].to_csv(out / "surface_diagnostics.csv", index=False)
            written = ["surface.md", "surface_compare.csv", "surface_params.csv", "surface_diagnostics.csv"]
            if plans:
                _concat(plans).to_csv(out / "surface_plan.csv", index=False)
                written.append("surface_plan.csv")
            if not s.group:
                plot_isoloss(s, budgets or None)[0].savefig(out / "surface_isoloss.png", dpi=110)
                runs = s.configuration().data
                largest = 6 * float(runs.n.max()) * float(runs.input_values("params").max())
                plot_isoflop(s, budgets or [largest])[0].savefig(out / "surface_isoflop.png", dpi=110)
                written += ["surface_isoloss.png", "surface_isoflop.png"]
                if "chinchilla" in s.laws:
                    plot_exponents(s)[0].savefig(out / "surface_exponents.png", dpi=110)
                    written.append("surface_exponents.png")
            folder.record(written, "surface")
        print(f"\nsurface report in {args.out}/surface.md (and CSV tables, PNG figures)", file=sys.stderr)
    return 0


def _concat(tables):
    import pandas as pd

    return pd.concat(tables, ignore_index=True)


def _learn_priors(args) -> int:
    import bayes_scaling as bs
    from bayes_scaling.data import read_table, split_groups
    from bayes_scaling.outputs import same_file
    from bayes_scaling.report import format_table

    out = Path(args.out)
    if not out.parent.is_dir():  # refuse before fitting, not after
        raise ArgumentError(f"--out {args.out}: the folder {str(out.parent)!r} does not exist")
    if out.is_dir():
        raise ArgumentError(f"--out {args.out} is a folder; give the path of a .json file to write the priors to")
    if out.exists():
        if not args.force:
            raise ArgumentError(f"{args.out} exists; pass --force to replace it")
        if any(same_file(p, out) for p in args.curves):
            raise ArgumentError(f"--out {args.out} is one of the input curves; the package never writes over its "
                                "input")
        try:  # only a priors file (the package's JSON, with its provenance) is replaced
            bs.priors.read_priors(out)
        except Exception:
            raise ArgumentError(f"{args.out} exists and is not a priors file written by bayes_scaling; it was not "
                                "replaced: choose another path") from None
    seen: list[str] = []
    for path in args.curves:  # one file given twice would count as two curves, and make the priors too sure
        twin = next((p for p in seen if same_file(p, path)), None)
        if twin is not None:
            raise ArgumentError(f"{path} is given twice (as {twin}): each curve counts once")
        seen.append(path)
    curves: dict[str, object] = {}
    for path in args.curves:
        if args.curve:
            for label, data in split_groups(read_table(path), args.curve, x=args.x, y=args.y,
                                            missing=args.missing).items():
                curves[f"{path}: {label}"] = data
        else:
            curves[path] = read_table(path)
    if len(curves) < 2:
        raise ArgumentError(f"learn-priors needs several curves: {len(curves)} given (several CSV files, or one "
                            "with --curve COL naming each row's curve)")
    laws = args.laws or bs.laws.default_laws()
    how = (f", each fitted on its first 1/{args.horizon:g} and scored up to {args.horizon:g}x out"
           if args.horizon else "")
    print(f"learning priors for {', '.join(laws)} from {len(curves)} curves ({args.y} on {args.x}{how}) ...",
          file=sys.stderr)
    source = args.source or f"{len(curves)} curves of {args.y} on {args.x} from {', '.join(args.curves)}"
    priors = bs.learn_priors(curves, x=args.x, y=args.y, laws=laws, name=args.name, source=source,
                             horizon=args.horizon, prob=args.prob, random_seed=args.seed, missing=args.missing,
                             draws=args.draws, progress=_progress(args), kind=args.kind)
    print(f"Priors {priors.name!r}: {priors.provenance}\n")
    print(format_table(priors.table([bs.get_law(k) for k in laws])))
    if priors.check_table is not None:
        print("\nHeld-out check, against the default priors (gain_per_curve: nats of held-out density per curve; "
              "interval scores per doubling beyond the fitted part, lower is better)\n")
        print(format_table(priors.check_table))
    priors.save(out)
    print(f"\npriors written to {args.out}; fit with them: bayes-scaling fit DATA.csv --x {args.x} --y {args.y} "
          f"--priors {args.out}", file=sys.stderr)
    return 0


def _report(args) -> int:
    import bayes_scaling as bs
    from bayes_scaling.report import default_forecast, render_text, tables, write_report

    fit = bs.load(args.dir)
    n = args.forecast or default_forecast(fit)
    title = f"bayes-scaling report: {args.dir}"
    sections = tables(fit, n, args.prob, args.target, args.discrepancy)
    print(render_text(fit, sections, title))
    # re-rendered in the saved fit's own directory, or saved with the report into --out
    out = Path(args.out or args.dir)
    # in the fit's own folder its own report is re-rendered (only files the package wrote there and that are
    # unchanged are replaced); into --out, as `fit --out` does (--force to replace an earlier one)
    write_report(fit, out, n, args.prob, target=args.target, overwrite=args.force or args.out is None, title=title,
                 save=args.out is not None, discrepancy=args.discrepancy, sections=sections,
                 protect=[Path(args.dir) / "fit.json"] if args.out else ())
    print(f"\nreport written to {out}/report.html", file=sys.stderr)
    return 0


def _check_out(out: str, force: bool, names: list[str], data: str, fit: bool = False) -> None:
    """Refuse ``--out`` before any fitting when the files it would write there are not the package's to
    replace, or are the input itself (:mod:`bayes_scaling.outputs`)."""
    from bayes_scaling.io import check_target, legacy_files
    from bayes_scaling.outputs import OutputFolder

    if fit:
        check_target(out, overwrite=force)
    folder = OutputFolder(out, force, protect=[data], legacy=legacy_files if fit else None)
    folder.claim(names)  # the report's tables are claimed, and the input protected, again when they are written


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
            if kind is float:
                v = float(text)
            else:  # a count may be written as the API takes it: 1000, 1e3, 1000.0 (a whole number)
                x = float(text)
                if not (math.isfinite(x) and x.is_integer()):
                    raise argparse.ArgumentTypeError(f"must be a whole number, got {text}")
                v = int(x)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not v > 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return v
    return parse


def _seed(text: str) -> int:
    try:
        return check_seed(int(text), "--seed")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err) if isinstance(err, BayesScalingError)
                                         else f"not an integer: {text!r}") from None


def _discrepancy(text: str):
    """``learned`` or a finite number >= 0 (the ``discrepancy`` of ``ScalingFit.forecast``)."""
    return "learned" if text == "learned" else _non_negative(text)


def _finite(ok, bound: str):
    """A parser of finite numbers for which ``ok`` holds (``bound`` says which, in its message)."""
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (ok(v) and v < float("inf")):
            raise argparse.ArgumentTypeError(f"must be a finite number {bound}, got {text}")
        return v
    return parse


_non_negative = _finite(lambda v: v >= 0, ">= 0")
_greater_than_one = _finite(lambda v: v > 1, "> 1")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line on stderr, exit status 2
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _data_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments every command that fits a CSV shares."""
    p.add_argument("data", help="CSV file, one row per run (comments with #, any delimiter pandas can tell)")
    _column_arguments(p, "laws to fit (default: all registered)")
    p.add_argument("--prob", type=_probability, default=0.9, help="interval mass (default 0.9)")


def _column_arguments(p: argparse.ArgumentParser, laws_help: str) -> None:
    """How the curves are read and fitted: columns, laws, seed, missing values (fit, backtest, learn-priors)."""
    p.add_argument("--x", required=True, help="column of the sample count (samples, tokens, ...)")
    p.add_argument("--y", required=True, help="column of the metric (PPL, loss, error rate, ...)")
    p.add_argument("--laws", nargs="+", metavar="LAW", help=laws_help)
    p.add_argument("--seed", type=_seed, default=0, help="random seed, an integer >= 0 (default 0)")
    p.add_argument("--kind", choices=["runs", "trajectory"], default=None,
                   help="the kind of curve: runs (the default: each point a separately trained run at a data size) or "
                        "trajectory (the checkpoints of one run; fitted with the lm preset unless --priors is "
                        "given)")
    p.add_argument("--missing", choices=["raise", "drop"], default="raise",
                   help="rows with an empty x or y: an error (default), or left out with a warning (drop: e.g. a "
                        "training log whose eval metric is logged every few hundred steps)")


def _priors_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--priors", metavar="NAME|FILE", help="a preset (lm: language-model loss in nats, not "
                   "perplexity; tabular: error rates of tabular classifiers) or a .json file of priors, e.g. "
                   "from learn-priors (default: the package's priors)")
    p.add_argument("--likelihood", metavar="NAME", default=None,
                   help="the noise model on log y: lognormal (the default) or student_t (robust to a wild point: "
                        "a diverged run, a bad evaluation; slower: its models are compiled on first use)")


def _output_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--forecast", nargs="+", type=_positive(float), metavar="N",
                   help="sample counts to forecast (default: 2x, 4x, 8x the largest observed)")
    p.add_argument("--discrepancy", type=_discrepancy, default="learned", metavar="K",
                   help="extra log-sd of forecasts and budget answers per factor e beyond the data: 'learned' from how "
                   "well the laws forecast the largest n (default), or a number (0: the laws alone; see the docs)")
    p.add_argument("--target", type=_positive(float), metavar="T",
                   help="target metric: samples needed to reach it with probability --prob, planning table")
    p.add_argument("--out", metavar="DIR", help="directory for report.html, report.md, CSV tables, PNG figures "
                   "and the saved fit")
    p.add_argument("--force", action="store_true", help="replace what --out already holds")


def _progress_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--progress", action="store_true", default=None,
                   help="show the sampler's progress bars (default: when stderr is a terminal)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="never show progress bars")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bayes-scaling",
        description="Bayesian learning-curve and scaling-law analysis.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show full tracebacks on errors")
    fitp = sub.add_parser("fit", parents=[debug], help="fit the laws to a CSV of your own",
                          description="Fit learning-curve laws to DATA.csv and print ranking, floors and "
                                      "forecasts; with --out, save the fit and its tables.")
    _data_arguments(fitp)
    _priors_argument(fitp)
    fitp.add_argument("--group", metavar="COL", help="column naming each row's configuration: one fit per "
                      "configuration and pairwise P(a < b) tables")
    fitp.add_argument("--pooling", choices=["none", "partial"], default="none",
                      help="with --group: partially pool the exponents across configurations (default none)")
    _output_arguments(fitp)
    fitp.add_argument("--draws", type=_positive(int), default=1000, help="draws per chain (default 1000)")
    _progress_arguments(fitp)
    fitp.set_defaults(func=_fit)
    bt = sub.add_parser("backtest", parents=[debug],
                        help="refit on the early points and score forecasts of the later ones",
                        description="Refit on the first k distinct sample counts (k from --min-points up) "
                                    "and score each law's and the averaged forecasts of the later points.")
    _data_arguments(bt)
    _priors_argument(bt)
    bt.add_argument("--min-points", type=_positive(int), default=3, help="fewest distinct n to fit on (default 3)")
    bt.add_argument("--out", metavar="DIR", help="directory for backtest.csv, backtest_summary.csv, backtest.png")
    bt.add_argument("--force", action="store_true", help="replace what an earlier backtest wrote into --out")
    bt.set_defaults(func=_backtest)
    lp = sub.add_parser("learn-priors", parents=[debug], help="learn priors from earlier curves (a lab's past runs)",
                        description="Learn priors from earlier curves by empirical Bayes (bs.learn_priors) and "
                                    "write them, with their provenance and held-out check, to --out FILE.json "
                                    "for fit --priors FILE.json.")
    lp.add_argument("curves", nargs="+", metavar="CURVES", help="CSV files, one curve each (or several with --curve)")
    _column_arguments(lp, "laws to learn for (default: the default laws)")
    lp.add_argument("--curve", metavar="COL", help="column naming each row's curve (several curves in one file)")
    lp.add_argument("--horizon", type=_greater_than_one, metavar="H",
                    help="fit each curve on its points up to 1/H of its largest x and score what it forecasts "
                         "for the rest (e.g. 8: the priors for forecasts 8x out); default: score each curve's "
                         "own last doubling")
    lp.add_argument("--prob", type=_probability, default=0.9,
                    help="with --horizon: the interval mass whose interval score sets the discrepancy's width "
                         "(default 0.9)")
    lp.add_argument("--name", default="learned", help="name of the priors (default: learned)")
    lp.add_argument("--source", help="where the curves come from, in words, for the provenance")
    lp.add_argument("--draws", type=_positive(int), default=1000, help="draws per chain (default 1000)")
    lp.add_argument("--out", required=True, metavar="FILE.json", help="where to write the priors")
    lp.add_argument("--force", action="store_true", help="replace --out if it exists")
    _progress_arguments(lp)
    lp.set_defaults(func=_learn_priors)
    sp = sub.add_parser("surface", parents=[debug], help="fit scaling surfaces: loss over model and data size",
                        description="Fit loss over model size and data size (the Chinchilla and Kaplan laws) to "
                                    "DATA.csv and print the ranking, the parameters and the compute-optimal plan "
                                    "for each --budget.")
    sp.add_argument("data", help="CSV file, one row per training run (model size, data size, loss)")
    sp.add_argument("--n", required=True, help="column of the model size (parameters)")
    sp.add_argument("--d", required=True, help="column of the data size (tokens)")
    sp.add_argument("--y", required=True, help="column of the loss")
    sp.add_argument("--budget", nargs="+", type=_positive(float), metavar="FLOPS",
                    help="compute budgets (FLOPs, C = 6ND) to plan for, e.g. 1e21 1e23")
    sp.add_argument("--laws", nargs="+", metavar="LAW", help="surface laws to fit (default: chinchilla kaplan)")
    sp.add_argument("--group", metavar="COL", help="column naming each run's configuration: one surface each")
    sp.add_argument("--seed", type=_seed, default=0, help="random seed, an integer >= 0 (default 0)")
    sp.add_argument("--prob", type=_probability, default=0.9, help="interval mass (default 0.9)")
    sp.add_argument("--draws", type=_positive(int), default=1000, help="draws per chain (default 1000)")
    _priors_argument(sp)
    sp.add_argument("--out", metavar="DIR", help="directory for surface.md, CSV tables and PNG figures")
    sp.add_argument("--force", action="store_true", help="replace what --out already holds")
    _progress_arguments(sp)
    sp.set_defaults(func=_surface)
    rep = sub.add_parser("report", parents=[debug], help="print the report of a saved fit",
                         description="Re-render the report of a fit saved with `fit --out DIR`: print it and "
                                     "rewrite DIR/report.html, report.md, the CSV tables and figures (or save "
                                     "everything into --out).")
    rep.add_argument("dir", help="directory of a saved fit")
    rep.add_argument("--prob", type=_probability, default=0.9, help="interval mass (default 0.9)")
    _output_arguments(rep)
    rep.set_defaults(func=_report)
    demo = sub.add_parser("demo", parents=[debug], help="fit the built-in seed table and print the analysis",
                          description="Fit power, saturation and exp_decay to the built-in 2-block "
                                      "seed table and print ranking, floors and forecasts.")
    demo.add_argument("--x", choices=["samples", "tokens"], default="samples",
                      help="sample-count column (default: samples)")
    demo.add_argument("--prob", type=_probability, default=0.9, help="interval mass (default 0.9)")
    demo.add_argument("--seed", type=_seed, default=0, help="random seed, an integer >= 0 (default 0)")
    demo.add_argument("--draws", type=_positive(int), default=1000, help="draws per chain (default 1000)")
    _progress_arguments(demo)
    demo.set_defaults(func=_demo)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"bayes-scaling: warning: {message}", file=sys.stderr)


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    0: done; 2: a user error (bad option, unreadable or invalid data, a damaged saved fit), told in
    one line on stderr; 1: an error inside the package (please report it), one line as well;
    130: interrupted by Ctrl-C. ``--debug`` shows the full traceback instead.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            if not args.debug:
                warnings.showwarning = _show_warning
            return args.func(args)
    except BrokenPipeError:
        raise
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("bayes-scaling: interrupted", file=sys.stderr)
        return 130
    except (BayesScalingError, OSError) as err:
        if args.debug:
            raise
        print(f"bayes-scaling: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except Exception as err:
        if args.debug:
            raise
        print(f"bayes-scaling: internal error: {type(err).__name__}: {_one_line(err)} (run with --debug for the "
              "traceback, and please report it)", file=sys.stderr)
        return 1


def run() -> None:
    """Console-script entry point: :func:`main`, then exit without interpreter teardown.

    Tearing down the modules a fit loads (numba, scipy, pandas, nutpie's threads) costs
    ~0.7 s of a ~5 s command and does nothing useful: every file the command writes is
    closed before ``main`` returns, and standard streams are flushed here.
    """
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `bayes-scaling demo | head`: the reader left, nothing to report
        code = 0
    try:
        sys.stderr.flush()
    finally:
        os._exit(code)


if __name__ == "__main__":
    run()
