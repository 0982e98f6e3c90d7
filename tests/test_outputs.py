"""What the package writes, and what it never touches (bayes_scaling.outputs): it replaces only files it
wrote itself and that are unchanged since, never its input, never anything outside the folder, one save at a
time. Every case is one a user's folder can hold."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.cli import main
from bayes_scaling.outputs import LOCK, MANIFEST, OutputFolder

CURVE = pd.DataFrame({"n": [1000, 2000, 4000, 8000, 16000, 32000.0], "loss": [3.91, 3.62, 3.41, 3.27, 3.18, 3.12]})
FIT = ["--x", "n", "--y", "loss", "--laws", "power", "--draws", "200", "--no-progress"]


@pytest.fixture(scope="module")
def fit():
    return bs.fit(CURVE, x="n", y="loss", laws=["power"], draws=200, random_seed=1)


def _run(args) -> int:
    try:
        return main([str(a) for a in args])
    except SystemExit as exc:
        return exc.code


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("theirs", ["data.csv", "report.md", "fit.json", "compare.csv"])
def test_force_never_replaces_a_file_the_package_did_not_write(tmp_path, capsys, theirs):
    (tmp_path / "runs.csv").write_text(CURVE.to_csv(index=False))
    out = tmp_path / "out"
    out.mkdir()
    (out / theirs).write_text('{"written_by": "another tool"}' if theirs.endswith("json") else "mine\n")
    before = _tree(tmp_path)
    assert _run(["fit", tmp_path / "runs.csv", *FIT, "--out", out, "--force"]) == 2
    err = capsys.readouterr().err
    assert theirs in err and "not written by bayes_scaling" in err and "nothing was written" in err
    assert _tree(tmp_path) == before  # nothing written, nothing removed


def test_the_input_is_never_written_over_whatever_the_spelling(tmp_path, capsys, monkeypatch):
    (tmp_path / "data.csv").write_text(CURVE.to_csv(index=False))  # named like the saved fit's data file
    before = (tmp_path / "data.csv").read_bytes()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    for out in (".", "./", str(tmp_path), "sub/.."):
        for force in ([], ["--force"]):
            assert _run(["fit", "data.csv", *FIT, "--out", out, *force]) == 2
            assert (tmp_path / "data.csv").read_bytes() == before
    assert "the input" in capsys.readouterr().err


def test_a_rerun_replaces_the_package_s_own_output_and_nothing_else(tmp_path, capsys):
    (tmp_path / "runs.csv").write_text(CURVE.to_csv(index=False))
    out = tmp_path / "out"
    assert _run(["fit", tmp_path / "runs.csv", *FIT, "--out", out]) == 0
    manifest = json.loads((out / MANIFEST).read_text())["files"]
    assert {"fit.json", "data.csv", "posteriors/power.zarr", "report.md", "report.html"} <= set(manifest)
    (out / "notes.txt").write_text("mine")
    assert _run(["fit", tmp_path / "runs.csv", *FIT, "--out", out, "--force"]) == 0
    assert (out / "notes.txt").read_text() == "mine"
    # a file the package wrote but the user changed since is the user's now
    (out / "report.md").write_text("my edits")
    assert _run(["fit", tmp_path / "runs.csv", *FIT, "--out", out, "--force"]) == 2
    assert "report.md" in capsys.readouterr().err and (out / "report.md").read_text() == "my edits"
    assert not (out / LOCK).exists()


def test_save_removes_no_posterior_it_did_not_write_and_trusts_no_name(fit, tmp_path):
    path = tmp_path / "saved"
    fit.save(path)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep")
    (path / "posteriors" / "extra.zarr").mkdir()
    (path / "posteriors" / "extra.zarr" / "x").write_text("not the package's")
    meta = json.loads((path / "fit.json").read_text())
    meta["laws"] = ["power", "extra", "../../victim", "/tmp"]  # another tool's (or a forged) fit.json
    (path / "fit.json").write_text(json.dumps(meta))
    with pytest.raises(FileExistsError, match=r"fit\.json"):  # fit.json changed since: not the package's any more
        fit.save(path, overwrite=True)
    assert (victim / "precious.txt").read_text() == "keep"
    assert (path / "posteriors" / "extra.zarr" / "x").is_file()
    (path / "fit.json").unlink()  # with that file gone, the package's own files are replaced again
    fit.save(path, overwrite=True)
    assert (path / "posteriors" / "extra.zarr" / "x").is_file() and (victim / "precious.txt").is_file()
    assert bs.load(path).laws == ["power"]


def test_a_store_named_like_the_package_s_own_is_not_replaced(fit, tmp_path):
    path = tmp_path / "saved"
    (path / "posteriors" / "power.zarr").mkdir(parents=True)
    (path / "posteriors" / "power.zarr" / "mine").write_text("mine")
    with pytest.raises(FileExistsError, match=r"posteriors/power\.zarr"):
        fit.save(path, overwrite=True)
    assert (path / "posteriors" / "power.zarr" / "mine").read_text() == "mine"


def test_one_save_at_a_time(fit, tmp_path):
    path = tmp_path / "new"
    with OutputFolder(path):  # another save is writing there
        with pytest.raises(FileExistsError, match="another bayes_scaling save is writing"):
            fit.save(path, overwrite=True)
    fit.save(path, overwrite=True)
    assert bs.load(path).laws == ["power"] and not (path / LOCK).exists()


def test_a_fit_saved_by_an_earlier_version_is_recognised_by_its_checksums(fit, tmp_path):
    path = tmp_path / "old"
    fit.save(path)
    (path / MANIFEST).unlink()  # as an earlier version left it
    fit.save(path, overwrite=True)
    (path / MANIFEST).unlink()
    frame = pd.read_csv(path / "data.csv")
    frame.iloc[0, 1] = 9.99
    frame.to_csv(path / "data.csv", index=False)  # no longer what its checksums say: not the package's
    with pytest.raises(FileExistsError, match=r"data\.csv"):
        fit.save(path, overwrite=True)


def test_backtest_out_needs_force_and_keeps_the_user_s_files(tmp_path, capsys):
    (tmp_path / "runs.csv").write_text(CURVE.to_csv(index=False))
    out = tmp_path / "bt"
    args = ["backtest", tmp_path / "runs.csv", "--x", "n", "--y", "loss", "--laws", "power", "--out", out]
    assert _run(args) == 0
    assert _run(args) == 2 and "--force" in capsys.readouterr().err
    assert _run([*args, "--force"]) == 0
    (out / "backtest.csv").write_text("my own table")
    assert _run([*args, "--force"]) == 2 and "backtest.csv" in capsys.readouterr().err
    assert (out / "backtest.csv").read_text() == "my own table"


def test_learn_priors_refuses_a_folder_and_a_file_it_did_not_write_before_fitting(tmp_path, capsys):
    for i in range(2):
        (tmp_path / f"c{i}.csv").write_text(CURVE.to_csv(index=False))
    (tmp_path / "notes.json").write_text('{"mine": true}')
    base = ["learn-priors", tmp_path / "c0.csv", tmp_path / "c1.csv", "--x", "n", "--y", "loss", "--force"]
    assert _run([*base, "--out", tmp_path]) == 2 and "is a folder" in capsys.readouterr().err
    assert _run([*base, "--out", tmp_path / "notes.json"]) == 2
    err = capsys.readouterr().err
    assert "not a priors file" in err and "fitting" not in err  # refused before any fitting
    assert (tmp_path / "notes.json").read_text() == '{"mine": true}'
    assert _run([*base, "--out", tmp_path / "c0.csv"]) == 2 and "input" in capsys.readouterr().err
    assert os.path.getsize(tmp_path / "c0.csv") == len(CURVE.to_csv(index=False))


def test_counts_priors_and_refits_are_taken_as_the_api_takes_them(fit, tmp_path, capsys):
    """--draws 1e3 as draws=1e3 is; a priors file without .json, a preset as a Priors object or a Path, as their
    string forms are; a refit's mistakes named."""
    from bayes_scaling.cli import _positive
    from bayes_scaling.errors import ArgumentError, FitError

    assert _positive(int)("1e3") == 1000 and _positive(int)("300") == 300
    (tmp_path / "runs.csv").write_text(CURVE.to_csv(index=False))
    assert _run(["fit", tmp_path / "runs.csv", *FIT[:-3], "--draws", "2.5", "--no-progress"]) == 2
    assert "whole number" in capsys.readouterr().err
    saved = bs.priors.preset("lm").save(tmp_path / "my_priors")  # no extension
    for priors in (str(tmp_path / "my_priors"), bs.priors.preset("lm"), bs.priors.PRESETS_DIR / "lm.json"):
        f = bs.fit(CURVE, x="n", y="loss", laws=["power"], draws=200, random_seed=1, priors=priors)
        assert f.priors.provenance and f.laws == ["power"], priors
    assert saved.exists()
    with pytest.raises(ArgumentError, match="the mask has 3 entries but the data have 6 rows"):
        fit.refit([True, False, True])
    with pytest.raises(FitError, match=r"the 2 distinct n left are too few for power \(the fewest any of them"):
        fit.refit(fit.data.n < 3000)


