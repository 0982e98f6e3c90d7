"""Hostile and careless input: every option is checked before any sampling, with a message naming it."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bayes_scaling as bs
import bayes_scaling.result as where_sampled
from bayes_scaling import checks, plots

LM = pd.DataFrame({"tokens": [1000, 2000, 4000, 8000, 16000, 32000.0],
                   "eval/loss": [3.91, 3.62, 3.41, 3.27, 3.18, 3.12]})


class SamplingStarted(BaseException):  # not an Exception: no per-law handler can swallow it
    pass


@pytest.fixture
def no_sampling(monkeypatch):
    """Any call that reaches the sampler fails the test: the error must come first."""
    def refuse(*a, **k):
        raise SamplingStarted("sampling started before the arguments were checked")
    monkeypatch.setattr(where_sampled, "sample_law", refuse)


JUNK = st.one_of(st.text(max_size=3), st.floats(allow_nan=True), st.integers(max_value=0), st.none(),
                 st.lists(st.integers(), max_size=2), st.booleans(), st.just(-1), st.just(1.5))

OPTIONS = {  # option -> predicate true of the junk values it must refuse
    "draws": lambda v: v is None or isinstance(v, (str, list, bool)) or not float(v) == int(float(v)) or v < 1,
    "tune": lambda v: v is None or isinstance(v, (str, list, bool)) or not float(v) == int(float(v)) or v < 1,
    "chains": lambda v: v is None or isinstance(v, (str, list, bool)) or not float(v) == int(float(v)) or v < 1,
    "cores": lambda v: v is not None and (isinstance(v, (str, list, bool)) or not float(v) == int(float(v))
                                          or v < 1),
    "target_accept": lambda v: v is None or isinstance(v, (str, list, bool)) or not 0 < v < 1,
    "random_seed": lambda v: v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0),
    "progressbar": lambda v: not isinstance(v, bool),
}


def _refused(v, pred) -> bool:
    try:
        return bool(pred(v))
    except (TypeError, ValueError, OverflowError):
        return True


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(sorted(OPTIONS)), value=JUNK)
def test_every_sampler_option_is_checked_before_sampling(no_sampling, option, value):
    if not _refused(value, OPTIONS[option]):
        return
    with pytest.raises(bs.ArgumentError, match=option):
        bs.fit(LM, x="tokens", y="eval/loss", **{option: value})


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"cores": 0}, "cores must be None .every core. or an integer >= 1, got 0"),
    ({"cores": -1}, "cores must be None"),
    ({"random_seed": -1}, "random_seed must be None or an integer between 0 and 2\\*\\*63 - 1, got -1"),
    ({"random_seed": 2**70}, "random_seed"),
    ({"random_seed": "a"}, "random_seed"),
    ({"target_accept": "x"}, "target_accept must be a number strictly between 0 and 1"),
    ({"x": ["tokens"]}, "x must be a column name"),
    ({"y": None}, "y must be a column name"),
    ({"keep": 5}, "keep must be a name or a list of names, got int 5"),
    ({"laws": 5}, "laws must be a name or a list of names"),
    ({"laws": [5]}, "laws must be names .strings.; got \\[5\\]"),
    ({"laws": {"power": 1}}, "laws must be a name or a list of names, got dict"),
    ({"pooling": None}, "pooling must be one of 'none', 'partial'; got None"),
    ({"group": 3}, "group must be a column name"),
    ({"draws": 10**9}, "draws=1000000000 x chains=4 would need about .* GiB"),
    ({"chains": 10**6}, "chains=1000000 would need"),
])
def test_bad_options_name_themselves(no_sampling, kwargs, needle):
    with pytest.raises(bs.ArgumentError, match=needle):
        bs.fit(LM, **({"x": "tokens", "y": "eval/loss"} | kwargs))


def test_one_string_is_one_name(no_sampling):
    """``laws="power"`` is the law power, ``keep="tokens"`` the column tokens: never their letters."""
    assert checks.check_names("power", "laws") == ["power"]
    df = LM.assign(extra=1.0)
    with pytest.raises(SamplingStarted):  # got past every check
        bs.fit(df, x="tokens", y="eval/loss", laws="power", keep="extra")


def test_integral_floats_are_counts_and_memory_is_estimated():
    assert checks.check_int(1e3, "draws") == 1000 and isinstance(checks.check_int(np.int64(4), "chains"), int)
    with pytest.raises(bs.ArgumentError, match=r"draws must be an integer >= 1, got 2.5"):
        checks.check_int(2.5, "draws")
    checks.check_memory(1000, 4, 100, available=2**30)  # 9.6 MB of 1 GiB: fine
    with pytest.raises(bs.ArgumentError, match=r"more than half this machine's 1.0 GiB"):
        checks.check_memory(10**6, 4, 100, available=2**30)


def test_fit_many_refuses_one_frame_and_takes_a_dict(no_sampling):
    with pytest.raises(bs.ArgumentError, match="fit_many takes a list or dict of curves, got one DataFrame"):
        bs.fit_many(LM, x="tokens", y="eval/loss")
    with pytest.raises(bs.ArgumentError, match="draws"):  # shared options: raised once, up front
        bs.fit_many([LM, LM], x="tokens", y="eval/loss", draws=-3)
    with pytest.raises(bs.ArgumentError, match="unknown options \\['draw'\\]"):
        bs.fit_many([LM], x="tokens", y="eval/loss", draw=10)


def test_fit_many_keeps_the_good_fits_and_names_the_bad_curve():
    bad = LM.assign(**{"eval/loss": [3.9, -1.0, 3.4, 3.3, 3.2, 3.1]})
    with pytest.warns(bs.DataWarning, match="1 of 3 curves could not be fitted .curve 'broken': DataError"):
        out = bs.fit_many({"a": LM, "broken": bad, "c": LM.iloc[:5]}, x="tokens", y="eval/loss",
                          laws=["power"], draws=200, random_seed=3, n_jobs=2)
    assert list(out) == ["a", "broken", "c"]
    assert isinstance(out["a"], bs.ScalingFit) and out["c"].data.n_obs == 5
    failure = out["broken"]
    assert isinstance(failure, bs.FitFailure) and failure.key == "broken"
    assert "eval/loss" in failure.message and "row" in failure.message
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesScalingWarning)
        listed = bs.fit_many([LM, bad], x="tokens", y="eval/loss", laws=["power"], draws=200, random_seed=3,
                             n_jobs=1)
    assert isinstance(listed[0], bs.ScalingFit) and listed[1].key == 1


def test_plots_given_the_wrong_object_say_what_they_need(seed_fit):
    for fn in (plots.plot_fit, plots.plot_forecast, plots.plot_floor, plots.plot_compare):
        with pytest.raises(bs.ArgumentError, match=r"fit must be a ScalingFit .from bs.fit., got DataFrame"):
            fn(LM)
    with pytest.raises(bs.ArgumentError, match="grouped must be a GroupedFit"):
        plots.plot_groups(seed_fit)
    with pytest.raises(bs.ArgumentError, match=r"table must be the DataFrame of fit.backtest"):
        plots.plot_backtest(seed_fit)
    with pytest.raises(bs.ArgumentError, match="lacks the columns"):
        plots.plot_prior_predictive(LM)


METHODS = {  # method -> the arguments that make a valid call, and the argument to spoil
    "forecast": ({"n": [6400]}, ["n", "prob", "law", "discrepancy"]),
    "ppl_min": ({}, ["prob"]),
    "samples_needed": ({"target": 110}, ["target", "prob", "law", "discrepancy"]),
    "doubling_gain": ({"n": [3200]}, ["n", "prob", "law", "discrepancy"]),
    "decision_summary": ({"target": 110, "budgets": [6400]}, ["target", "budgets", "prob", "law"]),
    "prior_predictive": ({}, ["prob"]),
}
SPOILED = {
    "prob": st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), st.just(float("nan")), st.text(max_size=2),
                      st.none(), st.lists(st.floats(0.1, 0.9), min_size=1, max_size=2)),
    "target": st.one_of(st.floats(max_value=0.0), st.just(float("nan")), st.just(float("inf")), st.text(max_size=2),
                        st.none()),
    "n": st.one_of(st.floats(max_value=0.0), st.just(float("nan")), st.text(min_size=1, max_size=2),
                   st.lists(st.floats(max_value=0.0), min_size=1, max_size=2), st.just([])),
    "budgets": st.one_of(st.floats(max_value=0.0), st.text(min_size=1, max_size=2), st.just([])),
    "law": st.one_of(st.integers(), st.sampled_from(["nope", "Power", ""])),
    "discrepancy": st.one_of(st.floats(max_value=-1e-9), st.just(float("nan")), st.sampled_from(["x", "learn"])),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_method_checks_its_targets_probabilities_and_counts(seed_fit, data):
    method = data.draw(st.sampled_from(sorted(METHODS)))
    valid, spoilable = METHODS[method]
    arg = data.draw(st.sampled_from(spoilable))
    value = data.draw(SPOILED[arg])
    with pytest.raises(bs.BayesScalingError, match=arg if arg != "law" else "law|fitted"):
        getattr(seed_fit, method)(**(valid | {arg: value}))
