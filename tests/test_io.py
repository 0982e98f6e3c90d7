import json

import pandas as pd
import pytest

import bayes_scaling as bs


@pytest.fixture(scope="module")
def saved(tmp_path_factory, seed_df):
    fit = bs.fit(seed_df, x="samples", y="val_ppl", random_seed=8, keep=("tokens",))
    path = tmp_path_factory.mktemp("fit") / "out"
    fit.save(path)
    return fit, path


def test_round_trip_restores_identical_tables(saved):
    fit, path = saved
    back = bs.load(path)
    assert back.laws == fit.laws and back.seed == fit.seed
    pd.testing.assert_frame_equal(back.compare(), fit.compare())
    pd.testing.assert_frame_equal(back.ppl_min(0.8), fit.ppl_min(0.8))
    pd.testing.assert_frame_equal(back.forecast([6400, 1e5], law="all"), fit.forecast([6400, 1e5], law="all"))
    pd.testing.assert_frame_equal(back.diagnostics(), fit.diagnostics())
    pd.testing.assert_frame_equal(back.data.to_frame(), fit.data.to_frame())
    assert back["saturation"].tree.posterior.identical(fit["saturation"].tree.posterior)


def test_saving_never_overwrites_without_permission(saved, tmp_path):
    fit, path = saved
    before = (path / "fit.json").read_text()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        fit.save(path)
    assert (path / "fit.json").read_text() == before
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        fit.save(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    fit.save(path, overwrite=True)
    assert bs.load(path).laws == fit.laws


def test_corrupt_or_foreign_directories_give_clear_errors(saved, tmp_path):
    _, path = saved
    with pytest.raises(bs.LoadError, match=r"no fit\.json"):
        bs.load(tmp_path)
    (tmp_path / "fit.json").write_text("{not json")
    with pytest.raises(bs.LoadError, match="corrupt"):
        bs.load(tmp_path)
    (tmp_path / "fit.json").write_text(json.dumps({"format": "something.else"}))
    with pytest.raises(bs.LoadError, match="not a bayes_scaling fit"):
        bs.load(tmp_path)
    meta = json.loads((path / "fit.json").read_text())
    (tmp_path / "fit.json").write_text(json.dumps(meta))  # no data, no posteriors
    with pytest.raises(bs.LoadError, match=r"data\.csv is missing or damaged"):
        bs.load(tmp_path)
