#!/usr/bin/env python3
"""Times choix 0.4.1's ilsr_pairwise_dense on a win matrix, for the onebench benchmark.

Usage: python time_ilsr.py W.json  (W.json: {"W": [[...]], "alpha": 0, "max_iter": 100, "tol": 1e-8})
Prints one JSON object: {"seconds": <median of 3 runs>, "theta": [centred θ]}.
"""

import json
import sys
import time

import choix
import numpy as np


def main() -> None:
    spec = json.load(open(sys.argv[1]))
    w = np.array(spec["W"], dtype=float)
    runs = []
    theta = None
    for _ in range(3):
        started = time.perf_counter()
        theta = choix.ilsr_pairwise_dense(
            w, alpha=spec.get("alpha", 0.0), max_iter=spec.get("max_iter", 100), tol=spec.get("tol", 1e-8)
        )
        runs.append(time.perf_counter() - started)
    theta = theta - theta.mean()
    print(json.dumps({"seconds": sorted(runs)[1], "theta": theta.tolist()}))


if __name__ == "__main__":
    main()