def test_one_file_given_twice_is_one_curve(tmp_path, capsys):
    (tmp_path / "c.csv").write_text(CURVE.to_csv(index=False))
    (tmp_path / "sub").mkdir()
    args = ["learn-priors", tmp_path / "c.csv", tmp_path / "sub" / ".." / "c.csv", "--x", "n", "--y", "loss",
            "--out", tmp_path / "p.json"]
    assert _run(args) == 2 and "given twice" in capsys.readouterr().err
    assert not (tmp_path / "p.json").exists()


def test_pairwise_tables_of_many_groups_are_refused_with_advice(fit):
    from bayes_scaling.errors import ArgumentError
    from bayes_scaling.grouped import GroupedFit

    many = GroupedFit({f"g{i}": fit for i in range(120)}, group="cfg")
    with pytest.raises(ArgumentError, match=r"120 groups make 7,140 pairwise rows .* pass groups="):
        many.p_floor_lower()
    with pytest.raises(ArgumentError, match="pass groups="):
        many.p_lower_at([1e5, 2e5, 4e5] * 1, groups=[f"g{i}" for i in range(60)])
    table = many.p_floor_lower(law="power", groups=["g3", "g7"])
    assert table[["a", "b"]].values.tolist() == [["g3", "g7"]]
    assert table["likelihood"].tolist() == ["lognormal"]  # as every table says which noise model it rests on


def test_each_writer_replaces_only_its_own_earlier_files(tmp_path):
    """A report into a folder that also holds a backtest leaves the backtest's files: the manifest records
    what wrote each file, and a new report removes only an earlier report's stale tables."""
    (tmp_path / "runs.csv").write_text(CURVE.to_csv(index=False))
    out = tmp_path / "out"
    assert _run(["fit", tmp_path / "runs.csv", *FIT, "--out", out]) == 0
    assert _run(["backtest", tmp_path / "runs.csv", "--x", "n", "--y", "loss", "--laws", "power", "--out", out]) == 0
    backtest = {n: (out / n).read_bytes() for n in ("backtest.csv", "backtest_summary.csv", "backtest.png")}
    assert _run(["fit", tmp_path / "runs.csv", *FIT, "--out", out, "--force"]) == 0
    assert {n: (out / n).read_bytes() for n in backtest} == backtest
    writers = json.loads((out / MANIFEST).read_text())["writers"]
    assert writers["backtest.csv"] == "backtest" and writers["report.md"] == "report" and writers["fit.json"] == "fit"
