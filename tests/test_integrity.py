"""Nothing lost, nothing silently changed: saves replace only their own files, loads check integrity."""

import glob
import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayes_scaling as bs
from bayes_scaling.report import write_report

CURVE = pd.DataFrame({"n": [1000, 2000, 4000, 8000, 16000, 32000.0], "eval/loss": [3.91, 3.62, 3.41, 3.27, 3.18, 3.12]})


@pytest.fixture(scope="module")
def fits():
    kw = {"x": "n", "y": "eval/loss", "draws": 300, "random_seed": 5}
    return bs.fit(CURVE, laws=["power", "saturation"], **kw), bs.fit(CURVE, laws=["power"], **kw)


@pytest.fixture(scope="module")
def saved(fits, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "fit"
    bs.save(fits[0], path)
    return path


def _chunks(path, law, var):
    return sorted(p for p in glob.glob(f"{path}/posteriors/{law}.zarr/posterior/{var}/c/**", recursive=True)
                  if os.path.isfile(p))


def test_overwrite_replaces_only_the_fits_own_files(fits, tmp_path):
    two, one = fits
    path = tmp_path / "fit"
    bs.save(two, path)
    mine = {path / "notes.txt": "mine", path / "posteriors" / "README": "my notes on the posteriors",
            path / "posteriors" / "extra.zarr" / "x": "not the package's"}
    for p, text in mine.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    bs.save(one, path, overwrite=True)
    for p, text in mine.items():
        assert p.read_text() == text, p
    assert sorted(os.listdir(path / "posteriors")) == ["README", "extra.zarr", "power.zarr"]  # saturation gone
    assert bs.load(path).laws == ["power"]
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".fit.saving-")]


def test_grouped_overwrite_keeps_user_files_under_groups(tmp_path):
    df = pd.concat([CURVE.assign(cfg="a"), CURVE.assign(cfg="b")])
    g = bs.fit(df, x="n", y="eval/loss", group="cfg", laws=["power"], draws=200, random_seed=1)
    path = tmp_path / "g"
    bs.save(g, path)
    (path / "groups" / "mine.txt").write_text("keep")
    (path / "groups" / "0" / "mine.txt").write_text("keep too")
    bs.save(g, path, overwrite=True)
    assert (path / "groups" / "mine.txt").read_text() == "keep"
    assert (path / "groups" / "0" / "mine.txt").read_text() == "keep too"
    pd.testing.assert_frame_equal(bs.load(path).forecast([64000]), g.forecast([64000]))


def test_a_new_report_leaves_no_stale_tables_or_figures(fits, tmp_path):
    two, one = fits
    write_report(two, tmp_path, [64000])
    assert (tmp_path / "diagnostics_saturation.png").is_file()
    (tmp_path / "my_table.csv").write_text("a\n1\n")
    write_report(one, tmp_path, [64000], overwrite=True)
    assert not (tmp_path / "diagnostics_saturation.png").exists()
    assert (tmp_path / "my_table.csv").read_text() == "a\n1\n"
    assert "saturation" not in pd.read_csv(tmp_path / "diagnostics.csv").to_string()


def test_an_interrupted_save_leaves_the_old_fit_whole(fits, saved, tmp_path, monkeypatch):
    path = tmp_path / "fit"
    shutil.copytree(saved, path)
    before = bs.load(path).forecast([64000], law="all")
    calls = []

    def dies_on_the_second_law(self, *a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, *a, **k)

    real = xr.DataTree.to_zarr
    monkeypatch.setattr(xr.DataTree, "to_zarr", dies_on_the_second_law)
    with pytest.raises(KeyboardInterrupt):
        bs.save(fits[0].refit(np.arange(6) < 5), path, overwrite=True)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(bs.load(path).forecast([64000], law="all"), before)
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".fit.saving-")]


