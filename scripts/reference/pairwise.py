#!/usr/bin/env python3
"""Reference outputs for the `pairwise` plugin (Bradley–Terry, Davidson/Newman ties, Elo).

Writes plugins/pairwise/tests/reference/<case>.json, one deterministic synthetic case per file:

- ``models``: model names, zero-padded (``m00``…) so that sorted order equals index order;
- ``comparisons``: ``{"a", "b", "winner", "weight", "t"}`` in timestamp order (``t`` = position);
  ``winner`` is ``model_a``, ``model_b`` or ``tie``;
- ``expected``: per reference method, the estimate in the order of ``models`` and a
  ``convention`` string stating exactly what was computed (see README.md).

Outcomes are sampled from a Davidson model (log-strengths ~ N(0, sd²)); every case is checked to
be strongly connected (a tie counts as an edge both ways), so every maximum-likelihood estimate
exists. After writing, the script re-checks every file (likelihood equations, choix vs evalica)
and prints the agreement achieved.

Run from the repository root (Python 3.11):
    python3 -m venv /tmp/refpw && /tmp/refpw/bin/pip install -r scripts/reference/requirements.txt evalica==0.4.2 pandas==3.1.1
    /tmp/refpw/bin/python scripts/reference/pairwise.py
"""

import json
import math
from fractions import Fraction
from pathlib import Path

import choix
import evalica
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "plugins" / "pairwise" / "tests" / "reference"

# Solver settings (as tight as each library reliably converges to).
CHOIX_TOL = 1e-12  # choix: stop when ||Δθ||₁ <= tol · n
CHOIX_MAX_ITER = 1_000_000
CHOIX_MM_TOL = 1e-14  # MM converges linearly (slowly): tighter, so its θ also meets the 1e-9 check
EVALICA_TOL = 1e-13  # evalica: stop when ||Δπ||₂ < tol (π = raw scores)
EVALICA_LIMIT = 1_000_000
NEWMAN_V_INIT = 0.5  # evalica's default
ELO = {"initial": 1000.0, "base": 10.0, "scale": 400.0, "k": 4.0}  # LMArena convention = evalica defaults

OUTCOMES = ("model_a", "model_b", "tie")
EVALICA_WINNER = {"model_a": evalica.Winner.X, "model_b": evalica.Winner.Y, "tie": evalica.Winner.Draw}

# name, seed, models, comparisons, sd of log-strengths, Davidson tie parameter ν (P(tie) ∝ ν√(πᵢπⱼ)),
# weight choices, pair structure.
CASES = [
    {"case": "small_no_ties", "seed": 101, "n": 5, "m": 60, "sd": 0.8, "nu": 0.0, "weights": None, "pairs": "all"},
    {"case": "ties", "seed": 202, "n": 8, "m": 400, "sd": 0.6, "nu": 0.8, "weights": None, "pairs": "all"},
    {"case": "weighted", "seed": 303, "n": 10, "m": 500, "sd": 0.8, "nu": 0.6, "weights": [0.5, 1.0, 2.0], "pairs": "all"},
    {"case": "repeated_pairs", "seed": 404, "n": 4, "m": 240, "sd": 0.7, "nu": 0.5, "weights": None,
     "pairs": [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]},
    # 3,000 (not 4,000) comparisons keep the file under 200 KB.
    {"case": "medium", "seed": 505, "n": 40, "m": 3000, "sd": 1.0, "nu": 0.7, "weights": None, "pairs": "all"},
    {"case": "sparse", "seed": 606, "n": 30, "m": 300, "sd": 0.7, "nu": 0.5, "weights": None, "pairs": "all"},
]


def names(n):
    width = len(str(n - 1))
    return [f"m{i:0{width}d}" for i in range(n)]


def strongly_connected(n, comparisons):
    adj = np.zeros((n, n))
    for c in comparisons:
        a, b, w = c["a"], c["b"], c["winner"]
        if w in ("model_a", "tie"):
            adj[a, b] = 1
        if w in ("model_b", "tie"):
            adj[b, a] = 1
    count, _ = connected_components(csr_matrix(adj), directed=True, connection="strong")
    return count == 1


