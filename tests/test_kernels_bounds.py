"""The numba kernels read only the user data they declare: every built-in law's compiled log density is
run with numba's bounds checking on (in a fresh process, with a fresh cache, so that nothing compiled
without the checks is reused) on plain and binned data, and must give the value of the Python path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import ctypes, json
    import numpy as np
    import bayes_scaling as bs
    from bayes_scaling.data import ScalingData, as_scaling_data, bin_dense
    from bayes_scaling.laws import _kernels as K

    plain = as_scaling_data(bs.load_example(), x="samples", y="val_ppl")
    n = np.geomspace(10, 1e5, 3000)
    y = 2 + 30 * n ** -0.4 * np.exp(0.01 * np.random.default_rng(0).standard_normal(n.size))
    binned = bin_dense(ScalingData.from_arrays(n, y))
    P = ctypes.POINTER(ctypes.c_double)
    out = []
    for name in ["power", "saturation", "exp_decay", "mmf"]:
        law = bs.get_law(name)
        for data in (plain, binned):
            ud = law.user_data(data)
            assert ud.size == K.size(data.n_obs, len(law.parameters))
            x = law.initial_point(data) + 0.1
            g, lp = np.empty_like(x), np.full(1, np.nan)
            rc = law.logp_cfunc().ctypes(x.size, x.ctypes.data_as(P), g.ctypes.data_as(P), lp.ctypes.data_as(P),
                                         ud.ctypes.data_as(ctypes.c_void_p))
            out.append([name, data.binned, int(rc), float(lp[0]), law.log_density(x, data)[0]])
    print(json.dumps(out))
""")


def test_kernels_read_inside_their_user_data_with_bounds_checking(tmp_path):
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "BAYES_SCALING_CACHE_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    # numba reports an out-of-bounds read inside a cfunc on stderr and carries on with garbage
    assert "IndexError" not in run.stderr, run.stderr
    rows = json.loads(run.stdout.strip().splitlines()[-1])
    assert {r[1] for r in rows} == {False, True}
    for name, binned, rc, cfunc_value, python_value in rows:
        assert rc == 0, (name, binned)
        assert cfunc_value == pytest.approx(python_value, rel=1e-12), (name, binned)
