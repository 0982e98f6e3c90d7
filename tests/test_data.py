import numpy as np
import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.data import as_scaling_data


def test_load_example_matches_seed_note(seed_df):
    assert list(seed_df.columns) == ["samples", "tokens", "val_ppl", "val_acc", "er"]
    assert seed_df["samples"].tolist() == [200, 400, 800, 1600, 3200]
    assert seed_df["tokens"].tolist() == [240132, 473429, 948524, 1920992, 3864746]
    assert seed_df["val_ppl"].tolist() == [258.3, 187.6, 150.5, 127.4, 114.8]


def test_scales_are_centred(seed_data):
    assert seed_data.n_ref == pytest.approx(800.0)
    assert seed_data.u.sum() == pytest.approx(0.0, abs=1e-12)
    assert seed_data.log_y_center == pytest.approx(np.log(seed_data.y).mean())


def test_rows_are_sorted_and_replicates_kept():
    df = pd.DataFrame({"n": [400, 100, 200, 100], "y": [2.0, 4.0, 3.0, 4.2]})
    d = as_scaling_data(df, x="n", y="y")
    assert d.n.tolist() == [100, 100, 200, 400]
    assert d.y.tolist() == [4.0, 4.2, 3.0, 2.0]
    assert d.index == (1, 3, 2, 0)
    # n_ref is the geometric mean of the *distinct* n, not weighted by replicates
    assert d.n_ref == pytest.approx(200.0)


def test_caller_dataframe_is_not_modified(monkeypatch):
    df = pd.DataFrame({"steps": [300, 100, 200], "loss": [2.0, 3.0, 2.5], "note": ["c", "a", "b"]})
    before = df.copy(deep=True)
    d = as_scaling_data(df, x="steps", y="loss")
    assert df.equals(before)
    with pytest.raises(ValueError):
        d.n[0] = 5.0  # the validated arrays are read-only


def test_csv_path_with_any_names(tmp_path):
    p = tmp_path / "curve.csv"
    p.write_text("\ufeff# my runs\ntokens;val loss\n1e9;3.1\n2e9;2.9\n4e9;2.8\n")
    d = as_scaling_data(p, x="tokens", y="val loss")
    assert d.n.tolist() == [1e9, 2e9, 4e9]


@pytest.mark.parametrize(
    ("frame", "x", "y", "words"),
    [
        ({"samples": [1, 2, 3], "ppl": [3, 2, 1]}, "sample", "ppl", ["'sample'", "Did you mean 'samples'"]),
        ({"n": [1, 2, 3], "y": [3, 2, 1]}, "n", "loss", ["'loss'", "not in the data"]),
        ({"n": [1, 2, 3], "y": [3, "oops", 1]}, "n", "y", ["'y'", "non-numeric", "rows 1", "'oops'"]),
        ({"n": [1, 2, np.nan], "y": [3, 2, 1]}, "n", "y", ["'n'", "NaN", "rows 2"]),
        ({"n": [1, 2, 3], "y": [3, np.inf, 1]}, "n", "y", ["'y'", "infinite", "rows 1"]),
        ({"n": [0, 2, 3, 4], "y": [3, 2, 1, 1]}, "n", "y", ["'n'", "strictly positive", "rows 0"]),
        ({"n": [1, 2, 3], "y": [3, -2, 1]}, "n", "y", ["'y'", "strictly positive", "rows 1"]),
        ({"n": [1, 1, 2, 2], "y": [3, 3, 2, 2]}, "n", "y", ["'n'", "2 distinct", "at least 3"]),
    ],
)
def test_invalid_data_is_refused_before_sampling(monkeypatch, frame, x, y, words):
    import bayes_scaling.result as wf  # where laws are sampled

    def no_sampling(*a, **k):  # pragma: no cover - reaching it is the failure
        raise AssertionError("sampling started on invalid data")

    monkeypatch.setattr(wf, "sample_law", no_sampling)
    df = pd.DataFrame(frame)
    before = df.copy(deep=True)
    with pytest.raises(bs.DataError) as err:
        bs.fit(df, x=x, y=y)
    assert isinstance(err.value, ValueError)
    for w in words:
        assert w in str(err.value)
    assert df.equals(before)


