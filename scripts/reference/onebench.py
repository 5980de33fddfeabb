#!/usr/bin/env python3
"""Reference outputs for the `onebench` plugin, computed with choix 0.4.1.

Writes plugins/onebench/tests/reference/<case>.json. Each file holds one deterministic case:

- ``models``: model names (sorted, so their order is the host's order);
- ``input``: what the Rust test feeds to the plugin, one of
  - ``{"kind": "matrix", "W": [[...]]}``: fed as weighted verdicts (model_a wins, weight W[i][j]);
  - ``{"kind": "comparisons", "comparisons": [[a, b, "a" | "b" | "tie"], ...]}``: unit verdicts;
  - ``{"kind": "measurements", "samples": S, "values": [[model, sample, value], ...]}``;
- ``params``: the plugin's parameters (``ties``, ``alpha``, ``max_iter``, ``tol``);
- ``W``: the win matrix built here, independently of the plugin, from ``input`` and ``params``;
- ``theta``: ``choix.ilsr_pairwise_dense(W, alpha, max_iter=max_iter, tol=tol)``, centred;
- ``iterations``: how many LSR steps choix took.

Run from anywhere:
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install -r scripts/reference/requirements.txt
    /tmp/ref/bin/python scripts/reference/onebench.py
"""

import json
from pathlib import Path

import choix
import choix.lsr
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "plugins" / "onebench" / "tests" / "reference"

DEFAULTS = {"alpha": 0.0, "max_iter": 100, "tol": 1e-8}


def names(n):
    width = len(str(n - 1))
    return [f"m{i:0{width}d}" for i in range(n)]


def strongly_connected_sparse(rng, n, p, low, high, integer=True):
    """Random sparse W: each ordered pair with probability p, plus a random Hamiltonian cycle
    (so the graph is strongly connected). Counts in [low, high]."""
    w = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j and rng.random() < p:
                w[i, j] = rng.integers(low, high + 1) if integer else rng.uniform(low, high)
    cycle = rng.permutation(n)
    for a, b in zip(cycle, np.roll(cycle, -1)):
        if w[a, b] == 0:
            w[a, b] = rng.integers(low, high + 1) if integer else rng.uniform(low, high)
    return w


def w_from_comparisons(n, comparisons, ties):
    w = np.zeros((n, n))
    tie = {"both_ways": 1.0, "half": 0.5, "ignore": 0.0}[ties]
    for a, b, outcome in comparisons:
        if outcome == "a":
            w[a, b] += 1
        elif outcome == "b":
            w[b, a] += 1
        else:
            w[a, b] += tie
            w[b, a] += tie
    return w


def w_from_measurements(n, samples, values, ties):
    """The ONEBench procedure: per sample, every pair of models with a value is one comparison."""
    tie = {"both_ways": 1.0, "half": 0.5, "ignore": 0.0}[ties]
    by_sample = [dict() for _ in range(samples)]
    for model, sample, value in values:
        by_sample[sample][model] = value
    w = np.zeros((n, n))
    for present in by_sample:
        models = sorted(present)
        for x in range(len(models)):
            for y in range(x + 1, len(models)):
                a, b = models[x], models[y]
                if present[a] > present[b]:
                    w[a, b] += 1
                elif present[a] < present[b]:
                    w[b, a] += 1
                else:
                    w[a, b] += tie
                    w[b, a] += tie
    return w


def fit(w, params):
    """choix's centred estimate and the number of LSR steps it took (counted by wrapping the
    module-level `lsr_pairwise_dense` that `ilsr_pairwise_dense` calls once per step)."""
    p = {**DEFAULTS, **params}
    steps = 0
    original = choix.lsr.lsr_pairwise_dense

    def counted(*args, **kwargs):
        nonlocal steps
        steps += 1
        return original(*args, **kwargs)

    choix.lsr.lsr_pairwise_dense = counted
    try:
        theta = choix.ilsr_pairwise_dense(
            w, alpha=p["alpha"], max_iter=p["max_iter"], tol=p["tol"]
        )
    finally:
        choix.lsr.lsr_pairwise_dense = original
    return (theta - theta.mean()).tolist(), steps


