#!/usr/bin/env python3
"""Reference outputs for the `game-theory` plugin: single-population α-Rank (OpenSpiel) and Nash
averaging (scipy's HiGHS LP).

Writes plugins/game-theory/tests/reference/:

- ``alpharank.json``: deterministic payoff matrices M (M[i][j] = P(i beats j), M[i][j] + M[j][i] = 1,
  M[i][i] = 1/2) and OpenSpiel's ``alpharank.compute([M], m, alpha)`` stationary distribution ``pi``
  (local selection model, OpenSpiel's default), or, for ``"alpha": "sweep"``,
  ``alpharank.sweep_pi_vs_alpha([M], return_alpha=True, m=m)`` with the returned ``alpha_used`` and
  ``sweep_ended`` ("converged": ``pi`` is compute(...) at ``alpha_used``; "error": the sweep stopped
  on an exception and ``alpha_used`` is the failing alpha, ``alpha_of_pi`` the one that produced
  ``pi``; the latter never happens with α starting at 1e-4), ``sweep_steps`` (compute() calls) and
  ``sweep_failures`` (calls that raised). Where OpenSpiel raises, the case keeps ``"pi": null`` and
  ``"error"``: its message, plus ``pi_numpy_gth``: NOT OpenSpiel's, this script's own π (below).
  Payoffs: Bradley–Terry-like with antisymmetric noise, cyclic (non-transitive) ones, ones with
  exact 1/2 entries off the diagonal (the u = 0 → ρ = 1/m branch), and three ``overflow-*`` cases at
  α = 1000, where OpenSpiel's ρ is inf/inf = NaN (e^{−u} overflows for −u > ~709) and scipy's eig
  raises "array must not contain infs or NaNs"; the chain itself is fine. The local-selection chain
  is never reducible (u(r, s) = −u(s, r), so every pair is connected at least one way and the top
  strategies form the one closed class), so OpenSpiel's "Expected 1 stationary distribution" does
  not occur here.
- ``soccer.json``: the same for the soccer meta-game of the ResponseGraphUCB paper, read from
  ``$PODIUM_SHARED_DATA/open_spiel/...soccer.txt`` (the matrix itself is not copied here; the Rust
  test reads the file), and its ``constant_sum_error`` = max |M + Mᵀ − 1|.
- ``nash.json``: Nash averaging on antisymmetric A: a maximin strategy p of the symmetric zero-sum
  game (minimise v subject to A p ≤ v·1, p ∈ simplex; scipy ``linprog(method="highs")``), its value v
  (0 up to rounding), support {i : p_i > 1e-9} and scores A p (all ≤ 0 at an equilibrium). ``unique``
  is checked here (min and max of every p_i over the optimal face {p ∈ simplex : A p ≤ 0} agree to
  1e-9). Two degenerate cases (``unique`` false) record the maximum-entropy equilibrium, known in
  closed form and confirmed numerically (SLSQP on the optimal face). Logit cases also record ``P``
  and ``clip``: A = logit(clip(P, clip, 1 − clip)) elementwise.

After writing, the script re-reads the files and checks every α-Rank π against an independent
numpy implementation of the spec (transition matrix from the fixation formula, stationary
distribution by GTH elimination on the single closed class), every Nash p for feasibility and
optimality, and prints the agreement achieved.

Run from the repository root (Python 3.11; a few seconds):
    python3 -m venv /tmp/refgt && /tmp/refgt/bin/pip install -r scripts/reference/requirements.txt
    /tmp/refgt/bin/python scripts/reference/game_theory.py
(Only open_spiel==2.0.2 numpy==2.4.6 scipy==1.17.1 matplotlib==3.11.2 networkx==3.6.1 are needed;
matplotlib and networkx because open_spiel.python.egt.alpharank imports its plotting module.)
"""

import json
import os
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import scipy
from scipy.optimize import linprog, minimize
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from open_spiel.python.egt import alpharank

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "plugins" / "game-theory" / "tests" / "reference"
SHARED = Path(os.environ.get("PODIUM_SHARED_DATA", "/work/shared/data"))
SOCCER = "open_spiel/open_spiel__data__paper_data__response_graph_ucb__soccer.txt"
GENERATOR = "scripts/reference/game_theory.py"

SUPPORT_TOL = 1e-9  # p_i > this counts as in the support
UNIQUE_TOL = 1e-9  # max − min of p_i over the optimal face