def test_row_labels_in_messages_are_the_callers_index():
    df = pd.DataFrame({"n": [1, 2, 3, 4], "y": [3, 2, 0, 1]}, index=["a", "b", "c", "d"])
    with pytest.raises(bs.DataError, match="rows 'c'"):
        as_scaling_data(df, x="n", y="y")


def test_missing_file_and_wrong_type():
    with pytest.raises(bs.DataError, match="does not exist"):
        as_scaling_data("/no/such/file.csv", x="n", y="y")
    with pytest.raises(bs.DataError, match="DataFrame, an Arrow or polars table, a dict of columns or a path"):
        as_scaling_data([1, 2, 3], x="n", y="y")


def test_arrow_and_polars_tables_read_as_their_pandas_twins():
    """A pyarrow Table or RecordBatch and a polars DataFrame (the Arrow PyCapsule stream) give the same data
    as the pandas frame, errors name the column as for pandas, and the table is left as it was."""
    import polars as pl
    import pyarrow as pa

    frame = pd.DataFrame({"tokens": [4e9, 1e9, 2e9, 8e9], "eval/loss": [2.9, 3.4, 3.1, 2.75]})
    want = as_scaling_data(frame, x="tokens", y="eval/loss")
    arrow = pa.Table.from_pandas(frame)
    polars = pl.from_pandas(frame)
    for table in (arrow, arrow.to_batches()[0], polars):
        got = as_scaling_data(table, x="tokens", y="eval/loss")
        np.testing.assert_array_equal(got.n, want.n)
        np.testing.assert_array_equal(got.y, want.y)
        assert got.y_name == "eval/loss"
    assert polars.equals(pl.from_pandas(frame)) and arrow.equals(pa.Table.from_pandas(frame))
    bad = pl.DataFrame({"tokens": [1e9, 2e9, 4e9], "eval/loss": [3.0, -1.0, 2.5]})
    with pytest.raises(bs.DataError, match="eval/loss"):
        as_scaling_data(bad, x="tokens", y="eval/loss")

    class Broken:
        def __arrow_c_stream__(self, requested_schema=None):
            raise RuntimeError("no columns here")

    with pytest.raises(bs.DataError, match="could not read the Broken table through Arrow: no columns here"):
        as_scaling_data(Broken(), x="n", y="y")


def test_dict_of_columns_is_accepted():
    d = as_scaling_data({"n": [300, 100, 200], "y": [2.0, 3.0, 2.5]}, x="n", y="y")
    assert d.n.tolist() == [100, 200, 300]


