"""Numba kernels shared by every law: transforms, priors and the log-normal likelihood.

A law contributes one function, ``log_curve_grad(u, theta, lm, dlm)``, that fills the
log mean curve and its gradient with respect to the curve parameters. The pieces
here turn that into the log density (and gradient) on the unconstrained space that
nutpie samples. Everything is compiled with ``cache=True``, so a new process loads machine code
instead of compiling. Numba alone only notices edits to a function's own file, not
to the kernels it inlines, so every cache lives in a directory keyed by a hash of
this file, of the law's file and of the Python, numba and NumPy versions (see
:func:`cache_dir`): any change to any of them compiles afresh.

The data travel in one flat float64 *user-data* array (see :func:`pack`), so a
compiled law serves every data set: new data is a new array, never a recompile.

Layout of the user data::

    [n_obs, n_par, alpha, beta, (kind, p1, p2) * n_par, u * n_obs, log_y * n_obs, weight * n_obs,
     within_ss, n_eff]

(:func:`size` gives its length; :func:`views` declares exactly that many entries, so that a kernel run
with numba's bounds checking on, as ``tests/test_kernels_bounds.py`` does, reads nothing outside it).

``kind`` is 0 for Normal(p1, p2) on the real line, 1 for LogNormal(p1, p2)
(sampled as log theta) and 2 for Beta(p1, p2) (sampled as logit theta).

The noise is integrated out. With ``log y_i ~ Normal(log mu_i, sigma)`` and
``sigma^2 ~ InvGamma(alpha, beta)``, the marginal likelihood of the curve
parameters is (RSS: residual sum of squares of log y)::

    log p(y | theta) = -N/2 log 2pi + alpha log beta - lgamma(alpha) + lgamma(alpha + N/2)
                       - (alpha + N/2) log(beta + RSS/2) - sum(log y)

and ``sigma^2 | theta, y ~ InvGamma(alpha + N/2, beta + RSS/2)`` exactly, so
sigma is drawn afterwards for every posterior draw. Sampling without sigma
removes the funnel that a handful of points leaves between sigma and the curve.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import math
import os
import sys
from pathlib import Path

import numba
import numpy as np
from numba import carray, njit, types

LOG_2PI = math.log(2.0 * math.pi)
HEADER = 4
NORMAL, LOGNORMAL, BETA = 0, 1, 2

LOGP_SIG = types.int64(
    types.uint64, types.CPointer(types.double), types.CPointer(types.double),
    types.CPointer(types.double), types.voidptr,
)
EXPAND_SIG = types.int64(
    types.uint64, types.uint64, types.CPointer(types.double), types.CPointer(types.double),
    types.voidptr,
)

_KEY = "|".join([Path(__file__).read_text(), sys.version, numba.__version__, np.__version__])


@contextlib.contextmanager
def cache_dir(py_file: str):
    """Point numba's cache at a directory keyed by the sources and versions that shape the code."""
    import platformdirs  # the platform's cache folder (XDG on Linux, ~/Library/Caches on macOS, AppData on Windows)

    root = Path(os.environ.get("BAYES_SCALING_CACHE_DIR") or platformdirs.user_cache_dir("bayes_scaling"))
    key = hashlib.sha256((_KEY + Path(py_file).read_text()).encode()).hexdigest()[:20]
    old = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(root / "numba" / key)
    try:
        yield
    finally:
        numba.config.CACHE_DIR = old


def _jit(fn):
    """``numba.njit`` with a version-keyed disk cache (NumPy error semantics: inf, not exceptions)."""
    with cache_dir(inspect.getfile(fn)):
        return njit(cache=True, error_model="numpy")(fn)


def compile_cfunc(fn, signature):
    """A numba ``cfunc`` for nutpie, cached like :func:`_jit`."""
    from numba import cfunc

    with cache_dir(inspect.getfile(fn)):
        return cfunc(signature, cache=True, error_model="numpy")(fn)


def pack(priors, noise: tuple[float, float], u, log_y, weight=None, within_ss: float = 0.0,
         n_eff: float | None = None, extra=()) -> np.ndarray:
    """Build the user-data array from ``(kind, p1, p2)`` triples, ``(alpha, beta)`` and the data: ``u``,
    ``log y``, each row's weight (the measurements it stands for: 1, or a bin's count), then the total
    within-bin sum of squares and the degrees of freedom of the noise (the number of rows unless binned).
    ``extra``: a law of several inputs appends its further inputs, one array of ``n_obs`` each, after
    that (:func:`views_extra`, :func:`u_extra`)."""
    u = np.asarray(u, dtype=float)
    weight = np.ones(u.size) if weight is None else np.asarray(weight, dtype=float)
    return np.concatenate(
        [[float(u.size), float(len(priors)), float(noise[0]), float(noise[1])],
         np.ravel(np.asarray(priors, dtype=float)), u, np.asarray(log_y, dtype=float), weight,
         [float(within_ss), float(u.size if n_eff is None else n_eff)],
         *(np.asarray(e, dtype=float) for e in extra)]
    )