# OpenSpiel's overflow in exp(−m·u) for very negative u (ρ → 0, as intended) is not news.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"open_spiel\..*")


# ----------------------------------------------------------------------------------------------------------
# Payoffs.


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def from_upper(n, upper):
    """Constant-sum M from its strict upper triangle: M[j][i] = 1 − M[i][j], M[i][i] = 1/2."""
    m = np.full((n, n), 0.5)
    for i in range(n):
        for j in range(i + 1, n):
            m[i, j] = upper(i, j)
            m[j, i] = 1.0 - m[i, j]
    return m


def bt_payoff(n, seed, noise=0.5):
    """Bradley–Terry-like: M[i][j] = σ(s_i − s_j + e_ij), s ~ N(0, 1), e_ij ~ N(0, noise²) = −e_ji."""
    rng = np.random.default_rng([2026, 1, n, seed])
    s = rng.normal(size=n)
    e = rng.normal(0.0, noise, size=(n, n))
    return from_upper(n, lambda i, j: float(sigmoid(s[i] - s[j] + e[i, j])))


def cyclic_payoff(n, seed, scale=3.0):
    """Non-transitive: M = σ(X), X antisymmetric with N(0, scale²) entries."""
    rng = np.random.default_rng([2026, 2, n, seed])
    x = rng.normal(0.0, scale, size=(n, n))
    return from_upper(n, lambda i, j: float(sigmoid(x[i, j])))


def rps_payoff(win):
    """Rock-paper-scissors: each strategy beats the next one with probability `win`."""
    return from_upper(3, lambda i, j: win if j == i + 1 else 1.0 - win)


def ties_payoff(n, seed, pairs):
    """Bradley–Terry-like with the given pairs set to exactly 1/2."""
    m = bt_payoff(n, seed)
    for i, j in pairs:
        m[i, j] = m[j, i] = 0.5
    return m


def duplicate_payoff(n, seed, copy):
    """Bradley–Terry-like over n strategies plus an exact copy of strategy `copy` (index n)."""
    base = bt_payoff(n, seed)
    m = np.full((n + 1, n + 1), 0.5)
    m[:n, :n] = base
    m[n, :n] = base[copy]
    m[:n, n] = base[:, copy]
    m[n, copy] = m[copy, n] = 0.5
    return m


def alpharank_specs():
    """(name, payoff, alpha or "sweep", m)."""
    specs = []
    bt_settings = {
        2: [(1.0, 2), (10.0, 10)],
        3: [(0.1, 50), (10.0, 2), (1.0, 10)],
        5: [(1.0, 50), (10.0, 10), (0.1, 2)],
        8: [(10.0, 50), (100.0, 10), (1.0, 2)],
        12: [(1.0, 50), (10.0, 10), (100.0, 2)],
        20: [(10.0, 50), (0.1, 10)],
        40: [(1.0, 50)],
    }
    for n, settings in bt_settings.items():
        payoff = bt_payoff(n, 0)
        for alpha, m in [(100.0, 50)] + settings:
            specs.append((f"bt-n{n}-a{alpha:g}-m{m}", payoff, alpha, m))
    for alpha in (1.0, 100.0):
        specs.append((f"rps-hard-a{alpha:g}-m50", rps_payoff(1.0), alpha, 50))
        specs.append((f"rps-soft-a{alpha:g}-m50", rps_payoff(0.7), alpha, 50))
        for n in (6, 10):
            specs.append((f"cyclic-n{n}-a{alpha:g}-m50", cyclic_payoff(n, 0), alpha, 50))
    specs.append(("ties-all-half-n4-a100-m50", np.full((4, 4), 0.5), 100.0, 50))
    tied = ties_payoff(6, 0, [(0, 1), (2, 4), (3, 5)])
    for alpha, m in ((100.0, 50), (10.0, 10)):
        specs.append((f"ties-pairs-n6-a{alpha:g}-m{m}", tied, alpha, m))
    dup = duplicate_payoff(4, 0, copy=int(np.argmax(bt_payoff(4, 0).sum(axis=1))))  # copy of the best
    for alpha in (1.0, 100.0):
        specs.append((f"ties-duplicate-best-n5-a{alpha:g}-m50", dup, alpha, 50))
    specs.append(("sweep-cyclic-n3-m50", cyclic_payoff(3, 1, scale=1.0), "sweep", 50))
    specs.append(("sweep-bt-n5-m50", bt_payoff(5, 1), "sweep", 50))
    specs.append(("sweep-cyclic-n8-m50", cyclic_payoff(8, 1, scale=1.0), "sweep", 50))
    specs.append(("sweep-bt-n12-m50", bt_payoff(12, 1), "sweep", 50))
    # Beyond the α grid: OpenSpiel's ρ = (1 − e^{−u}) / (1 − e^{−mu}) is inf/inf = NaN once
    # −u > ~709 (e^{−u} overflows), and scipy's eig then raises. A sweep that runs into this
    # barrier shrinks its step factor until consecutive π agree: it "converges" just below it.
    specs.append(("overflow-bt-n3-a1000-m50", bt_payoff(3, 0), 1000.0, 50))
    specs.append(("overflow-cyclic-n6-a1000-m10", cyclic_payoff(6, 0), 1000.0, 10))
    specs.append(("overflow-rps-hard-a1000-m2", rps_payoff(1.0), 1000.0, 2))
    specs.append(("sweep-cyclic-n8-scale3-m50", cyclic_payoff(8, 2), "sweep", 50))
    return specs


