#!/usr/bin/env python3
"""Times evalica's Bradley–Terry and choix's ILSR on one set of comparisons, for the pairwise benchmark.

Usage: python time_pairwise.py comparisons.csv [--repeat 3]
                                [--evalica-tol 1e-6] [--evalica-limit 100] [--choix-tol 1e-8] [--choix-max-iter 100]

The CSV has the header ``a,b,winner``: a, b are model indices 0..n-1 (n = max index + 1), winner is
``model_a``, ``model_b`` or ``tie``; every weight is 1. Reading the CSV is not timed. Each timing is
the median of --repeat runs, end to end from the Python lists a, b, winner (list[int], list[int],
list[str]) already in memory:

- evalica_bt_s: mapping winner strings to evalica.Winner + evalica.bradley_terry(a, b, winners,
  index=pd.Index(range(n)), tolerance, limit) (Rust solver; a tie is half a win each way, evalica's
  default tie_weight=0.5);
- choix_ilsr_dense_s: building the dense n×n matrix with numpy (C[i][j] = wins of i over j, a tie adds
  1/2 to C[i][j] and C[j][i]) + choix.ilsr_pairwise_dense(C, alpha=0, max_iter, tol).

Defaults are the libraries' own (evalica: tolerance 1e-6, limit 100; choix: tol 1e-8, max_iter 100).
Prints one line of JSON: versions, sizes, both timings, evalica's scores as log, centred, and choix's θ.
"""

import argparse
import csv
import json
import statistics
import time
from importlib.metadata import version

import choix
import evalica
import numpy as np
import pandas as pd

WINNER = {"model_a": evalica.Winner.X, "model_b": evalica.Winner.Y, "tie": evalica.Winner.Draw}


def run_evalica(a, b, winner, n, tol, limit):
    winners = [WINNER[w] for w in winner]
    result = evalica.bradley_terry(a, b, winners, index=pd.Index(range(n)), tolerance=tol, limit=limit)
    return result.scores.reindex(range(n)).to_numpy()


def run_choix(a, b, winner, n, tol, max_iter):
    ai = np.asarray(a, dtype=np.int64)
    bi = np.asarray(b, dtype=np.int64)
    w = np.asarray(winner)
    a_won = w == "model_a"
    b_won = w == "model_b"
    tie = w == "tie"
    comp = np.bincount(ai[a_won] * n + bi[a_won], minlength=n * n).astype(float)
    comp += np.bincount(bi[b_won] * n + ai[b_won], minlength=n * n)
    comp += 0.5 * np.bincount(ai[tie] * n + bi[tie], minlength=n * n)
    comp += 0.5 * np.bincount(bi[tie] * n + ai[tie], minlength=n * n)
    return choix.ilsr_pairwise_dense(comp.reshape(n, n), alpha=0.0, max_iter=max_iter, tol=tol)


def timed(fn, repeat):
    runs, out = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--evalica-tol", type=float, default=1e-6)
    parser.add_argument("--evalica-limit", type=int, default=100)
    parser.add_argument("--choix-tol", type=float, default=1e-8)
    parser.add_argument("--choix-max-iter", type=int, default=100)
    args = parser.parse_args()

    a, b, winner = [], [], []
    with open(args.csv, newline="") as f:
        for row in csv.DictReader(f):
            a.append(int(row["a"]))
            b.append(int(row["b"]))
            if row["winner"] not in WINNER:
                raise ValueError(f"unknown winner {row['winner']!r}")
            winner.append(row["winner"])
    n = max(max(a), max(b)) + 1

    evalica_s, scores = timed(lambda: run_evalica(a, b, winner, n, args.evalica_tol, args.evalica_limit), args.repeat)
    choix_s, theta = timed(lambda: run_choix(a, b, winner, n, args.choix_tol, args.choix_max_iter), args.repeat)
    log_scores = np.log(scores)
    print(json.dumps({
        "evalica_version": evalica.__version__,
        "choix_version": version("choix"),
        "n_models": n,
        "n_comparisons": len(a),
        "evalica_bt_s": evalica_s,
        "choix_ilsr_dense_s": choix_s,
        "evalica_bt_log_centred": (log_scores - log_scores.mean()).tolist(),
        "choix_theta": (theta - theta.mean()).tolist(),
    }))


if __name__ == "__main__":
    main()
