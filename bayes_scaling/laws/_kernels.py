"""Numba kernels shared by every law: transforms, priors and the log-normal likelihood.

A law contributes one function, ``log_curve_grad(u, theta, lm, dlm)``, that fills the
log mean curve and its gradient with respect to the curve parameters. The pieces
here turn that into the log density (and gradient) on the unconstrained space that
nutpie samples. Everything is compiled with ``cache=True``: compiled machine code
is stored beside this file (numba invalidates it when the source or numba changes),
so a new process pays microseconds, not seconds, per law.

The data travel in one flat float64 *user-data* array (see :func:`pack`), so a
compiled law serves every data set: new data is a new array, never a recompile.

Layout of the user data::

    [n_obs, n_par, (kind, p1, p2) * n_par, u * n_obs, log_y * n_obs]

``kind`` is 0 for Normal(p1, p2) on the real line, 1 for LogNormal(p1, p2)
(sampled as log theta) and 2 for Beta(p1, p2) (sampled as logit theta). The last
parameter is always the noise scale ``sigma`` of ``log y``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import carray, njit, types

LOG_2PI = math.log(2.0 * math.pi)
HEADER = 2
NORMAL, LOGNORMAL, BETA = 0, 1, 2

LOGP_SIG = types.int64(
    types.uint64, types.CPointer(types.double), types.CPointer(types.double),
    types.CPointer(types.double), types.voidptr,
)
EXPAND_SIG = types.int64(
    types.uint64, types.uint64, types.CPointer(types.double), types.CPointer(types.double),
    types.voidptr,
)

_jit = njit(cache=True, error_model="numpy", fastmath=False)


def pack(priors, u, log_y) -> np.ndarray:
    """Build the user-data array from ``(kind, p1, p2)`` triples and the data."""
    u = np.asarray(u, dtype=float)
    return np.concatenate(
        [[float(u.size), float(len(priors))], np.ravel(np.asarray(priors, dtype=float)), u,
         np.asarray(log_y, dtype=float)]
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
def views(dim, x_, g_, lp_, ud_):
    head = carray(ud_, (HEADER,), dtype=np.float64)
    size = HEADER + 3 * int(head[1]) + 2 * int(head[0])
    return (carray(x_, (dim,)), carray(g_, (dim,)), carray(lp_, (1,)),
            carray(ud_, (size,), dtype=np.float64))


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
    return np.empty(n_obs), np.empty((n_obs, int(ud[1]) - 1))


@_jit
def likelihood_part(g, out, ud, th, dth, lm, dlm, lp):
    """Add the log-normal likelihood of y (log y ~ Normal(lm, sigma)) and finish."""
    n_obs = int(ud[0])
    n_par = int(ud[1])
    o = HEADER + 3 * n_par + n_obs
    sigma = th[n_par - 1]
    log_sigma = math.log(sigma)
    gth = np.zeros(n_par)
    for j in range(n_obs):
        ly = ud[o + j]
        r = (ly - lm[j]) / sigma
        lp += -0.5 * r * r - log_sigma - 0.5 * LOG_2PI - ly
        w = r / sigma
        for k in range(n_par - 1):
            gth[k] += w * dlm[j, k]
        gth[n_par - 1] += (r * r - 1.0) / sigma
    ok = math.isfinite(lp)
    for i in range(n_par):
        g[i] += gth[i] * dth[i]
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


def log_density(curve_grad, theta_z, ud):
    """Log density and gradient at an unconstrained point, from Python (for tests and MAP)."""
    x = np.asarray(theta_z, dtype=float)
    g = np.empty_like(x)
    th, dth, lp = prior_part(x, g, ud)
    lm, dlm = curve_buffers(ud)
    curve_grad(u_of(ud), th, lm, dlm)
    out = np.empty(1)
    likelihood_part(g, out, ud, th, dth, lm, dlm, lp)
    return float(out[0]), g
