#!/usr/bin/env python3
"""Times OpenSpiel's single-population α-Rank on one payoff matrix, for the game-theory benchmark.

Usage: python time_alpharank.py PAYOFF_FILE [--alpha 100] [--m 50]

PAYOFF_FILE is a whitespace-separated n×n matrix, one row per line (the layout of OpenSpiel's
soccer.txt): M[i][j] = P(strategy i beats j). Loading it is not timed. The timing is one call of
``open_spiel.python.egt.alpharank.compute([M], m=m, alpha=alpha)`` (local selection model, the
default) measured with time.perf_counter: OpenSpiel builds the n×n transition matrix in a Python
double loop and takes π from scipy.linalg.eig's left eigenvectors.

Prints one line of JSON to stdout and nothing else:
    {"seconds": float, "n": int, "pi": [...], "open_spiel": "2.0.2"}
or, when OpenSpiel raises a ValueError (e.g. "array must not contain infs or NaNs" once
α·|M[r][s] − M[s][r]| > ~709), {"error": "...", "n": int, "seconds": float, "open_spiel": ...} with
exit code 0. Warnings (OpenSpiel's overflow in exp) go to stderr.

Run (Python 3.11; the venv of game_theory.py, see requirements.txt):
    /tmp/refgt/bin/python scripts/reference/time_alpharank.py payoff.txt --alpha 100 --m 50
"""

import argparse
import json
import sys
import time
from importlib.metadata import version

import numpy as np

from open_spiel.python.egt import alpharank


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("payoff_file")
    parser.add_argument("--alpha", type=float, default=100.0)
    parser.add_argument("--m", type=int, default=50)
    args = parser.parse_args()

    payoff = np.loadtxt(args.payoff_file, dtype=float, ndmin=2)
    if payoff.shape[0] != payoff.shape[1]:
        raise SystemExit(f"{args.payoff_file}: expected a square matrix, got {payoff.shape}")
    n = payoff.shape[0]
    out = {"n": n, "open_spiel": version("open_spiel")}

    started = time.perf_counter()
    try:
        _, _, pi, _, _ = alpharank.compute([payoff], m=args.m, alpha=args.alpha)
    except ValueError as err:
        out.update({"error": str(err), "seconds": time.perf_counter() - started})
    else:
        out = {"seconds": time.perf_counter() - started, "n": n, "pi": [float(x) for x in pi],
               "open_spiel": out["open_spiel"]}
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
