"""Ctrl-C stops the work: a real SIGINT sent to a subprocess that is sampling."""

import os
import signal
import subprocess
import sys
import time

import pytest

SCRIPT = """
import sys, time
import bayes_scaling as bs
df = bs.load_example()
mode = sys.argv[1]
print("sampling", flush=True)
t0 = time.perf_counter()
try:
    if mode == "fit":
        bs.fit(df, x="samples", y="val_ppl", draws=300_000, random_seed=0)
    else:
        bs.fit_many([df] * 4, x="samples", y="val_ppl", draws=300_000, random_seed=0, n_jobs=2)
except KeyboardInterrupt:
    print(f"interrupted after {time.perf_counter() - t0:.2f} s", flush=True)
    sys.exit(130)
print("finished: the interrupt was swallowed", flush=True)
"""


def _interrupt(cmd: list[str], ready: str, stream: str, delay: float = 2.0):
    """Start ``cmd``, wait for ``ready`` on ``stream``, send SIGINT ``delay`` s later; (rc, out, err, seconds)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pipe = proc.stdout if stream == "stdout" else proc.stderr
    seen = ""
    while ready not in seen:
        line = pipe.readline()
        assert line, f"ended before {ready!r}: {proc.communicate()}"
        seen += line
    time.sleep(delay)  # past the imports and the compile: inside NUTS
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, seen + out if stream == "stdout" else out, seen + err if stream == "stderr" else err, \
        time.perf_counter() - t0


@pytest.mark.parametrize("mode", ["fit", "fit_many"])
def test_ctrl_c_reaches_the_caller_promptly(mode):
    rc, out, err, seconds = _interrupt([sys.executable, "-c", SCRIPT, mode], "sampling", "stdout")
    assert rc == 130, (out, err)
    assert "interrupted after" in out and "swallowed" not in out
    assert "could not be fitted" not in err  # never a law silently marked as failed
    assert seconds < 10


def test_cli_exits_130_on_ctrl_c(tmp_path):
    csv = tmp_path / "curve.csv"
    csv.write_text("n,eval/loss\n1000,3.91\n2000,3.62\n4000,3.41\n8000,3.27\n16000,3.18\n32000,3.12\n")
    exe = os.path.join(os.path.dirname(sys.executable), "bayes-scaling")
    rc, _, err, seconds = _interrupt([exe, "fit", str(csv), "--x", "n", "--y", "eval/loss", "--draws", "300000"],
                                       "fitting", "stderr")
    assert rc == 130, err
    assert err.strip().splitlines()[-1] == "bayes-scaling: interrupted"
    assert "Traceback" not in err and seconds < 10