def sample(spec, rng):
    """One draw of comparisons from the Davidson model with the case's parameters."""
    n, m, nu = spec["n"], spec["m"], spec["nu"]
    log_pi = rng.normal(0.0, spec["sd"], size=n)
    pi = np.exp(log_pi)
    comparisons = []
    for t in range(m):
        if spec["pairs"] == "all":
            a, b = rng.choice(n, size=2, replace=False)
        else:
            a, b = spec["pairs"][rng.integers(len(spec["pairs"]))]
            if rng.random() < 0.5:
                a, b = b, a
        a, b = int(a), int(b)
        tie_mass = nu * math.sqrt(pi[a] * pi[b])
        total = pi[a] + pi[b] + tie_mass
        u = rng.random() * total
        winner = "model_a" if u < pi[a] else ("model_b" if u < pi[a] + pi[b] else "tie")
        weight = 1.0 if spec["weights"] is None else float(rng.choice(spec["weights"]))
        comparisons.append({"a": a, "b": b, "winner": winner, "weight": weight, "t": t})
    return log_pi, comparisons


def generate(spec):
    """Draws from the case's seed until the comparison graph is strongly connected."""
    rng = np.random.default_rng(spec["seed"])
    for attempt in range(1000):
        log_pi, comparisons = sample(spec, rng)
        if strongly_connected(spec["n"], comparisons):
            return attempt, log_pi, comparisons
    raise RuntimeError(f"{spec['case']}: no strongly connected draw")


def matrices(n, comparisons):
    """Win matrix W[i][j] = weight of i beating j; symmetric tie matrix T (weight of i–j ties)."""
    w = np.zeros((n, n))
    t = np.zeros((n, n))
    for c in comparisons:
        a, b, x = c["a"], c["b"], c["weight"]
        if c["winner"] == "model_a":
            w[a, b] += x
        elif c["winner"] == "model_b":
            w[b, a] += x
        else:
            t[a, b] += x
            t[b, a] += x
    return w, t


def mm_multiplier(comparisons):
    """Smallest integer m such that m·w (wins) and m·w/2 (ties) are all integers; None if > 64."""
    need = []
    for c in comparisons:
        f = Fraction(c["weight"]).limit_denominator(1 << 20)
        if float(f) != c["weight"]:
            return None
        need.append(f if c["winner"] != "tie" else f / 2)
    m = 1
    for f in need:
        m = m * f.denominator // math.gcd(m, f.denominator)
        if m > 64:
            return None
    return max(m, 2) if any(c["winner"] == "tie" for c in comparisons) else m


def choix_mm(n, comparisons):
    mult = mm_multiplier(comparisons)
    if mult is None:
        return None, None
    data = []
    for c in comparisons:
        a, b = c["a"], c["b"]
        if c["winner"] == "tie":
            copies = round(mult * c["weight"] / 2)
            data += [(a, b)] * copies + [(b, a)] * copies
        else:
            copies = round(mult * c["weight"])
            pair = (a, b) if c["winner"] == "model_a" else (b, a)
            data += [pair] * copies
    theta = choix.mm_pairwise(n, data, alpha=0.0, max_iter=CHOIX_MAX_ITER, tol=CHOIX_MM_TOL)
    return theta - theta.mean(), mult


def choix_rank_centrality(n, comparisons):
    mult = mm_multiplier(comparisons)
    if mult is None:
        return None, None
    data = []
    for c in comparisons:
        a, b = c["a"], c["b"]
        if c["winner"] == "tie":
            copies = round(mult * c["weight"] / 2)
            data += [(a, b)] * copies + [(b, a)] * copies
        else:
            copies = round(mult * c["weight"])
            pair = (a, b) if c["winner"] == "model_a" else (b, a)
            data += [pair] * copies
    theta = choix.rank_centrality(n, data, alpha=0.0)
    return theta - theta.mean(), mult


def evalica_inputs(models, comparisons):
    xs = [models[c["a"]] for c in comparisons]
    ys = [models[c["b"]] for c in comparisons]
    winners = [EVALICA_WINNER[c["winner"]] for c in comparisons]
    weights = [float(c["weight"]) for c in comparisons]
    return xs, ys, winners, weights, pd.Index(models)


