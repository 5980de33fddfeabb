//! Rank centrality (Negahban, Oh & Shah, 2012/2017): the stationary distribution of a random
//! walk that moves from a model to one that beat it, in proportion to how often it did.
//!
//! The chain's rate from i to j is the share of the pair's verdicts that j won (a tie is half
//! a win each way); with regularisation α every ordered pair first gets α pseudo-verdicts each
//! way (choix's `alpha`), which connects the chain. The score is log π of the stationary
//! distribution, centred — choix 0.4.1's `rank_centrality` output, so the reference cases
//! compare directly. The stationary distribution is solved exactly (πᵀQ = 0 with Σπ = 1, one
//! dense solve), not by power iteration, whose convergence depends on the spectral gap.

use podium_numerics::linalg::lu_solve;
use podium_plugin_api::sdk::{Host, MethodError};

use crate::fit::Component;

/// Centred log stationary probabilities of the component's chain (local order); `None` when
/// the chain has no unique stationary distribution.
pub fn rank_centrality(
    host: &Host<'_>,
    component: &Component,
    alpha: f64,
) -> Result<Option<Vec<f64>>, MethodError> {
    let m = component.members.len();
    // counts[i][j] = weight of j beating i (+ α), as choix's chain[loser, winner].
    let mut counts = vec![alpha; m * m];
    for k in 0..m {
        counts[k * m + k] = 0.0;
    }
    for p in &component.pairs {
        counts[p.j * m + p.i] += p.wins_i;
        counts[p.i * m + p.j] += p.wins_j;
    }
    // Generator Q: rate i → j = counts[i][j] / (counts[i][j] + counts[j][i]).
    let mut generator = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            if i == j {
                continue;
            }
            let forward = counts[i * m + j];
            if forward > 0.0 {
                let rate = forward / (forward + counts[j * m + i]);
                generator[i * m + j] = rate;
                generator[i * m + i] -= rate;
            }
        }
    }
    // πᵀQ = 0 ⇔ Qᵀπ = 0; one equation is redundant, replaced by Σπ = 1.
    let mut system = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            system[j * m + i] = generator[i * m + j];
        }
    }
    for i in 0..m {
        system[(m - 1) * m + i] = 1.0;
    }
    let mut rhs = vec![0.0; m];
    rhs[m - 1] = 1.0;
    let Some(pi) = lu_solve(host, system, rhs, m)? else {
        return Ok(None);
    };
    if pi.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
        return Ok(None);
    }
    let logs: Vec<f64> = pi.iter().map(|p| p.ln()).collect();
    let mean = logs.iter().sum::<f64>() / m as f64;
    Ok(Some(logs.into_iter().map(|l| l - mean).collect()))
}