def test_a_second_ctrl_c_or_a_killed_save_leaves_no_hidden_folder(fits, tmp_path, monkeypatch):
    path = tmp_path / "fit"
    # a save killed outright (no finally ran) left its staging folder beside the target
    stale = tmp_path / ".fit.saving-killed"
    (stale / "posteriors").mkdir(parents=True)
    (stale / "posteriors" / "half.zarr").write_text("half written")
    other = tmp_path / ".other.saving-x"  # another target's: not this save's to remove
    other.mkdir()
    real = shutil.rmtree
    hits = []

    def interrupted_once(p, *a, **k):  # a second Ctrl-C arrives while the staging folder is being removed
        if ".saving-" in str(p) and not hits:
            hits.append(p)
            raise KeyboardInterrupt
        return real(p, *a, **k)

    monkeypatch.setattr(shutil, "rmtree", interrupted_once)
    bs.save(fits[1], path)
    monkeypatch.undo()
    assert hits
    assert sorted(p for p in os.listdir(tmp_path) if ".saving-" in p) == [".other.saving-x"]
    assert bs.load(path).laws == fits[1].laws


def test_reordering_groups_or_a_dict_of_curves_keeps_each_ones_numbers():
    a, b = CURVE.assign(cfg="a"), CURVE.assign(cfg="b", **{"eval/loss": CURVE["eval/loss"] * 1.02})
    one = bs.fit(pd.concat([a, b]), x="n", y="eval/loss", group="cfg", laws=["power"], draws=200, random_seed=3)
    two = bs.fit(pd.concat([b, a]), x="n", y="eval/loss", group="cfg", laws=["power"], draws=200, random_seed=3)
    for name in ("a", "b"):
        pd.testing.assert_frame_equal(one[name].forecast([64000]), two[name].forecast([64000]))
    curves = {"x": a.drop(columns="cfg"), "y": b.drop(columns="cfg")}
    f1 = bs.fit_many(curves, x="n", y="eval/loss", laws=["power"], draws=200, random_seed=3, n_jobs=1)
    f2 = bs.fit_many(dict(reversed(curves.items())), x="n", y="eval/loss", laws=["power"], draws=200,
                     random_seed=3, n_jobs=1)
    for name in curves:
        pd.testing.assert_frame_equal(f1[name].forecast([64000]), f2[name].forecast([64000]))
    assert one["a"].seed != one["b"].seed


def _swap_chunks(path):
    a, b = _chunks(path, "power", "y_ref")[0], _chunks(path, "power", "slope")[0]
    ta, tb = open(a, "rb").read(), open(b, "rb").read()
    open(a, "wb").write(tb)
    open(b, "wb").write(ta)


def _chunk_from_other_law(path):
    a = _chunks(path, "power", "slope")[0]
    shutil.copy(a.replace("power.zarr", "saturation.zarr"), a)


def _swap_law_folders(path):
    p = path / "posteriors"
    os.rename(p / "power.zarr", p / "tmp.zarr")
    os.rename(p / "saturation.zarr", p / "power.zarr")
    os.rename(p / "tmp.zarr", p / "saturation.zarr")


