"""Reference outputs for the `social-choice` plugin, from pref_voting (see README.md).

Writes plugins/social-choice/tests/reference/{linear,ties,partial,weighted}.json: deterministic random
profiles (numpy default_rng, fixed seeds) and, per method, pref_voting's winner set, a reference
ranking as tiers and, where pref_voting defines them, scores in the plugin's units; plus the margin
matrix. plugins/social-choice/tests/reference.rs feeds the ballots to the plugin (one sample per
ballot copy, value = number of tiers - tier index) and compares.

Conventions (the plugin's, see plugins/social-choice/src): margins count only pairs a ballot ranks
(pref_voting's ProfileWithTies default, strict preference; not the extended one). Where
pref_voting's convention differs from the plugin's, a method is recorded only on profiles where the
two coincide (each restriction is marked RESTRICTION below and listed in README.md).
"""

import json
import os
from importlib.metadata import version

import networkx as nx
import numpy as np
from pref_voting.c1_methods import copeland
from pref_voting.margin_based_methods import (
    beat_path,
    beat_path_defeat,
    minimax,
    minimax_scores,
    ranked_pairs,
    ranked_pairs_defeats,
    split_cycle,
)
from pref_voting.other_methods import kemeny_young
from pref_voting.profiles import Profile
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.scoring_methods import borda, borda_for_profile_with_ties

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "plugins", "social-choice", "tests", "reference")
# RESTRICTION (Kemeny): pref_voting enumerates all k! orders; only k <= this is recorded.
KEMENY_MAX = 8
KINDS = ["linear", "ties", "partial", "weighted"]
CASES = {"linear": 90, "ties": 90, "partial": 90, "weighted": 40}


def tiers_by_score(cands, score):
    """Candidates grouped by equal score, best first (a reference ranking for scored rules)."""
    values = sorted({score[c] for c in cands}, reverse=True)
    return [sorted(c for c in cands if score[c] == v) for v in values]


def repeated_removal(rule, prof, cands):
    """Tiers: the rule's winners among the remaining candidates, removed round by round."""
    left = list(cands)
    tiers = []
    while left:
        w = sorted(rule(prof, curr_cands=left))
        assert w and set(w) <= set(left)
        tiers.append(w)
        left = [c for c in left if c not in w]
    return tiers


def draw(rng, kind):
    """One profile: (k, ballots as (weight, tiers of candidate ints))."""
    if kind == "weighted":
        # Linear orders with large weights: nonzero, distinct margins are likely (Ranked Pairs).
        k, n, wmax = int(rng.integers(3, 9)), int(rng.integers(3, 16)), 200
    else:
        k = int(rng.integers(3, 13))
        n = int(rng.integers(3, 31))
        wmax = int(rng.choice([1, 4, 60]))
    ballots = []
    for _ in range(n):
        perm = [int(c) for c in rng.permutation(k)]
        if kind == "partial":
            size = int(rng.integers(1, k + 1))
            perm = perm[:size]
        if kind in ("linear", "weighted"):
            tiers = [[c] for c in perm]
        else:
            # Ties: cut the order into tiers at random points.
            tiers, cur = [], [perm[0]]
            for c in perm[1:]:
                if rng.random() < 0.35:
                    cur.append(c)
                else:
                    tiers.append(sorted(cur))
                    cur = [c]
            tiers.append(sorted(cur))
        ballots.append((int(rng.integers(1, wmax + 1)), tiers))
    present = {c for _, t in ballots for tier in t for c in tier}
    for c in range(k):
        if c not in present:  # every candidate must have data to be a plugin candidate
            ballots.append((1, [[c]]))
    return k, ballots


def pv_profile(kind, k, ballots):
    if kind in ("linear", "weighted"):
        return Profile([[t[0] for t in tiers] for _, tiers in ballots], rcounts=[w for w, _ in ballots])
    rankings = [{c: i + 1 for i, tier in enumerate(tiers) for c in tier} for _, tiers in ballots]
    prof = ProfileWithTies(rankings, rcounts=[w for w, _ in ballots], candidates=list(range(k)))
    assert not prof.using_extended_strict_preference
    return prof


