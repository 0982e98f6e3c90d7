import re
import subprocess
import sys
from pathlib import Path

import pytest

from bayes_scaling.cli import main


def test_demo_prints_the_whole_analysis(capsys):
    assert main(["demo", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    for piece in ["Model comparison", "saturation", "exp_decay", "power", "elpd_loo", "weight",
                  "PPL_min", "hdi_lower", "6400", "12800", "25600", "averaged", "divergences", "r_hat_max"]:
        assert piece in out, piece
    # the answer comes first: the headline (best law, floor, forecasts with how far out they reach) before
    # any table, and every number of an interval to the same decimals
    lines = out.splitlines()
    first_table = next(i for i, line in enumerate(lines) if line.startswith("Forecast: "))
    head = "\n".join(lines[:first_table])
    assert "Best-supported law: saturation" in head and "Floor of val_ppl: " in head
    assert "6,400 samples (2x the data): " in head and "25,600 samples (8x the data): " in head
    for median, lower, upper in re.findall(r"(\d[\d,.]*) \((\d[\d,.]*)-(\d[\d,.]*)\)", head):
        assert len({len(v.partition(".")[2]) for v in (median, lower, upper)}) == 1, (median, lower, upper)
    # the table shows power ranked last on the seed data
    table = out.split("Model comparison")[1].split("Next doubling")[0]
    ranked = [line.split()[0] for line in table.splitlines() if line.split()[:1] and
              line.split()[0] in {"power", "saturation", "exp_decay"}]
    assert ranked[0] != "power"


def test_demo_on_tokens(capsys):
    assert main(["demo", "--x", "tokens", "--draws", "500"]) == 0
    out = capsys.readouterr().out
    assert "val_ppl on tokens" in out


def test_bad_option_exits_2_with_one_line():
    proc = subprocess.run([sys.executable, "-m", "bayes_scaling.cli", "demo", "--prob", "1.5"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("bayes-scaling demo: error:")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "prob" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_lists_demo(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "demo" in capsys.readouterr().out


@pytest.fixture
def user_csv(tmp_path):
    p = tmp_path / "runs.csv"
    p.write_text("# my runs\ntokens;loss\n1e8;3.9\n2e8;3.6\n4e8;3.41\n8e8;3.3\n1.6e9;3.22\n")
    return p


def test_fit_own_csv_saves_tables_and_fit(user_csv, tmp_path, capsys):
    import pandas as pd

    import bayes_scaling as bs

    out = tmp_path / "out"
    assert main(["fit", str(user_csv), "--x", "tokens", "--y", "loss", "--forecast", "3.2e9", "6.4e9",
                 "--draws", "500", "--seed", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "loss on tokens" in text and "Best-supported law:" in text.split("Forecast: ")[0]
    for name in ["fit.json", "data.csv", "compare.csv", "ppl_min.csv", "forecast.csv", "diagnostics.csv",
                 "discrepancy.csv", "sensitivity.csv", "doubling_gain.csv", "report.md", "report.html",
                 "fit.png", "fit_linear.png", "forecast.png", "compare.png", "floor.png",
                 "diagnostics_saturation.png"]:
        assert (out / name).is_file(), name
    # the HTML report is self-contained: every PNG embedded, every table present, no external files
    page = (out / "report.html").read_text()
    pngs = list(out.glob("*.png"))
    assert page.count("src='data:image/png;base64,") == len(pngs) >= 8
    assert "src='http" not in page and "href='http" not in page
    for heading in ("Forecast", "Floor", "Model comparison", "Discrepancy", "Sampler diagnostics"):
        assert f"<h2>{heading}</h2>" in page
    # the headline, then the forecast fan, then the tables
    assert page.index("class='headline'") < page.index("alt='forecast.png'") < page.index("<h2>Forecast</h2>")
    md = (out / "report.md").read_text()
    assert md.index("Best-supported law: ") < md.index("(forecast.png)") < md.index("Forecast: a new measurement")
    saved = pd.read_csv(out / "forecast.csv")
    assert sorted(saved["n"].unique()) == [3.2e9, 6.4e9]
    back = bs.load(out)
    fc = back.forecast([3.2e9, 6.4e9], law="all")
    pd.testing.assert_series_equal(fc["median"], saved["median"], check_exact=False, rtol=1e-12)
    pd.testing.assert_series_equal(fc["upper"], saved["upper"], check_exact=False, rtol=1e-12)  # kappa restored too
    kappa = pd.read_csv(out / "discrepancy.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(back.discrepancy("all").drop(columns="held_out"),
                                  kappa.drop(columns="held_out"), check_dtype=False)
    # re-render from the saved fit
    assert main(["report", str(out), "--forecast", "3.2e9"]) == 0
    assert "Model comparison" in capsys.readouterr().out
    # never overwrite without --force
    assert main(["fit", str(user_csv), "--x", "tokens", "--y", "loss", "--draws", "300", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err


def _exit_code(args) -> int:
    try:
        return main(args)
    except SystemExit as exc:  # argparse's own errors
        return exc.code


@pytest.mark.parametrize(("args", "needle"), [
    (["fit", "missing.csv", "--x", "n", "--y", "y"], "does not exist"),
    (["fit", "{csv}", "--x", "token", "--y", "loss"], "Did you mean 'tokens'"),
    (["fit", "{csv}", "--x", "tokens", "--y", "loss", "--laws", "cubic"], "unknown law 'cubic'"),
    (["fit", "{csv}", "--x", "tokens", "--y", "loss", "--forecast", "-5"], "must be > 0"),
    (["fit", "{csv}", "--x", "tokens", "--y", "loss", "--discrepancy", "-0.1"], "finite number >= 0"),
    (["fit", "{csv}", "--x", "tokens"], "--y"),
    (["report", "/nonexistent/dir"], "no fit.json"),
])
def test_bad_input_exits_2_with_one_clear_line(user_csv, capsys, args, needle):
    code = _exit_code([a.replace("{csv}", str(user_csv)) for a in args])
    assert code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1 and needle in lines[0]
    assert "Traceback" not in err


def test_backtest_command(user_csv, capsys):
    assert main(["backtest", str(user_csv), "--x", "tokens", "--y", "loss", "--laws", "power", "saturation"]) == 0
    out = capsys.readouterr().out
    assert "Summary per law" in out and "coverage" in out and "averaged" in out
    assert _exit_code(["backtest", str(user_csv), "--x", "tokens", "--y", "loss", "--min-points", "9"]) == 2
    assert "--min-points 9 leaves nothing to forecast" in capsys.readouterr().err


def test_fit_groups_target_and_report_rerender(tmp_path, capsys):
    import pandas as pd

    import bayes_scaling as bs
    from bayes_scaling.datasets import EXAMPLES

    csv = Path(bs.datasets.__file__).parent / EXAMPLES["simulated_configs"][0]
    out = tmp_path / "g"
    assert main(["fit", str(csv), "--x", "samples", "--y", "val_ppl", "--group", "blocks", "--laws", "saturation",
                 "--target", "110", "--draws", "500", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "P(floor of a < floor of b)" in text and "Samples needed: samples for val_ppl <= 110" in text
    assert "3-block:\n  Best-supported law: saturation" in text and "  To reach val_ppl <= 110: 5," in text
    pair = pd.read_csv(out / "pairwise_floor.csv")
    assert pair.loc[0, ["a", "b"]].tolist() == ["2-block", "3-block"] and pair.loc[0, "p_a_lower"] < 0.05
    needed = pd.read_csv(out / "samples_needed.csv")
    assert needed["group"].tolist() == ["2-block", "3-block"]
    assert isinstance(bs.load(out), bs.GroupedFit)
    # `report DIR` rewrites the report in place from the saved fit, with the same tables
    before = pd.read_csv(out / "ppl_min.csv")
    (out / "report.html").unlink()
    assert main(["report", str(out), "--target", "110"]) == 0
    assert (out / "report.html").is_file()
    pd.testing.assert_frame_equal(pd.read_csv(out / "ppl_min.csv"), before)
    assert _exit_code(["fit", str(csv), "--x", "samples", "--y", "val_ppl", "--group", "block"]) == 2
    assert "Did you mean 'blocks'" in capsys.readouterr().err


def test_missing_rows_of_a_training_log_are_refused_or_dropped(tmp_path, capsys, monkeypatch):
    import numpy as np
    import pandas as pd

    import bayes_scaling as bs

    step = np.arange(1, 41) * 100.0
    loss = 2.0 + 30 * step**-0.3
    path = tmp_path / "wandb_export.csv"
    pd.DataFrame({"_step": step, "eval/loss": np.where(np.arange(40) % 5 == 4, loss, np.nan)}).to_csv(path, index=False)
    assert main(["fit", str(path), "--x", "_step", "--y", "eval/loss"]) == 2
    assert "--missing drop" in capsys.readouterr().err
    fitted = []
    monkeypatch.setattr(bs, "fit", lambda frame, **kw: fitted.append(kw) or (_ for _ in ()).throw(bs.DataError("stop")))
    assert main(["fit", str(path), "--x", "_step", "--y", "eval/loss", "--missing", "drop"]) == 2
    assert fitted[0]["missing"] == "drop"
    assert main(["backtest", str(path), "--x", "_step", "--y", "eval/loss", "--missing", "drop"]) == 2
    assert fitted[1]["missing"] == "drop"


def test_learn_priors_then_fit_with_them(tmp_path, capsys):
    """learn-priors on one file of 12 curves (a column names each) writes priors with their provenance; fit
    --priors reads them back, and the fit keeps them (saved with it, shown in its priors table)."""
    import json

    import numpy as np
    import pandas as pd

    import bayes_scaling as bs

    rng = np.random.default_rng(0)
    n = 1000 * 2.0 ** np.arange(8)
    rows = [pd.DataFrame({"run": f"r{i}", "tokens": n,
                          "eval/loss": (2 + 3 * (n / 1000) ** -0.4) * np.exp(0.004 * rng.standard_normal(n.size))})
            for i in range(12)]
    csv = tmp_path / "runs.csv"
    pd.concat(rows).to_csv(csv, index=False)
    out = tmp_path / "mine.json"
    assert main(["learn-priors", str(csv), "--curve", "run", "--x", "tokens", "--y", "eval/loss", "--horizon", "4",
                 "--laws", "power", "saturation", "--name", "mine", "--draws", "200", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    saved = json.loads(out.read_text())
    assert saved["name"] == "mine" and "from 12 curves" in saved["provenance"]
    assert "on its points up to 1/4 of its largest tokens" in saved["provenance"]
    assert saved["law_probs"]["saturation"] > 0.6  # the curves have floors
    assert "Priors 'mine'" in printed.out and "law probability" in printed.out
    assert f"--priors {out}" in printed.err
    one = tmp_path / "one.csv"
    rows[0].drop(columns="run").to_csv(one, index=False)
    fit_dir = tmp_path / "fit"
    assert main(["fit", str(one), "--x", "tokens", "--y", "eval/loss", "--laws", "power", "saturation",
                 "--priors", str(out), "--draws", "200", "--out", str(fit_dir)]) == 0
    shown = capsys.readouterr().out
    assert "priors: 'mine', not the package's defaults" in shown and "preset mine" not in shown
    assert bs.load(fit_dir).priors == bs.priors.read_priors(out)