@_jit
def constrain(kind, z, p1, p2):
    """theta, d theta/dz, log prior + log Jacobian, and its derivative in z."""
    if kind == NORMAL:
        r = (z - p1) / p2
        return z, 1.0, -0.5 * r * r - math.log(p2) - 0.5 * LOG_2PI, -r / p2
    if kind == LOGNORMAL:
        th = math.exp(z)
        r = (z - p1) / p2
        # log-normal density of theta times the Jacobian theta = normal density of z
        return th, th, -0.5 * r * r - math.log(p2) - 0.5 * LOG_2PI, -r / p2
    # Beta via logit: log p(theta) + log theta(1 - theta)
    if z >= 0.0:
        e = math.exp(-z)
        th = 1.0 / (1.0 + e)
        log_th = -math.log1p(e)
        log_1m = -z - math.log1p(e)
    else:
        e = math.exp(z)
        th = e / (1.0 + e)
        log_th = z - math.log1p(e)
        log_1m = -math.log1p(e)
    lbeta = math.lgamma(p1) + math.lgamma(p2) - math.lgamma(p1 + p2)
    return th, th * (1.0 - th), p1 * log_th + p2 * log_1m - lbeta, p1 * (1.0 - th) - p2 * th


@_jit
def size(n_obs, n_par):
    """Length of the user-data array of ``n_obs`` rows and ``n_par`` parameters (see the layout above)."""
    return HEADER + 3 * n_par + 3 * n_obs + 2


@_jit
def views(dim, x_, g_, lp_, ud_):
    head = carray(ud_, (HEADER,), dtype=np.float64)
    return (carray(x_, (dim,)), carray(g_, (dim,)), carray(lp_, (1,)),
            carray(ud_, (size(int(head[0]), int(head[1])),), dtype=np.float64))


@_jit
def views_extra(dim, x_, g_, lp_, ud_, n_extra):
    """:func:`views` for a law of ``1 + n_extra`` inputs, whose user data end with the further inputs."""
    head = carray(ud_, (HEADER,), dtype=np.float64)
    n_obs = int(head[0])
    return (carray(x_, (dim,)), carray(g_, (dim,)), carray(lp_, (1,)),
            carray(ud_, (size(n_obs, int(head[1])) + n_extra * n_obs,), dtype=np.float64))


@_jit
def u_extra(ud, k):
    """The ``k``-th further input of a law of several inputs (after the standard layout)."""
    n_obs = int(ud[0])
    o = size(n_obs, int(ud[1])) + k * n_obs
    return ud[o:o + n_obs]


@_jit
def prior_part(x, g, ud):
    """Constrain every parameter; fill ``g`` with prior gradients; return log prior."""
    n_par = int(ud[1])
    th = np.empty(n_par)
    dth = np.empty(n_par)
    lp = 0.0
    for i in range(n_par):
        o = HEADER + 3 * i
        t, d, lpi, dl = constrain(int(ud[o]), x[i], ud[o + 1], ud[o + 2])
        th[i] = t
        dth[i] = d
        lp += lpi
        g[i] = dl
    return th, dth, lp


@_jit
def u_of(ud):
    n_obs = int(ud[0])
    o = HEADER + 3 * int(ud[1])
    return ud[o:o + n_obs]


@_jit
def curve_buffers(ud):
    n_obs = int(ud[0])
    return np.empty(n_obs), np.empty((n_obs, int(ud[1])))


@_jit
def likelihood_part(g, out, ud, th, dth, lm, dlm, lp):
    """Add the log marginal likelihood of y (sigma integrated out) and finish."""
    n_obs = int(ud[0])
    n_par = int(ud[1])
    alpha = ud[2]
    beta = ud[3]
    o = HEADER + 3 * n_par + n_obs
    ow = o + n_obs  # row weights, then the within-bin sum of squares and the noise's degrees of freedom
    rss = 0.0
    sum_ly = 0.0
    gth = np.zeros(n_par)
    for j in range(n_obs):
        r = ud[o + j] - lm[j]
        w = ud[ow + j]
        rss += w * r * r
        sum_ly += w * ud[o + j]
        for k in range(n_par):
            gth[k] += w * r * dlm[j, k]
    rss += ud[ow + n_obs]
    n_eff = ud[ow + n_obs + 1]
    a_post = alpha + 0.5 * n_eff
    b_post = beta + 0.5 * rss
    lp += (-0.5 * n_eff * LOG_2PI + alpha * math.log(beta) - math.lgamma(alpha) + math.lgamma(a_post)
           - a_post * math.log(b_post) - sum_ly)
    scale = a_post / b_post
    ok = math.isfinite(lp)
    for i in range(n_par):
        g[i] += scale * gth[i] * dth[i]
        ok = ok and math.isfinite(g[i])
    out[0] = lp
    if not math.isfinite(lp):
        return 4
    if not ok:
        return 3
    return 0


def expand(dim, n_expanded, x_, out_, ud_):
    """nutpie's expand function: the constrained parameters, in order."""
    x = carray(x_, (dim,))
    out = carray(out_, (n_expanded,))
    ud = carray(ud_, (HEADER + 3 * dim,), dtype=np.float64)
    for i in range(dim):
        o = HEADER + 3 * i
        t, _, _, _ = constrain(int(ud[o]), x[i], ud[o + 1], ud[o + 2])
        out[i] = t
    return 0


def log_density(curve_grad, theta_z, ud, n_extra: int = 0):
    """Log density and gradient at an unconstrained point, from Python (for tests and MAP); ``n_extra``: the
    further inputs of a law of several, passed to ``curve_grad`` after ``u``."""
    x = np.asarray(theta_z, dtype=float)
    g = np.empty_like(x)
    th, dth, lp = prior_part(x, g, ud)
    lm, dlm = curve_buffers(ud)
    curve_grad(u_of(ud), *(u_extra(ud, k) for k in range(n_extra)), th, lm, dlm)
    out = np.empty(1)
    likelihood_part(g, out, ud, th, dth, lm, dlm, lp)
    return float(out[0]), g