def compute(models, comparisons):
    n = len(models)
    w, t = matrices(n, comparisons)
    expected = {}

    comp = w + t / 2
    theta = choix.ilsr_pairwise_dense(comp, alpha=0.0, max_iter=CHOIX_MAX_ITER, tol=CHOIX_TOL)
    theta = theta - theta.mean()
    expected["choix_ilsr_pairwise_dense"] = {
        "theta": theta.tolist(),
        "convention": (
            "choix 0.4.1 ilsr_pairwise_dense(comp, alpha=0, max_iter=1e6, tol=1e-12) with "
            "comp[i][j] = total weight of i beating j + half the weight of every i–j tie (a tie of weight w adds "
            "w/2 to comp[i][j] and comp[j][i]). theta = log-strengths of the Bradley–Terry MLE, "
            "P(i beats j) = 1/(1+exp(theta_j-theta_i)), centred (mean 0; choix returns them centred, "
            "re-centred here). choix stops when ||Δθ||₁ <= tol·n."
        ),
    }

    theta_rc, mult_rc = choix_rank_centrality(n, comparisons)
    if theta_rc is not None:
        expected["choix_rank_centrality"] = {
            "theta": theta_rc.tolist(),
            "convention": (
                f"choix 0.4.1 rank_centrality(n, data, alpha=0) on (winner, loser) pairs expanded with "
                f"multiplier M={mult_rc} as for choix_mm_pairwise (a tie of weight w -> M·w/2 copies each way). "
                f"Rank centrality uses, per pair, the fraction of the pair's comparisons won by each side, which "
                f"scaling all counts leaves unchanged. theta = log of the stationary distribution, centred "
                f"(mean 0)."
            ),
        }

    theta_mm, mult = choix_mm(n, comparisons)
    if theta_mm is not None:
        expected["choix_mm_pairwise"] = {
            "theta": theta_mm.tolist(),
            "convention": (
                f"choix 0.4.1 mm_pairwise(n, data, alpha=0, max_iter=1e6, tol=1e-14) on (winner, loser) pairs "
                f"expanded with multiplier M={mult}: a win of weight w -> M·w copies of (winner, loser); a tie of "
                f"weight w -> M·w/2 copies of (a, b) and M·w/2 of (b, a). The counts are M × the half-tie matrix "
                f"of choix_ilsr_pairwise_dense and the Bradley–Terry MLE is invariant to scaling all counts, so "
                f"theta is the same half-tie MLE (log-strengths, centred, mean 0)."
            ),
        }

    xs, ys, winners, weights, index = evalica_inputs(models, comparisons)

    bt = evalica.bradley_terry(
        xs, ys, winners, index=index, weights=weights, win_weight=1.0, tie_weight=0.5,
        tolerance=EVALICA_TOL, limit=EVALICA_LIMIT,
    )
    assert bt.iterations < EVALICA_LIMIT, "evalica BT did not converge"
    expected["evalica_bradley_terry"] = {
        "scores": bt.scores.reindex(models).tolist(),
        "convention": (
            f"evalica {evalica.__version__} bradley_terry(index=models, weights, win_weight=1, tie_weight=0.5, "
            f"tolerance=1e-13, limit=1e6; Rust solver), converged in {bt.iterations} iterations. scores = pi, the "
            "Bradley–Terry strengths (P(i beats j) = pi_i/(pi_i+pi_j)) of matrix M = W + 0.5·T (W[i][j] = weight of "
            "i beating j, T = symmetric tie weights): a tie is half a win each way. Normalisation: geometric mean 1 "
            "(evalica divides by the geometric mean every iteration), so log(scores) has mean 0 and equals the "
            "choix theta; scores do NOT sum to 1 (evalica's golden files divide by the sum). Iteration (Newman 2023, "
            "in place, Gauss–Seidel order): pi_i <- sum_j M_ij pi_j/(pi_i+pi_j) / sum_j M_ji/(pi_i+pi_j); stops when "
            "||Δpi||₂ < tolerance."
        ),
    }

    nm = evalica.newman(
        xs, ys, winners, index=index, v_init=NEWMAN_V_INIT, weights=weights, win_weight=1.0, tie_weight=1.0,
        tolerance=EVALICA_TOL, limit=EVALICA_LIMIT,
    )
    assert nm.iterations < EVALICA_LIMIT, "evalica newman did not converge"
    expected["evalica_newman"] = {
        "scores": nm.scores.reindex(models).tolist(),
        "v": float(nm.v),
        "convention": (
            f"evalica {evalica.__version__} newman(index=models, v_init=0.5, weights, win_weight=1, tie_weight=1, "
            f"tolerance=1e-13, limit=1e6; Rust solver), converged in {nm.iterations} iterations. Model (Newman 2023, "
            "ties): P(i beats j) = pi_i/(pi_i+pi_j+2v·sqrt(pi_i·pi_j)), P(tie) = 2v·sqrt(pi_i·pi_j)/(pi_i+pi_j+"
            "2v·sqrt(pi_i·pi_j)); i.e. Davidson (1970) with nu = 2v. scores = pi and v are the joint MLE, with W = "
            "weighted wins and T = weighted ties (a tie is one tie observation of its weight). Updates (Jacobi, all "
            "pi from the previous iterate): D_ij = pi_i+pi_j+2v·sqrt(pi_i pi_j), A = W + T/2, pi_i <- "
            "sum_j A_ij (pi_j + v·sqrt(pi_i pi_j))/D_ij / sum_j A_ji (1 + v·sqrt(pi_j/pi_i))/D_ij, v <- "
            "[½·sum_ij T_ij (pi_i+pi_j)/D_ij] / [2·sum_ij W_ij sqrt(pi_i pi_j)/D_ij] (sums over ordered pairs, T "
            "symmetric). Normalisation: NONE — the scale of pi is whatever the iteration from pi = 1 reaches; compare "
            "log(scores) - mean(log(scores)). v is the value used in the last iteration (one step behind, "
            "irrelevant at this tolerance). Stops when ||Δpi||₂ < tolerance."
        ),
    }

    elo = evalica.elo(xs, ys, winners, index=index, weights=weights, win_weight=1.0, tie_weight=0.5, **ELO)
    expected["evalica_elo"] = {
        "scores": elo.scores.reindex(models).tolist(),
        "convention": (
            f"evalica {evalica.__version__} elo(index=models, initial=1000, base=10, scale=400, k=4, weights, "
            "win_weight=1, tie_weight=0.5; Rust solver). Online, in comparison order t: every model starts at "
            "1000; for a comparison (a, b, weight w): q_a = 10^(R_a/400), q_b = 10^(R_b/400), E_a = q_a/(q_a+q_b), "
            "E_b = q_b/(q_a+q_b) (both from the ratings before this comparison); S_a = w·1 if a wins, w·0.5 on a tie, "
            "0 if b wins (S_b likewise); R_a += k·(S_a − E_a), R_b += k·(S_b − E_b). A tie is half a win. Weights "
            "scale only the actual score, NOT the expected one: the update is k·(w·S − E), not k·w·(S − E) (same "
            "thing when every weight is 1)."
        ),
    }
    return expected


