import subprocess
import sys

import pytest

from bayes_scaling.cli import main


def test_demo_prints_the_whole_analysis(capsys):
    assert main(["demo", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    for piece in ["Model comparison", "saturation", "exp_decay", "power", "elpd_loo", "weight",
                  "PPL_min", "hdi_lower", "6400", "12800", "25600", "averaged", "divergences", "r_hat_max"]:
        assert piece in out, piece
    # the table shows power ranked last on the seed data
    table = out.split("Model comparison")[1].split("Floor")[0]
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
    assert proc.stderr.strip().startswith("bayes-scaling: error:")
    assert "prob" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_lists_demo(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "demo" in capsys.readouterr().out