@pytest.mark.parametrize(("values", "word"), [
    (pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01"]), "dates"),
    (pd.to_timedelta([1, 2, 3], unit="D"), "time spans"),
    ([True, False, True], "true/false"),
    (pd.array([True, False, True], dtype="boolean"), "true/false"),
])
def test_non_numeric_dtypes_are_refused(values, word):
    with pytest.raises(bs.DataError, match=f"column 'n' holds {word}"):
        as_scaling_data(pd.DataFrame({"n": values, "y": [3.0, 2.0, 1.0]}), x="n", y="y")


def test_laws_needing_more_points_are_left_out_or_refused(monkeypatch):
    import bayes_scaling.result as wf  # where laws are sampled

    calls = []
    monkeypatch.setattr(wf, "sample_law", lambda law, *a, **k: calls.append(law.name) or (_ for _ in ()).throw(
        RuntimeError("stop here")))
    df = pd.DataFrame({"n": [100, 1000, 10000], "y": [5.0, 3.0, 2.6]})
    # by default exp_decay (4 curve parameters) is left out of a 3-point fit, with a warning
    with pytest.warns(bs.DataWarning, match="left out exp_decay"), pytest.warns(bs.ConvergenceWarning):
        with pytest.raises(bs.FitError):
            bs.fit(df)
    assert calls == ["power", "saturation"]
    # asked for by name, it is refused before sampling
    calls.clear()
    with pytest.raises(bs.DataError, match="at least 4 are needed"):
        bs.fit(df, laws=["exp_decay"])
    assert calls == []


def _training_log():
    """A training log as wandb exports it: the eval metric only every fifth row, NaN in between."""
    step = np.arange(1, 41) * 100.0
    loss = 2.0 + 30 * step**-0.3
    return pd.DataFrame({"_step": step, "train/loss": loss,
                         "eval/loss": np.where(np.arange(40) % 5 == 4, 1.02 * loss, np.nan)})


def test_missing_values_are_refused_by_default_and_the_message_names_the_option():
    with pytest.raises(bs.DataError, match=r"'eval/loss' has missing values \(NaN\) in rows 0, 1, 2.*missing='drop'"):
        as_scaling_data(_training_log(), x="_step", y="eval/loss")


def test_missing_drop_leaves_out_the_empty_rows_and_says_so():
    log = _training_log()
    before = log.copy(deep=True)
    with pytest.warns(bs.DataWarning, match=r"left out 32 of 40 rows missing a value in '_step' or 'eval/loss' "
                                            r"\(rows 0, 1, 2, 3, 5.*8 rows are fitted"):
        d = as_scaling_data(log, x="_step", y="eval/loss", missing="drop")
    assert log.equals(before)  # the caller's table is not touched
    kept = log["eval/loss"].notna().to_numpy()
    assert d.index == tuple(log.index[kept])  # each fitted row keeps its label in the caller's table
    np.testing.assert_array_equal(d.y, log["eval/loss"].to_numpy()[kept])
    with pytest.raises(bs.DataError, match="every row misses a value in 'n' or 'y'"):
        as_scaling_data({"n": [1.0, 2.0], "y": [np.nan, np.nan]}, missing="drop")
    with pytest.raises(bs.ArgumentError, match="missing"):
        as_scaling_data(log, x="_step", y="eval/loss", missing="ignore")
    # only missing values are dropped: the other checks still refuse bad rows
    bad = log.assign(**{"eval/loss": log["eval/loss"].where(log.index != 9, -1.0)})
    with pytest.raises(bs.DataError, match=r"strictly positive.*rows 9"), pytest.warns(bs.DataWarning):
        as_scaling_data(bad, x="_step", y="eval/loss", missing="drop")


def test_missing_drop_reaches_fit_groups_and_fit_many(monkeypatch):
    import bayes_scaling.workflow as wf

    seen = []

    class Stub:  # what fit() records on the fit it returns
        def declare(self, *args):
            return self

    monkeypatch.setattr(wf.ScalingFit, "from_data",
                        classmethod(lambda cls, data, *a, **k: seen.append(data) or Stub()))
    log = _training_log()
    with pytest.warns(bs.DataWarning, match="left out 32 of 40"):
        bs.fit(log, x="_step", y="eval/loss", missing="drop")
    assert seen[-1].n_obs == 8
    two = pd.concat([log.assign(run="a"), log.assign(run="b")], ignore_index=True)
    two.loc[4, "run"] = None  # a measured row without its configuration is missing a value as well
    with pytest.warns(bs.DataWarning, match="left out 65 of 80 rows missing a value in 'run' or '_step' or 'eval"):
        groups = bs.data.split_groups(two, "run", x="_step", y="eval/loss", missing="drop")
    assert {k: g.n_obs for k, g in groups.items()} == {"a": 7, "b": 8}
    with pytest.raises(bs.ArgumentError, match="missing"):
        bs.fit_many([log], x="_step", y="eval/loss", missing="sometimes")
