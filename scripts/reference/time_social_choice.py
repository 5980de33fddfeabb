#!/usr/bin/env python3
"""Times pref_voting's Schulze, Copeland and Ranked Pairs (plus the margin matrix) on random
linear profiles of growing size, for the social-choice benchmark.

Usage: python time_social_choice.py CANDIDATES VOTERS SEED OUT.json
Writes the profile (so the Rust side ranks the very same ballots) and prints
{"seconds": total, "margins": s, "schulze": s, "copeland": s, "ranked_pairs": s}.
Run it in the venv of scripts/reference/README.md (pref_voting).
"""

import json
import sys
import time

import numpy as np
from pref_voting.profiles import Profile
from pref_voting.c1_methods import copeland
from pref_voting.margin_based_methods import beat_path, ranked_pairs


def main() -> None:
    n, voters, seed, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=n)
    rankings = [list(np.argsort(-(ability + rng.normal(scale=1.5, size=n)))) for _ in range(voters)]
    json.dump({"candidates": n, "rankings": [[int(c) for c in r] for r in rankings]}, open(out, "w"))
    times = {}
    started = time.perf_counter()
    profile = Profile(rankings)
    margins = [[profile.margin(a, b) for b in range(n)] for a in range(n)]
    times["margins"] = time.perf_counter() - started
    for name, rule in [("schulze", lambda p: beat_path(p, algorithm="floyd_warshall")), ("copeland", copeland), ("ranked_pairs", ranked_pairs)]:
        started = time.perf_counter()
        rule(profile)
        times[name] = time.perf_counter() - started
    times["seconds"] = sum(times.values())
    print(json.dumps(times))
    assert margins


if __name__ == "__main__":
    main()
