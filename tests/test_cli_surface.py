"""The whole command line: every user error exits 2 with one line on stderr; odd names work throughout."""

import json
import shutil

import pandas as pd
import pytest

import bayes_scaling as bs
from bayes_scaling.cli import main

CURVE = "n,{y}\n1000,3.91\n2000,3.62\n4000,3.41\n8000,3.27\n16000,3.18\n32000,3.12\n"


def _run(args) -> int:
    try:
        return main([str(a) for a in args])
    except SystemExit as exc:  # argparse's own errors
        return exc.code


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "good.csv").write_text(CURVE.format(y="eval/loss"))
    (d / "empty.csv").write_text("")
    (d / "header.csv").write_text("n,eval/loss\n")
    (d / "binary.csv").write_bytes(bytes(range(256)) * 8)
    (d / "onecol.csv").write_text("n\n1\n2\n3\n")
    (d / "text.csv").write_text("n,eval/loss\na,b\nc,d\ne,f\n")
    (d / "a_dir").mkdir()
    saved = d / "saved"
    assert _run(["fit", d / "good.csv", "--x", "n", "--y", "eval/loss", "--laws", "power", "--draws", "300",
                 "--out", saved]) == 0
    broken = d / "broken_fit"
    shutil.copytree(saved, broken)
    (broken / "fit.json").write_text("{not json")
    edited = d / "edited_fit"
    shutil.copytree(saved, edited)
    (edited / "data.csv").write_text(CURVE.format(y="eval/loss").replace("3.12", "3.02"))
    return d


CASES = [
    (["fit", "{d}/empty.csv", "--x", "n", "--y", "eval/loss"], "is empty"),
    (["fit", "{d}/header.csv", "--x", "n", "--y", "eval/loss"], "table is empty"),
    (["fit", "{d}/binary.csv", "--x", "n", "--y", "eval/loss"], "could not read"),
    (["fit", "{d}/onecol.csv", "--x", "n", "--y", "eval/loss"],
     "column 'eval/loss' (given as y) is not in the data; columns are ['n']"),
    (["fit", "{d}/text.csv", "--x", "n", "--y", "eval/loss"], "non-numeric values in rows 0, 1, 2"),
    (["fit", "{d}/a_dir", "--x", "n", "--y", "eval/loss"], "is a directory"),
    (["fit", "{d}/missing.csv", "--x", "n", "--y", "eval/loss"], "does not exist"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/los"], "Did you mean 'eval/loss'"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--seed", "-1"], "--seed"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--seed", "x"], "not an integer"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--seed", str(2**80)], "--seed"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--draws", "0"], "must be > 0"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--prob", "1"], "strictly between 0 and 1"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--target", "-1"], "must be > 0"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--forecast", "abc"], "not a number"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--laws", "cubic"], "unknown law 'cubic'"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--group", "cfg"], "cfg"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--out", "{d}/good.csv"], "good.csv"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--out", "{d}/saved"], "--force"),
    (["backtest", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--min-points", "100"], "--min-points 100"),
    (["report", "{d}/a_dir"], "fit.json"),
    (["report", "{d}/good.csv"], "good.csv"),
    (["report", "{d}/broken_fit"], "fit.json"),
    (["report", "{d}/edited_fit"], "data.csv"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--priors", "llm"], "unknown prior preset 'llm'"),
    (["fit", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--priors", "{d}/none.json"], "none.json' not found"),
    (["backtest", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--priors", "{d}/good.csv"],
     "is not a JSON file of priors"),
    (["learn-priors", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--out", "{d}/p.json"],
     "needs several curves: 1 given"),
    (["learn-priors", "{d}/good.csv", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--horizon", "1", "--out",
      "{d}/p.json"], "must be a finite number > 1"),
    (["learn-priors", "{d}/good.csv", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--out", "{d}/good.csv"],
     "--force"),
    (["learn-priors", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--curve", "cfg", "--out", "{d}/p.json"],
     "'cfg'"),
    (["learn-priors", "{d}/good.csv", "{d}/good.csv", "--x", "n", "--y", "eval/loss", "--out", "{d}/no/p.json"],
     "does not exist"),
    (["demo", "--draws", "-3"], "must be > 0"),
    (["nonsense"], "invalid choice"),
]


@pytest.mark.parametrize(("args", "needle"), CASES, ids=[" ".join(a[:1] + a[-2:]) for a, _ in CASES])
def test_every_user_error_exits_2_with_one_line(files, capsys, args, needle):
    code = _run([a.replace("{d}", str(files)) for a in args])
    err = capsys.readouterr().err.strip().splitlines()
    progress = [line for line in err if line.startswith("fitting")]
    assert code == 2, err
    assert len(err) - len(progress) == 1 and needle in err[-1], err
    assert "error" in err[-1] and "Traceback" not in err[-1]


def test_debug_shows_the_traceback(files):
    with pytest.raises(bs.DataError, match="is empty"):
        main(["fit", str(files / "empty.csv"), "--x", "n", "--y", "eval/loss", "--debug"])


@pytest.mark.parametrize("name", ["eval/loss", "val loss (%)", "損失 $cost", "train/loss\\x"])
def test_odd_metric_names_through_fit_report_and_load(tmp_path, capsys, name):
    csv = tmp_path / "curve.csv"
    pd.DataFrame({"n": [1000, 2000, 4000, 8000, 16000, 32000],
                  name: [3.91, 3.62, 3.41, 3.27, 3.18, 3.12]}).to_csv(csv, index=False)
    out = tmp_path / "out"
    assert _run(["fit", csv, "--x", "n", "--y", name, "--draws", "300", "--target", "3.0", "--out", out]) == 0
    text = capsys.readouterr().out
    assert f"{name} on n" in text and f"Forecast of {name}: " in text
    assert json.loads((out / "fit.json").read_text())["y"] == name
    assert _run(["report", out]) == 0
    back = bs.load(out)
    assert back.data.y_name == name
    assert not back.sensitivity().empty and back.forecast([64000]).shape[0] == 1
