"""Reference outputs for the `social-choice` plugin's `sco` and `maximal_lotteries`, from OpenSpiel.

Writes plugins/social-choice/tests/reference_openspiel/profiles.json: the spec's SCO check
{2: a>b>c, 3: c>a>b} and 40 deterministic random profiles (numpy default_rng, fixed seeds) of
complete linear orders over 3-8 candidates with an odd total number of voters (weights = repeated
ballots), so that the maximal lottery is unique (see README.md), plus 15 more such profiles without
a Condorcet winner (drawn the same way from further seeds). Per case:

- `sco`: OpenSpiel's python SoftCondorcetOptimizer (open_spiel/python/voting/
  soft_condorcet_optimization.py) with batch_size=0 (full batch: every ungrouped vote every step,
  no RNG; the gradient is divided by the number of ungrouped votes = the total weight),
  rating bounds [0, 1000], temperature 1, initial_param_noise 0, run_solver(iterations=10000,
  learning_rate=0.01) -- the plugin's defaults. `ranking` = candidates by rating descending (one
  per tier), `ratings` = OpenSpiel's float32 ratings (the test treats pairs within 1e-3 as
  unordered).
- `maximal_lotteries`: OpenSpiel's MaximalLotteriesVoting._solve_game on profile.margin_matrix()
  (the level-1 lottery that run_election builds its ranking from: lp_solver.
  solve_zero_sum_matrix_game, cvxpy + ECOS at 1e-7 tolerances). `scores` = probabilities.

plugins/social-choice/tests/reference_openspiel.rs feeds the ballots to the plugin (one sample per
ballot copy, value = number of tiers - tier index) and compares.
"""

import json
import os
from importlib.metadata import version
from multiprocessing import Pool

import numpy as np
from open_spiel.python.voting import base
from open_spiel.python.voting.maximal_lotteries import MaximalLotteriesVoting
from open_spiel.python.voting.soft_condorcet_optimization import SoftCondorcetOptimizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "plugins", "social-choice", "tests", "reference_openspiel")
CASES = 40
# Random profiles mostly have a Condorcet winner (a degenerate lottery); CYCLIC more profiles with
# none are kept from further seeds (from 1000 on) so that mixed lotteries are checked too.
CYCLIC = 15
SCO = dict(
    batch_size=0,
    rating_lower_bound=0.0,
    rating_upper_bound=1000.0,
    initial_param_noise=0.0,
    temperature=1.0,
)
RUN = dict(iterations=10000, learning_rate=0.01)


def draw(seed):
    """One profile: (names in OpenSpiel's alternative order, ballots as (weight, order))."""
    rng = np.random.default_rng([20261203, seed])
    k = int(rng.integers(3, 9))
    n = int(rng.integers(2, 8))
    ballots = [(int(rng.integers(1, 6)), [int(c) for c in rng.permutation(k)]) for _ in range(n)]
    if sum(w for w, _ in ballots) % 2 == 0:  # odd total number of voters
        i = int(rng.integers(0, n))
        ballots[i] = (ballots[i][0] + 1, ballots[i][1])
    # Names: a random permutation of m00.., so OpenSpiel's index order is not the name order.
    perm = rng.permutation(k)
    names = [f"m{int(perm[c]):02d}" for c in range(k)]
    return f"random-{seed:03d}", names, [(w, [names[c] for c in order]) for w, order in ballots]


def spec_example():
    return "spec-example", ["a", "b", "c"], [(2, ["a", "b", "c"]), (3, ["c", "a", "b"])]


def profile(names, ballots):
    return base.PreferenceProfile(
        votes=[base.WeightedVote(w, list(order)) for w, order in ballots], alternatives=list(names)
    )


def case(spec):
    name, names, ballots = spec
    assert sum(w for w, _ in ballots) % 2 == 1
    # SCO (full batch; the optimizer ungroups its own profile copy).
    opt = SoftCondorcetOptimizer(profile(names, ballots), **SCO)
    ratings, ranking = opt.run_solver(**RUN)
    assert opt.total_iterations == RUN["iterations"]
    rating = {names[i]: float(ratings[i]) for i in range(len(names))}
    # Maximal lottery: the LP OpenSpiel's MaximalLotteriesVoting solves on the margin matrix.
    prof = profile(names, ballots)
    margins = prof.margin_matrix()
    assert all(margins[a][b] != 0 for a in range(len(names)) for b in range(len(names)) if a != b)
    p = MaximalLotteriesVoting()._solve_game(margins)
    assert abs(sum(p) - 1) < 1e-6 and min(p) > -1e-6, p
    return {
        "name": name,
        "candidates": names,
        "ballots": [{"weight": w, "tiers": [[c] for c in order]} for w, order in ballots],
        "margins": [[int(x) for x in row] for row in margins],
        "methods": {
            "sco": {"ranking": [[c] for c in ranking], "ratings": rating},
            "maximal_lotteries": {"scores": {names[i]: float(p[i]) for i in range(len(names))}},
        },
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    specs = [spec_example()] + [draw(seed) for seed in range(CASES)]
    seed = 1000
    cyclic = 0
    while cyclic < CYCLIC:
        name, names, ballots = draw(seed)
        m = profile(names, ballots).margin_matrix()
        if not any(all(m[a][b] > 0 for b in range(len(names)) if b != a) for a in range(len(names))):
            specs.append((f"cyclic-{seed:04d}", names, ballots))
            cyclic += 1
        seed += 1
    with Pool(2) as pool:
        cases = pool.map(case, specs)
    spec = cases[0]["methods"]["sco"]["ranking"]
    assert spec == [["c"], ["a"], ["b"]], spec  # the spec's check
    doc = {
        "open_spiel": version("open_spiel"),
        "sco": dict(SCO, **RUN),
        "maximal_lotteries": "MaximalLotteriesVoting._solve_game(margin_matrix), ECOS",
        "cases": cases,
    }
    with open(os.path.join(OUT, "profiles.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    close = 0
    for c in cases:
        r = c["methods"]["sco"]["ratings"]
        order = [t[0] for t in c["methods"]["sco"]["ranking"]]
        close += sum(r[a] - r[b] <= 1e-3 for i, a in enumerate(order) for b in order[i + 1 :])
    print(f"{len(cases)} cases; SCO pairs within 1e-3: {close}")


if __name__ == "__main__":
    main()