# ----------------------------------------------------------------------------------------------------------
# OpenSpiel α-Rank.


def openspiel_case(name, payoff, alpha, m, with_payoff=True):
    n = payoff.shape[0]
    case = {"name": name}
    if with_payoff:
        case.update({"n": n, "payoff": payoff.tolist()})
    case.update({"alpha": alpha, "m": m})
    if alpha != "sweep":
        try:
            _, _, pi, _, _ = alpharank.compute([payoff], m=m, alpha=alpha)
            case["pi"] = [float(x) for x in pi]
        except ValueError as err:
            # Not OpenSpiel's: this script's own numpy/GTH π (see own_stationary), for comparison.
            own = own_stationary(transition(payoff, alpha, m))
            case.update({"pi": None, "error": str(err),
                         "pi_numpy_gth": None if own is None else [float(x) for x in own]})
        return case
    # Record every compute() the sweep makes, to know which alpha produced the returned pi.
    calls = []
    original = alpharank.compute

    def recording(*args, **kwargs):
        try:
            out = original(*args, **kwargs)
        except ValueError:
            calls.append((kwargs["alpha"], False))
            raise
        calls.append((kwargs["alpha"], True))
        return out

    alpharank.compute = recording
    try:
        pi, alpha_used = alpharank.sweep_pi_vs_alpha([payoff], return_alpha=True, m=m)
    except (ValueError, IndexError) as err:  # e.g. an exception on the very first alpha
        case.update({"pi": None, "error": f"{type(err).__name__}: {err}"})
        return case
    finally:
        alpharank.compute = original
    case["pi"] = [float(x) for x in pi]
    case["alpha_used"] = float(alpha_used)
    try:
        _, _, again, _, _ = alpharank.compute([payoff], m=m, alpha=alpha_used)
        converged = np.array_equal(again, pi)
    except ValueError:
        converged = False
    case["sweep_ended"] = "converged" if converged else "error"
    alpha_of_pi = [a for a, ok in calls if ok][-1]
    if not converged:
        case["alpha_of_pi"] = float(alpha_of_pi)
    else:
        assert alpha_of_pi == alpha_used, (name, alpha_of_pi, alpha_used)
    case["sweep_steps"] = len(calls)
    case["sweep_failures"] = sum(not ok for _, ok in calls)  # compute() calls that raised
    return case


# ----------------------------------------------------------------------------------------------------------
# Independent α-Rank (the spec's formulas, numpy only).


def fixation(u, m):
    """ρ(u) = (1 − e^{−u}) / (1 − e^{−mu}); 1/m for |u| ≤ 1e-14. Written without overflow."""
    u = np.asarray(u, dtype=float)
    out = np.full(u.shape, 1.0 / m)
    pos = u > 1e-14
    neg = u < -1e-14
    out[pos] = np.expm1(-u[pos]) / np.expm1(-m * u[pos])
    # u < 0: multiply numerator and denominator by e^{mu}.
    out[neg] = np.expm1(u[neg]) * np.exp((m - 1) * u[neg]) / np.expm1(m * u[neg])
    return out