def write_case(spec):
    attempt, log_pi, comparisons = generate(spec)
    models = names(spec["n"])
    doc = {"case": spec["case"], "models": models, "comparisons": comparisons,
           "expected": compute(models, comparisons)}
    path = OUT / f"{spec['case']}.json"
    lines = ",\n    ".join(json.dumps(c, separators=(",", ":")) for c in comparisons)
    expected = json.dumps(doc["expected"], indent=2, ensure_ascii=False).replace("\n", "\n  ")
    text = (
        "{\n"
        f'  "case": {json.dumps(doc["case"])},\n'
        f'  "models": {json.dumps(models)},\n'
        f'  "comparisons": [\n    {lines}\n  ],\n'
        f'  "expected": {expected}\n'
        "}\n"
    )
    assert json.loads(text) == doc
    path.write_text(text, encoding="utf-8")
    ties = sum(c["winner"] == "tie" for c in comparisons)
    print(f"{spec['case']}: {spec['n']} models, {len(comparisons)} comparisons, {ties} ties, "
          f"draw {attempt}, {path.stat().st_size / 1024:.1f} KB, entries {sorted(doc['expected'])}")


# ----------------------------------------------------------------------------------------------------------
# Self-checks (independent of the libraries' own stopping rules).


def bt_residual(comp, theta):
    """max_i |sum_j C_ij - sum_j (C_ij + C_ji) σ(θ_i − θ_j)|."""
    diff = theta[:, None] - theta[None, :]
    sig = 1.0 / (1.0 + np.exp(-diff))
    n_ij = comp + comp.T
    np.fill_diagonal(n_ij, 0.0)
    return float(np.max(np.abs(comp.sum(axis=1) - (n_ij * sig).sum(axis=1))))


