"""The ``bayes-scaling`` command line (a thin layer over the public API)."""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from .errors import BayesScalingError

__all__ = ["main"]

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bayes-scaling",
        description="Bayesian learning-curve and scaling-law analysis.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="fit the built-in seed table and print the analysis",
                          description="Fit power, saturation and exp_decay to the built-in 2-block "
                                      "seed table and print ranking, floors and forecasts.")
    demo.add_argument("--x", choices=["samples", "tokens"], default="samples",
                      help="sample-count column (default: samples)")
    demo.add_argument("--prob", type=float, default=0.9, help="interval mass (default 0.9)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--draws", type=int, default=1000, help="draws per chain (default 1000)")
    demo.add_argument("--progress", action="store_true", help="show the sampler's progress bar")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (BayesScalingError, ValueError, KeyError, OSError) as err:
        if args.debug:
            raise
        print(f"bayes-scaling: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