def case(kind, seed):
    rng = np.random.default_rng([20261127, KINDS.index(kind), seed])
    k, ballots = draw(rng, kind)
    names_perm = rng.permutation(k)
    name = {c: f"m{int(names_perm[c]):02d}" for c in range(k)}
    prof = pv_profile(kind, k, ballots)
    cands = list(range(k))
    margins = [[int(prof.margin(a, b)) for b in cands] for a in cands]
    total = sum(w for w, _ in ballots)
    complete = all(sum(len(t) for t in tiers) == k for _, tiers in ballots)
    methods = {}

    def put(method, winners, ranking, scores=None):
        entry = {
            "winners": sorted(name[c] for c in winners),
            "ranking": [sorted(name[c] for c in tier) for tier in ranking],
        }
        if scores is not None:
            entry["scores"] = {name[c]: float(scores[c]) for c in cands}
        methods[method] = entry

    # Plurality: pref_voting's Profile.plurality_scores for linear orders; for ballots with ties
    # ProfileWithTies.tops_scores(score_type="split") (weight split equally among the top-tied
    # candidates: the plugin's convention; pref_voting's plurality() refuses ties on top).
    linear = isinstance(prof, Profile)
    if linear:
        s = prof.plurality_scores()
    else:
        # pref_voting sums count / len(top) in floating point; round to 1e-9 so that exact ties
        # (e.g. 1/2 + 1/3 + 1/6 against 1) stay ties in the winners and tiers.
        s = {c: round(v, 9) for c, v in prof.tops_scores(score_type="split").items()}
    w = [c for c in cands if s[c] == max(s.values())]
    if linear:
        from pref_voting.scoring_methods import plurality

        assert sorted(plurality(prof)) == w
    put("plurality", w, tiers_by_score(cands, s), s)

    # Borda. Linear: pref_voting's positional scores (m - 1 - position) = the plugin's.
    # Complete weak orders: pref_voting's symmetric Borda (below - above) relates to the plugin's
    # (below + 0.5 * tied) by plugin = (sym + (k - 1) * total weight) / 2, the same order.
    # RESTRICTION: truncated ballots are not recorded: every pref_voting variant for them uses
    # extended preference (ranked above unranked), the plugin counts only ranked candidates.
    if linear:
        s = prof.borda_scores()
        w = sorted(borda(prof))
        put("borda", w, tiers_by_score(cands, s), s)
    elif complete:
        sym = prof.borda_scores()
        s = {c: (sym[c] + (k - 1) * total) / 2 for c in cands}
        w = sorted(borda_for_profile_with_ties(prof))
        assert w == [c for c in cands if s[c] == max(s.values())]
        put("borda", w, tiers_by_score(cands, s), s)

    # Copeland: pref_voting's scores (1, 0, -1) = wins - losses; the plugin's with tie 0.5 is
    # (wins - losses + k - 1) / 2.
    cs = prof.copeland_scores()
    s = {c: (cs[c] + k - 1) / 2 for c in cands}
    w = sorted(copeland(prof))
    assert w == [c for c in cands if s[c] == max(s.values())]
    put("copeland", w, tiers_by_score(cands, s), s)

    # Minimax (margins): pref_voting's minimax_scores = -(largest margin of a dominator), 0 when
    # undominated: the plugin's score.
    s = minimax_scores(prof, score_method="margins")
    w = sorted(minimax(prof))
    assert w == [c for c in cands if s[c] == max(s.values())]
    put("minimax", w, tiers_by_score(cands, s), s)

    # Schulze: beat_path winners; score = the number of candidates a beats in pref_voting's
    # beat_path_defeat relation (the plugin's score). Its winners are the undefeated candidates.
    g = beat_path_defeat(prof)
    s = {c: g.out_degree(c) for c in cands}
    w = sorted(beat_path(prof))
    assert w == [c for c in cands if g.in_degree(c) == 0]
    put("schulze", w, tiers_by_score(cands, s), s)

    # Ranked Pairs. RESTRICTION: only profiles whose margins are all nonzero and whose absolute
    # margins are pairwise distinct: then there is one tie-breaking order, pref_voting's winner
    # set is a singleton and the locked graph (ranked_pairs_defeats) orders all candidates; the
    # plugin's name tie-break never applies. Ranking = the locked order (not repeated removal).
    pos = [margins[a][b] for a in cands for b in cands if margins[a][b] > 0]
    if len(pos) == k * (k - 1) // 2 and len(set(pos)) == len(pos):
        (g,) = ranked_pairs_defeats(prof)
        order = list(nx.topological_sort(g))
        assert len(order) == k and all(g.has_edge(a, b) for a, b in zip(order, order[1:]))
        w = sorted(ranked_pairs(prof))
        assert w == [order[0]]
        put("ranked_pairs", w, [[c] for c in order])

    # Split Cycle: winners, and the full ranking by repeated removal (as the plugin does).
    r = repeated_removal(split_cycle, prof, cands)
    put("split_cycle", r[0], r)

    # Kemeny-Young. RESTRICTION: k <= KEMENY_MAX and a unique Kemeny ranking (unique winner at
    # every round of repeated removal, which is equivalent); the ranking is then that order.
    if k <= KEMENY_MAX:
        r = repeated_removal(kemeny_young, prof, cands)
        if all(len(t) == 1 for t in r):
            put("kemeny", r[0], r)

    return {
        "name": f"{kind}-{seed:03d}",
        "kind": kind,
        "candidates": [name[c] for c in cands],
        "ballots": [
            {"weight": wgt, "tiers": [[name[c] for c in tier] for tier in tiers]}
            for wgt, tiers in ballots
        ],
        "margins": margins,
        "methods": methods,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    counts = {}
    for kind in KINDS:
        cases = [case(kind, seed) for seed in range(CASES[kind])]
        for c in cases:
            for m in c["methods"]:
                counts.setdefault(m, {}).setdefault(kind, 0)
                counts[m][kind] += 1
        doc = {"pref_voting": version("pref_voting"), "cases": cases}
        with open(os.path.join(OUT, f"{kind}.json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
    for m, per in counts.items():
        print(f"{m:14} {per} total {sum(per.values())}")


if __name__ == "__main__":
    main()