def davidson_gradient(w, t, pi, v):
    """Gradient of the Newman/Davidson log-likelihood in (log pi_i, v); zero at the MLE."""
    sq = np.sqrt(np.outer(pi, pi))
    d = pi[:, None] + pi[None, :] + 2 * v * sq
    share = (pi[:, None] + v * sq) / d  # ∂ log D_ij / ∂ log pi_i
    np.fill_diagonal(share, 0.0)
    g = w.sum(axis=1) - ((w + w.T + t) * share).sum(axis=1) + 0.5 * t.sum(axis=1)
    gv = -2 * (w * sq / d).sum() + 0.5 * (t * (1 / v - 2 * sq / d)).sum() if v > 0 else 0.0
    return float(np.max(np.abs(g))), float(abs(gv))


def elo_replay(n, comparisons):
    r = np.full(n, ELO["initial"])
    for c in comparisons:
        a, b, x = c["a"], c["b"], c["weight"]
        qa, qb = ELO["base"] ** (r[a] / ELO["scale"]), ELO["base"] ** (r[b] / ELO["scale"])
        ea, eb = qa / (qa + qb), qb / (qa + qb)
        sa = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5}[c["winner"]] * x
        sb = {"model_a": 0.0, "model_b": 1.0, "tie": 0.5}[c["winner"]] * x
        r[a] += ELO["k"] * (sa - ea)
        r[b] += ELO["k"] * (sb - eb)
    return r


def self_check(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    n = len(doc["models"])
    w, t = matrices(n, doc["comparisons"])
    comp = w + t / 2
    e = doc["expected"]
    theta = np.array(e["choix_ilsr_pairwise_dense"]["theta"])
    res = bt_residual(comp, theta)
    bt = np.log(np.array(e["evalica_bradley_terry"]["scores"]))
    bt_c = bt - bt.mean()
    out = {
        "ilsr_lik_resid": res,
        "evalica_bt_logmean": float(abs(bt.mean())),
        "bt_vs_ilsr": float(np.max(np.abs(bt_c - theta))),
        "bt_lik_resid": bt_residual(comp, bt_c),
    }
    assert res < 1e-9, (path.name, res)
    if "choix_mm_pairwise" in e:
        mm = np.array(e["choix_mm_pairwise"]["theta"])
        out["mm_vs_ilsr"] = float(np.max(np.abs(mm - theta)))
        out["mm_lik_resid"] = bt_residual(comp, mm)
    nm = np.array(e["evalica_newman"]["scores"])
    g, gv = davidson_gradient(w, t, nm, e["evalica_newman"]["v"])
    out["newman_grad"] = g
    out["newman_grad_v"] = gv
    elo = elo_replay(n, doc["comparisons"])
    out["elo_vs_replay"] = float(np.max(np.abs(elo - np.array(e["evalica_elo"]["scores"]))))
    print(path.name, " ".join(f"{k}={v:.2e}" for k, v in out.items()))
    assert out.get("mm_lik_resid", 0.0) < 1e-9
    assert out["bt_vs_ilsr"] < 1e-6 and out["elo_vs_replay"] < 1e-9 and g < 1e-8
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for spec in CASES:
        write_case(spec)
    print("self-checks (max abs):")
    worst = {}
    for spec in CASES:
        for k, v in self_check(OUT / f"{spec['case']}.json").items():
            worst[k] = max(worst.get(k, 0.0), v)
    print("worst:", " ".join(f"{k}={v:.2e}" for k, v in worst.items()))


if __name__ == "__main__":
    main()