def _truncate_chunk(path):
    a = _chunks(path, "power", "y_ref")[0]
    data = open(a, "rb").read()
    open(a, "wb").write(data[: len(data) // 2])


def _delete_chunk(path):
    os.remove(_chunks(path, "power", "y_ref")[0])


def _edit_a_value(path):
    text = (path / "data.csv").read_text().replace("3.12", "3.02")
    (path / "data.csv").write_text(text)


def _swap_rows(path):
    lines = (path / "data.csv").read_text().splitlines()
    lines[1], lines[2] = lines[2], lines[1]
    (path / "data.csv").write_text("\n".join(lines) + "\n")


def _forge_shapes(path):
    """Every array of power's posterior declares 10^11 draws, consistently: reading it would allocate ~TBs."""
    for v in os.listdir(path / "posteriors" / "power.zarr" / "posterior"):
        f = path / "posteriors" / "power.zarr" / "posterior" / v / "zarr.json"
        if not f.is_file():
            continue
        meta = json.loads(f.read_text())
        meta["shape"] = [4, 10**11] if len(meta["shape"]) == 2 else [10**11] if v == "draw" else meta["shape"]
        meta["chunk_grid"]["configuration"]["chunk_shape"] = meta["shape"]
        f.write_text(json.dumps(meta))


def _absurd_draw_count(path):
    meta = json.loads((path / "fit.json").read_text())
    meta["draws"]["power"] = 10**13
    (path / "fit.json").write_text(json.dumps(meta))


def _laws_as_a_string(path):
    meta = json.loads((path / "fit.json").read_text())
    meta["laws"] = "power"
    (path / "fit.json").write_text(json.dumps(meta))


def _seed_as_text(path):
    meta = json.loads((path / "fit.json").read_text())
    meta["seed"] = "abc"
    (path / "fit.json").write_text(json.dumps(meta))


def _swap_law_probabilities(path):
    meta = json.loads((path / "fit.json").read_text())
    meta["priors"]["law_probs"] = {"power": 0.9, "saturation": 0.1}
    (path / "fit.json").write_text(json.dumps(meta))


def _remove_the_checksums(path):
    meta = json.loads((path / "fit.json").read_text())
    meta.pop("checksums")
    (path / "fit.json").write_text(json.dumps(meta))


def _relabel_a_coordinate(path):
    ds = xr.open_datatree(path / "posteriors" / "power.zarr", engine="zarr", consolidated=False).load()
    obs = ds["observed_data"].to_dataset().assign_coords(obs=ds["observed_data"]["obs"].to_numpy()[::-1])
    ds["observed_data"] = xr.DataTree(obs)
    shutil.rmtree(path / "posteriors" / "power.zarr")
    ds.to_zarr(path / "posteriors" / "power.zarr", mode="w", consolidated=False)


@pytest.mark.parametrize(("damage", "needle"), [
    (_swap_chunks, r"posteriors/power\.zarr was changed, swapped or damaged"),
    (_chunk_from_other_law, r"posteriors/power\.zarr was changed"),
    (_swap_law_folders, r"posteriors/(power|saturation)\.zarr was changed"),
    (_truncate_chunk, r"power\.zarr is missing or damaged"),
    (_delete_chunk, r"posteriors/power\.zarr was changed"),
    (_edit_a_value, r"data\.csv was changed after saving"),
    (_swap_rows, r"data\.csv was"),
    (_forge_shapes, r"power\.zarr"),
    (_absurd_draw_count, r"fit\.json declares 10000000000000 draws"),
    (_laws_as_a_string, r"'laws' must be a list of law names"),
    (_seed_as_text, r"fit\.json was edited after saving"),  # its checksum, before the seed is read
    # everything that sets an answer: priors and law probabilities by fit.json's own checksum (removing the
    # checksums does not switch the check off), coordinates by the posteriors'
    (_swap_law_probabilities, r"fit\.json was edited after saving"),
    (_remove_the_checksums, r"fit\.json has lost its checksums"),
    (_relabel_a_coordinate, r"posteriors/power\.zarr was changed"),
], ids=lambda v: getattr(v, "__name__", "")[1:])
def test_damaged_saves_give_a_load_error_naming_the_file(saved, tmp_path, damage, needle):
    path = tmp_path / "fit"
    shutil.copytree(saved, path)
    damage(path)
    with pytest.raises(bs.LoadError, match=needle):
        bs.load(path)


def test_swapped_configurations_are_refused(tmp_path):
    df = pd.concat([CURVE.assign(cfg="a"), CURVE.assign(cfg="b", **{"eval/loss": CURVE["eval/loss"] * 1.1})])
    g = bs.fit(df, x="n", y="eval/loss", group="cfg", laws=["power"], draws=200, random_seed=1)
    path = tmp_path / "g"
    bs.save(g, path)
    os.rename(path / "groups" / "0", path / "groups" / "tmp")
    os.rename(path / "groups" / "1", path / "groups" / "0")
    os.rename(path / "groups" / "tmp", path / "groups" / "1")
    with pytest.raises(bs.LoadError, match="groups' folders were swapped"):
        bs.load(path)
    meta = json.loads((path / "fit.json").read_text())
    meta["groups"] = ["b", "a"]  # names swapped to match: fit.json's own checksum says no
    (path / "fit.json").write_text(json.dumps(meta))
    with pytest.raises(bs.LoadError, match=r"fit\.json was edited after saving"):
        bs.load(path)