def transition(payoff, alpha, m):
    """C[s][r] = ρ(α(M[r][s] − M[s][r])) / (n − 1) for r ≠ s; C[s][s] = 1 − Σ."""
    n = payoff.shape[0]
    u = alpha * (payoff.T - payoff)  # u[s][r] = α(M[r][s] − M[s][r]): mutant r, resident s
    c = fixation(u, m) / (n - 1)
    np.fill_diagonal(c, 0.0)
    np.fill_diagonal(c, 1.0 - c.sum(axis=1))
    return c


def gth(p):
    """Stationary distribution of an irreducible stochastic matrix (Grassmann–Taksar–Heyman)."""
    p = np.array(p, dtype=float)
    n = p.shape[0]
    for k in range(n - 1, 0, -1):
        s = p[k, :k].sum()
        p[:k, k] /= s
        p[:k, :k] += np.outer(p[:k, k], p[k, :k])
    pi = np.zeros(n)
    pi[0] = 1.0
    for k in range(1, n):
        pi[k] = pi[:k] @ p[:k, k]
    return pi / pi.sum()


def own_stationary(c):
    """π on the unique closed class (GTH there, 0 elsewhere); None if there are several."""
    n = c.shape[0]
    adj = (c > 0) & ~np.eye(n, dtype=bool)
    count, label = connected_components(csr_matrix(adj), directed=True, connection="strong")
    closed = [k for k in range(count) if not adj[np.ix_(label == k, label != k)].any()]
    if len(closed) != 1:
        return None
    idx = np.flatnonzero(label == closed[0])
    pi = np.zeros(n)
    pi[idx] = gth(c[np.ix_(idx, idx)]) if len(idx) > 1 else 1.0
    return pi


def check_alpharank_case(case, payoff):
    """(residual of π·C = π, max |π − π_own|, max |C_own − C_openspiel|, probability-vector error)."""
    alpha = case["alpha"]
    if alpha == "sweep":
        alpha = case["alpha_used"] if case["sweep_ended"] == "converged" else case["alpha_of_pi"]
    c = transition(payoff, alpha, case["m"])
    c_os, _ = alpharank._get_singlepop_transition_matrix(  # pylint: disable=protected-access
        payoff, False, case["m"], alpha, True, True, 1.0)
    own = own_stationary(c)
    if case["pi"] is None:
        row = {"own_reducible": own is None}
        if own is not None:
            row["gth_residual"] = float(np.max(np.abs(own @ c - own)))
            row["gth_vs_recorded"] = float(np.max(np.abs(own - np.array(case["pi_numpy_gth"]))))
        return row
    pi = np.array(case["pi"])
    assert own is not None, case["name"]
    prob = max(float(abs(pi.sum() - 1.0)), float(max(0.0, -pi.min())))
    return {
        "prob_vector": prob,
        "residual": float(np.max(np.abs(pi @ c - pi))),
        "pi_vs_own": float(np.max(np.abs(pi - own))),
        "c_vs_openspiel": float(np.max(np.abs(c - c_os))),
    }


# ----------------------------------------------------------------------------------------------------------
# Nash averaging.


def antisymmetric_normal(n, seed):
    rng = np.random.default_rng([2026, 3, n, seed])
    x = np.triu(rng.normal(size=(n, n)), 1)
    return x - x.T