def case(name, description, models, inp, params, w):
    theta, iterations = fit(w, params)
    return {
        "name": name,
        "description": description,
        "models": models,
        "input": inp,
        "params": params,
        "W": w.tolist(),
        "theta": theta,
        "iterations": iterations,
    }


def cases():
    out = []

    # 4 models, by hand: a cycle of strengths with unequal counts.
    w = np.array(
        [[0, 3, 1, 4], [1, 0, 2, 2], [2, 1, 0, 5], [1, 2, 1, 0]], dtype=float
    )
    out.append(case("dense4", "4 models, every pair compared, integer counts",
                    names(4), {"kind": "matrix", "W": w.tolist()}, {}, w))

    rng = np.random.default_rng(20240610)
    w = strongly_connected_sparse(rng, 10, 0.3, 1, 6)
    out.append(case("sparse10", "10 models, ~30% of ordered pairs plus a cycle, integer counts",
                    names(10), {"kind": "matrix", "W": w.tolist()}, {}, w))

    w = strongly_connected_sparse(rng, 30, 0.12, 1, 5)
    out.append(case("sparse30", "30 models, ~12% of ordered pairs plus a cycle, integer counts",
                    names(30), {"kind": "matrix", "W": w.tolist()}, {}, w))

    w = strongly_connected_sparse(rng, 10, 0.4, 0.1, 3.0, integer=False)
    params = {"max_iter": 500, "tol": 1e-10}
    out.append(case("weighted10", "10 models, real-valued weights, tighter tolerance",
                    names(10), {"kind": "matrix", "W": w.tolist()}, params, w))

    # A chain (not strongly connected) regularised with alpha.
    w = np.zeros((6, 6))
    for i in range(5):
        w[i, i + 1] = 2 + i
    out.append(case("chain6_alpha", "6 models in a chain (no MLE), regularised with alpha 0.5",
                    names(6), {"kind": "matrix", "W": w.tolist()}, {"alpha": 0.5}, w))

    # Verdicts with ties: both conventions.
    strengths = rng.normal(0, 1, 8)
    comparisons = []
    for _ in range(150):
        a, b = rng.choice(8, 2, replace=False)
        d = strengths[a] - strengths[b]
        u = rng.random()
        if u < 0.2:
            outcome = "tie"
        elif u < 0.2 + 0.8 / (1 + np.exp(-d)):
            outcome = "a"
        else:
            outcome = "b"
        comparisons.append([int(a), int(b), outcome])
    inp = {"kind": "comparisons", "comparisons": comparisons}
    for ties in ("both_ways", "half"):
        w = w_from_comparisons(8, comparisons, ties)
        out.append(case(f"verdicts8_ties_{ties}", f"8 models, 150 verdicts, 20% ties, ties {ties}",
                        names(8), inp, {"ties": ties}, w))

    # Measurements: numeric and binary samples, 30% of cells missing.
    n, samples = 12, 40
    means = rng.uniform(0, 1, n)
    values = []
    for s in range(samples):
        raw = means + rng.normal(0, 0.3, n)
        if s % 2 == 0:
            raw = (raw > np.median(raw)).astype(float)
        else:
            raw = np.round(raw, 1)  # numeric, with some exact ties
        for m in range(n):
            if rng.random() >= 0.3:
                values.append([m, s, float(raw[m])])
    inp = {"kind": "measurements", "samples": samples, "values": values}
    for ties in ("both_ways", "half"):
        w = w_from_measurements(n, samples, values, ties)
        out.append(case(f"measurements12_ties_{ties}",
                        f"12 models x 40 samples (half binary), 30% missing, ties {ties}",
                        names(n), inp, {"ties": ties}, w))
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for c in cases():
        path = OUT / f"{c['name']}.json"
        path.write_text(json.dumps(c, indent=1) + "\n")
        print(
            f"{path.relative_to(ROOT)}: {len(c['models'])} models, "
            f"{c['iterations']} steps, theta[0] = {c['theta'][0]:.9f}"
        )


if __name__ == "__main__":
    main()
