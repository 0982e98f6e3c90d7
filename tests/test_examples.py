"""Every example runs as a script."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script):
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(proc.stdout.splitlines()) > 5


def test_there_are_examples():
    assert {p.stem for p in EXAMPLES} >= {"seed_analysis", "budget_decision", "own_csv", "compare_configs",
                                          "power_law_summary", "custom_law", "priors_from_past_runs", "robust_fit"}