def maximin(a):
    """min v s.t. A p ≤ v·1, Σp = 1, p ≥ 0 (HiGHS). Returns p, v."""
    n = a.shape[0]
    res = linprog(
        c=np.r_[np.zeros(n), 1.0],
        A_ub=np.c_[a, -np.ones(n)],
        b_ub=np.zeros(n),
        A_eq=np.r_[np.ones(n), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * n + [(None, None)],
        method="highs",
    )
    assert res.status == 0, res.message
    return res.x[:n], float(res.x[n]) + 0.0  # + 0.0: no "-0.0" in the file


def face_ranges(a):
    """For each i: (min, max) of p_i over {p ∈ simplex : A p ≤ 0}."""
    n = a.shape[0]
    out = []
    for i in range(n):
        e = np.zeros(n)
        e[i] = 1.0
        lo_hi = []
        for sign in (1.0, -1.0):
            res = linprog(c=sign * e, A_ub=a, b_ub=np.zeros(n), A_eq=np.ones((1, n)), b_eq=[1.0],
                          bounds=[(0, None)] * n, method="highs")
            assert res.status == 0, res.message
            lo_hi.append(float(res.x[i]))
        out.append(tuple(lo_hi))
    return out


def max_entropy(a, x0):
    """Maximum-entropy point of the optimal face, numerically (SLSQP)."""
    n = a.shape[0]

    def neg_entropy(p):
        q = np.clip(p, 1e-300, None)
        return float(np.sum(q * np.log(q)))

    res = minimize(neg_entropy, x0, method="SLSQP", bounds=[(0.0, 1.0)] * n,
                   constraints=[{"type": "eq", "fun": lambda p: p.sum() - 1.0},
                                {"type": "ineq", "fun": lambda p: -(a @ p)}],
                   options={"ftol": 1e-15, "maxiter": 1000})
    assert res.success, res.message
    return res.x


def nash_case(name, a, p_override=None, extra=None):
    n = a.shape[0]
    p, v = maximin(a)
    ranges = face_ranges(a)
    unique = all(hi - lo < UNIQUE_TOL for lo, hi in ranges)
    if p_override is not None:
        p = np.asarray(p_override, dtype=float)
    case = {"name": name, "n": n}
    case.update(extra or {})
    case.update({
        "A": a.tolist(),
        "p": [float(x) for x in p],
        "value": v,
        "support": [i for i in range(n) if p[i] > SUPPORT_TOL],
        "scores": [float(x) for x in a @ p],
        "unique": unique,
    })
    return case


def nash_specs():
    cases = []
    for n in (3, 4, 5, 7, 10, 15, 20, 30):
        for seed in (0, 1):
            cases.append(nash_case(f"normal-n{n}-s{seed}", antisymmetric_normal(n, seed)))
    clip = 1e-3
    for n in (5, 10):
        rng = np.random.default_rng([2026, 4, n])
        x = np.triu(rng.normal(0.0, 4.0, size=(n, n)), 1)
        p_mat = sigmoid(x - x.T)
        q = np.clip(p_mat, clip, 1.0 - clip)
        a = np.log(q) - np.log1p(-q)
        cases.append(nash_case(f"logit-n{n}", a, extra={"P": p_mat.tolist(), "clip": clip}))
    cases.append(nash_case("zero-n4", np.zeros((4, 4)), p_override=[0.25] * 4))
    rps = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=float)  # R, P, S: (A)_ij = +1 if i beats j
    dup = np.zeros((4, 4))
    dup[:3, :3] = rps
    dup[3, :3] = rps[2]
    dup[:3, 3] = rps[:, 2]
    cases.append(nash_case("rps-duplicate-n4", dup, p_override=[1 / 3, 1 / 3, 1 / 6, 1 / 6]))
    return cases


def check_nash_case(case):
    a = np.array(case["A"])
    p = np.array(case["p"])
    out = {
        "antisymmetry": float(np.max(np.abs(a + a.T))),
        "prob_vector": max(float(abs(p.sum() - 1.0)), float(max(0.0, -p.min()))),
        "max_score": float(np.max(a @ p)),  # ≤ 0 at an equilibrium (value 0)
        "scores_vs_Ap": float(np.max(np.abs(a @ p - np.array(case["scores"])))),
        "value": abs(case["value"]),
    }
    if case["unique"]:
        # Polish on the support: A_SS p_S = 0 on the binding rows, Σ p_S = 1 (least squares).
        s = case["support"]
        binding = [i for i in range(len(p)) if (a @ p)[i] > -1e-9]
        lhs = np.r_[a[np.ix_(binding, s)], np.ones((1, len(s)))]
        rhs = np.r_[np.zeros(len(binding)), 1.0]
        p_s = np.linalg.lstsq(lhs, rhs, rcond=None)[0]
        polished = np.zeros(len(p))
        polished[s] = p_s
        out["p_vs_polished"] = float(np.max(np.abs(p - polished)))
    else:
        x0 = np.full(len(p), 1.0 / len(p))
        out["p_vs_max_entropy"] = float(np.max(np.abs(p - max_entropy(a, 0.5 * x0 + 0.5 * maximin(a)[0]))))
    if "P" in case:
        q = np.clip(np.array(case["P"]), case["clip"], 1.0 - case["clip"])
        out["A_vs_logit"] = float(np.max(np.abs(a - np.log(q / (1.0 - q)))))
    return out


# ----------------------------------------------------------------------------------------------------------
# Files.


