"""The report's reading order and numbers: the headline, grouped warnings, significant figures, and the
notebook view of a fit."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.report import default_forecast, formatted, headline, tables, warning_lines


def test_intervals_are_written_to_the_decimals_their_width_warrants():
    """Two significant digits of the narrowest width of a column group, the same decimals for the point,
    the interval and its hdi_/curve_ twins; other floats to three significant figures; counts with
    thousands separators. The frame itself is not changed."""
    df = pd.DataFrame({"n": [6400.0, 12800.0], "median": [2.51234, 2.49876], "lower": [2.48951, 2.4611],
                       "upper": [2.53917, 2.54321], "curve_lower": [2.5, 2.49], "curve_upper": [2.52, 2.51],
                       "gain_median": [0.0123456, 0.0234], "gain_lower": [0.001, 0.002],
                       "gain_upper": [0.05, 0.06], "p_loo": [3.14159, 12.3456]})
    before = df.copy()
    out = formatted(df)
    pd.testing.assert_frame_equal(df, before)
    # narrowest width 0.0497 -> two significant digits need 3 decimals
    assert out["median"].tolist() == ["2.512", "2.499"] and out["curve_upper"].tolist() == ["2.520", "2.510"]
    assert out["gain_median"].tolist() == ["0.012", "0.023"]  # width 0.049 -> 3 decimals
    assert out["n"].tolist() == ["6,400", "12,800"] and out["p_loo"].tolist() == ["3.14", "12.3"]
    wide = formatted(pd.DataFrame({"median": [108.1], "lower": [101.3], "upper": [115.8]}))
    assert wide.iloc[0].tolist() == ["108", "101", "116"]


@pytest.fixture(scope="module")
def seed_sections():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1)
        return fit, tables(fit, default_forecast(fit), 0.9, target=120)


def test_headline_states_the_answer_with_its_numbers(seed_sections):
    fit, sections = seed_sections
    lines = headline(fit, sections)
    w = fit.forecast_weights()["weight"]
    assert lines[0].startswith(f"Best-supported law: {w.idxmax()} (") and f"{w.max():.0%}" in lines[0]
    fc = fit.forecast(default_forecast(fit))
    for (_, row), x in zip(fc.iterrows(), ("2x", "4x", "8x"), strict=True):
        assert f"{row['n']:,.0f} samples ({x} the data): {row['median']:.0f} ({row['lower']:.0f}-" \
               f"{row['upper']:.0f})" in lines[2]
    needed = fit.samples_needed(120)["n"].iloc[0]
    assert lines[3] == f"To reach val_ppl <= 120: {float(f'{needed:.3g}'):,.0f} samples " \
                       f"({needed / 3200:.2g}x the data)"
    beyond = {**sections, "samples_needed": ("", "", fit.samples_needed(80))}  # below every law's floor
    reason = beyond["samples_needed"][2]["reason"][0]
    assert headline(fit, beyond)[3] == f"To reach val_ppl <= 80: not reached: {reason}"


def test_the_headline_says_when_the_answers_rest_on_a_preset_or_your_priors(seed_sections):
    fit, sections = seed_sections
    # the kind's line says whose priors: the defaults here
    assert "Kind of curve: runs (separately trained runs); priors: the package's defaults" in headline(fit, sections)
    probs = {"law_probs": {"power": 0.2, "saturation": 0.5, "exp_decay": 0.3}}
    for priors, who in (("lm", "preset lm"), (probs, "yours"), (bs.Priors(probs, name="mine"), "'mine'")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            other = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1, draws=300, priors=priors)
            lines = headline(other, tables(other, default_forecast(other), 0.9))
        assert f"Kind of curve: runs (separately trained runs); priors: {who}, not the package's defaults" in \
            "\n".join(lines)
    # the Priors section's description carries the provenance of named priors (a preset's corpus)
    base = "default or yours; parameters on the centred log-n scale, quantities in the metric's units"
    assert tables(other, [6400], 0.9)["priors"][1] == base  # priors of your own, no provenance
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1, draws=300, priors="lm")
        assert tables(lm, [6400], 0.9)["priors"][1] == f"{base}; lm: {bs.priors.preset('lm').provenance}"


def test_a_best_law_that_did_not_converge_is_flagged_in_the_headline(seed_sections):
    fit, sections = seed_sections
    heading, why, compare = sections["compare"]
    best = compare["forecast_weight"].idxmax()
    shaken = {**sections, "compare": (heading, why, compare.assign(converged=compare.index != best))}
    assert headline(fit, shaken)[0].endswith("PSIS-LOO agrees, NOT converged)")
    assert "NOT converged" not in headline(fit, sections)[0]


def test_each_kind_of_warning_is_said_once_most_severe_first(seed_sections):
    fit, sections = seed_sections
    lines = warning_lines(fit, sections)
    assert len(lines) == len(set(lines))
    sens = [line for line in lines if line.startswith("! the prior moves these answers")]
    leaning = sections["sensitivity"][2].query("prior >= 0.05")
    assert len(sens) == 1 and all(f"{k} {v:.2f}" in sens[0] for k, v in leaning["prior"].items())
    pareto = [i for i, line in enumerate(lines) if "Pareto k" in line]
    assert all(i > lines.index(sens[0]) for i in pareto)  # the checks of LOO come after what bears on answers
    report = bs.report.render_text(fit, sections)
    assert report.count("the prior still moves this answer") == 0 and report.count("the prior moves these") == 1


def test_a_fit_shows_its_headline_comparison_and_fan_in_a_notebook(seed_sections):
    fit, _ = seed_sections
    page = fit._repr_html_()
    assert "Best-supported law:" in page and "class='headline'" in page
    assert re.search(r"<th>forecast_weight</th>", page) and page.count("data:image/png;base64,") == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grouped = bs.fit(bs.load_example("simulated_configs"), x="samples", y="val_ppl", group="blocks",
                         laws=["saturation"], random_seed=3, draws=300)
    view = grouped._repr_html_()
    assert view.count("Best-supported law: saturation") == 2 and "2-block:" in view and "3-block:" in view
    assert np.all([g in view for g in grouped.fits])


def test_a_law_that_did_not_converge_is_said_once_in_the_headline_and_once_in_red(seed_sections, monkeypatch):
    fit, sections = seed_sections
    monkeypatch.setattr(bs.report, "_not_converged", lambda f: ["exp_decay"])
    lines = warning_lines(fit, sections)
    assert lines[0].startswith("! did not converge") and lines[0].endswith(": exp_decay")
    page = bs.report.headline_html(fit, sections)
    assert page.count("converge") == 2  # the headline's Warnings line and the first warning
    assert re.search(r"<li class=bad>did not converge[^<]*exp_decay</li>", page)
    assert page.count("class=bad") == 1


def test_a_blank_mean_is_explained_where_it_is_blank(seed_sections):
    """The seed fit has means among its 2x-8x forecasts; 1000x out the discrepancy's heavy tail leaves none, and the
    forecast, planning and doubling tables say why their mean is blank (the floor's is not)."""
    fit, sections = seed_sections
    note = "mean left blank where the draws' tails are too heavy for one"
    assert sections["forecast"][2]["mean"].notna().any() and note not in sections["ppl_min"][1]
    far = tables(fit, [3.2e6], 0.9, target=120)
    for stem in ("forecast", "decision", "doubling_gain"):
        _, why, table = far[stem]
        assert table["mean"].isna().any() and why.endswith(note + " (Pareto k > 0.7: beyond the data the "
                                                           "discrepancy's heavy tail leaves no finite mean): "
                                                           "read the median"), stem
    assert far["ppl_min"][2]["mean"].notna().all() and note not in far["ppl_min"][1]
    text = formatted(far["forecast"][2])
    assert (text.loc[far["forecast"][2]["mean"].isna(), "mean"] == "").all()  # printed blank, not "nan"


def test_large_counts_and_gains_are_in_the_reader_s_units():
    """A language-model curve in tokens: counts of a million and more print as 25.6B (not 25,600,000,000), and
    the planning table's gain is per a power of ten of the data's magnitude (per 1B tokens, not per 1,000 tokens
    0.0000000135), in its columns too; the CSV keeps every digit (the frame is unchanged)."""
    from bayes_scaling.report import _count, _number, gain_unit, render_text

    assert [_number(v) for v in (6400.0, 6.4e9, 1.5e6, 3e12, 0.5)] == ["6,400", "6.4B", "1.5M", "3T", "0.5"]
    assert _count(1.23456e10) == "12.3B" and _count(14_567.0) == "14,600"
    tokens = 1e8 * 2.0 ** np.arange(8)
    df = pd.DataFrame({"tokens": tokens, "loss": 1.9 + 2.75 * (tokens / 1e8) ** -0.35})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bs.fit(df, x="tokens", y="loss", laws=["saturation"], draws=300, random_seed=1)
        sections = tables(fit, [2.56e10, 1.024e11], 0.9, target=2.2)
    assert gain_unit(fit) == 1e9
    table = sections["decision"][2]
    assert "gain_per_1B_median" in table.columns and table["n"].tolist() == [2.56e10, 1.024e11]
    text = render_text(fit, sections, "t")
    assert "25.6B tokens (2x the data)" in text and "gain per 1B tokens" in text
    assert "25,600,000,000" not in text and "e+09" not in text.split("Planning table")[1].split("\n\n")[1]