def dump(path, header, cases):
    body = ",\n    ".join(json.dumps(c, separators=(",", ":")) for c in cases)
    head = "".join(f"  {json.dumps(k)}: {json.dumps(v)},\n" for k, v in header.items())
    text = "{\n" + head + '  "cases": [\n    ' + body + "\n  ]\n}\n"
    assert json.loads(text) == dict(header, cases=cases)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}: {len(cases)} cases, {path.stat().st_size / 1024:.1f} KB")


def load_soccer():
    return np.loadtxt(SHARED / SOCCER)


def write_all():
    os_version = version("open_spiel")
    cases = [openspiel_case(*spec) for spec in alpharank_specs()]
    dump(OUT / "alpharank.json", {"generator": GENERATOR, "open_spiel": os_version}, cases)

    soccer = load_soccer()
    assert soccer.shape == (10, 10)
    soccer_cases = [openspiel_case(f"soccer-a{a:g}-m50", soccer, a, 50, with_payoff=False)
                    for a in (100.0, 10.0, 1.0)]
    soccer_cases.append(openspiel_case("soccer-sweep-m50", soccer, "sweep", 50, with_payoff=False))
    dump(OUT / "soccer.json", {
        "generator": GENERATOR, "open_spiel": os_version, "file": SOCCER, "n": 10,
        "constant_sum_error": float(np.max(np.abs(soccer + soccer.T - 1.0))),
    }, soccer_cases)

    dump(OUT / "nash.json", {"generator": GENERATOR, "scipy": scipy.__version__}, nash_specs())


def fmt(d):
    return " ".join(f"{k}={v:.2e}" if isinstance(v, float) else f"{k}={v}" for k, v in d.items())


def worst_of(rows):
    worst = {}
    for row in rows:
        for k, v in row.items():
            if isinstance(v, float):
                worst[k] = max(worst.get(k, 0.0), v)
    return worst


def check_all():
    print("α-Rank re-checks (own transition matrix + GTH on the closed class):")
    rows = []
    errors = []
    for file, payoff_of in (("alpharank.json", lambda c: np.array(c["payoff"])),
                            ("soccer.json", lambda c: load_soccer())):
        doc = json.loads((OUT / file).read_text(encoding="utf-8"))
        for case in doc["cases"]:
            payoff = payoff_of(case)
            if file == "alpharank.json":
                assert np.max(np.abs(payoff + payoff.T - 1.0)) < 1e-15 and len(payoff) == case["n"]
            row = check_alpharank_case(case, payoff)
            extra = (f" sweep_ended={case['sweep_ended']} alpha_used={case['alpha_used']:g}"
                     f" steps={case['sweep_steps']} failures={case['sweep_failures']}"
                     if "sweep_ended" in case else "")
            print(f"  {file[:-5]}/{case['name']}: {fmt(row)}{extra}" +
                  (f"  ERROR {case['error']}" if case["pi"] is None else ""))
            if case["pi"] is None:
                errors.append((case["name"], case["error"], row["own_reducible"]))
                assert row["own_reducible"] or (row["gth_residual"] < 1e-12 and row["gth_vs_recorded"] == 0)
            else:
                assert row["prob_vector"] < 1e-12 and row["residual"] < 1e-12, case["name"]
                rows.append(row)
        if file == "soccer.json":
            print(f"  soccer constant_sum_error={doc['constant_sum_error']:.2e}")
    with_pi = len(rows)
    print(f"α-Rank: {with_pi} cases with pi, {len(errors)} with an OpenSpiel error")
    for name, err, reducible in errors:
        print(f"  {name}: {err!r} (own check: {'several' if reducible else 'one'} closed class(es))")
    print("α-Rank worst:", fmt(worst_of(rows)))
    assert with_pi >= 30

    print("Nash re-checks:")
    doc = json.loads((OUT / "nash.json").read_text(encoding="utf-8"))
    nrows = []
    for case in doc["cases"]:
        row = check_nash_case(case)
        print(f"  {case['name']}: unique={case['unique']} support={len(case['support'])} {fmt(row)}")
        assert row["max_score"] < 1e-9 and row["prob_vector"] < 1e-12 and row["value"] < 1e-9
        assert row.get("p_vs_polished", 0.0) < 1e-9 and row.get("p_vs_max_entropy", 0.0) < 1e-6
        nrows.append(row)
    uniq = sum(c["unique"] for c in doc["cases"])
    print(f"Nash: {len(doc['cases'])} cases, {uniq} unique")
    print("Nash worst:", fmt(worst_of(nrows)))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    write_all()
    check_all()


if __name__ == "__main__":
    main()
