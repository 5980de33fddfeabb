//! The little dense linear algebra the fits need: the inverse of a symmetric positive-definite
//! matrix (covariances) and one linear solve with partial pivoting (stationary distributions).
//!
//! Matrices are row-major `Vec<f64>` of m × m; m is the number of fitted models, a few hundred
//! to a few thousand, where an O(m³) factorisation is milliseconds to about a second.
//! Cancellation is polled between columns so a large factorisation can be stopped.

use podium_plugin_api::sdk::{Host, MethodError};

/// Columns between polls of cancellation.
const CHECK_EVERY: usize = 32;

/// The inverse of the symmetric positive-definite `a` (m × m, row-major), by Cholesky.
/// `None` when `a` is not positive definite (to rounding).
pub fn spd_inverse(host: &Host<'_>, a: &[f64], m: usize) -> Result<Option<Vec<f64>>, MethodError> {
    // A = L Lᵀ, L lower triangular, stored in `l`.
    let mut l = vec![0.0; m * m];
    for j in 0..m {
        if j % CHECK_EVERY == 0 {
            host.check_cancelled()?;
        }
        let row_j = &l[j * m..j * m + j];
        let diagonal = a[j * m + j] - row_j.iter().map(|x| x * x).sum::<f64>();
        if !(diagonal > 0.0 && diagonal.is_finite()) {
            return Ok(None);
        }
        let d = diagonal.sqrt();
        l[j * m + j] = d;
        for i in j + 1..m {
            let dot: f64 = (0..j).map(|k| l[i * m + k] * l[j * m + k]).sum();
            l[i * m + j] = (a[i * m + j] - dot) / d;
        }
    }
    // L⁻¹ by forward substitution, column by column (lower triangular).
    let mut inv_l = vec![0.0; m * m];
    for col in 0..m {
        if col % CHECK_EVERY == 0 {
            host.check_cancelled()?;
        }
        inv_l[col * m + col] = 1.0 / l[col * m + col];
        for i in col + 1..m {
            let sum: f64 = (col..i).map(|k| l[i * m + k] * inv_l[k * m + col]).sum();
            inv_l[i * m + col] = -sum / l[i * m + i];
        }
    }
    // A⁻¹ = L⁻ᵀ L⁻¹: entry (i, j) = Σ_k≥max(i,j) L⁻¹[k][i] L⁻¹[k][j].
    let mut inverse = vec![0.0; m * m];
    for i in 0..m {
        if i % CHECK_EVERY == 0 {
            host.check_cancelled()?;
        }
        for j in 0..=i {
            let value: f64 = (i..m).map(|k| inv_l[k * m + i] * inv_l[k * m + j]).sum();
            inverse[i * m + j] = value;
            inverse[j * m + i] = value;
        }
    }
    Ok(Some(inverse))
}

/// Solves `a x = b` (m × m, row-major) by Gaussian elimination with partial pivoting;
/// `None` when `a` is singular (to rounding).
pub fn solve(
    host: &Host<'_>,
    mut a: Vec<f64>,
    mut b: Vec<f64>,
    m: usize,
) -> Result<Option<Vec<f64>>, MethodError> {
    for col in 0..m {
        if col % CHECK_EVERY == 0 {
            host.check_cancelled()?;
        }
        let pivot = (col..m)
            .max_by(|&x, &y| a[x * m + col].abs().total_cmp(&a[y * m + col].abs()))
            .unwrap_or(col);
        if a[pivot * m + col].abs() < 1e-300 {
            return Ok(None);
        }
        if pivot != col {
            for k in 0..m {
                a.swap(col * m + k, pivot * m + k);
            }
            b.swap(col, pivot);
        }
        let d = a[col * m + col];
        for row in col + 1..m {
            let factor = a[row * m + col] / d;
            if factor == 0.0 {
                continue;
            }
            for k in col..m {
                a[row * m + k] -= factor * a[col * m + k];
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; m];
    for row in (0..m).rev() {
        let sum: f64 = (row + 1..m).map(|k| a[row * m + k] * x[k]).sum();
        x[row] = (b[row] - sum) / a[row * m + row];
    }
    Ok(Some(x))
}

/// `a · b · a` for symmetric m × m matrices (the sandwich).
pub fn sandwich(a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
    let product = multiply(a, b, m);
    multiply(&product, a, m)
}

fn multiply(x: &[f64], y: &[f64], m: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * m];
    for i in 0..m {
        for k in 0..m {
            let factor = x[i * m + k];
            if factor == 0.0 {
                continue;
            }
            let (row, y_row) = (&mut out[i * m..(i + 1) * m], &y[k * m..(k + 1) * m]);
            for (o, v) in row.iter_mut().zip(y_row) {
                *o += factor * v;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_of_a_known_matrix() {
        let a = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let inv = spd_inverse(&Host::detached(), &a, 3).unwrap().unwrap();
        let identity = multiply(&a, &inv, 3);
        for i in 0..3 {
            for j in 0..3 {
                let expected = if i == j { 1.0 } else { 0.0 };
                assert!(
                    (identity[i * 3 + j] - expected).abs() < 1e-12,
                    "{identity:?}"
                );
            }
        }
        assert!(
            spd_inverse(&Host::detached(), &[1.0, 2.0, 2.0, 1.0], 2)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn solve_with_pivoting() {
        let a = vec![0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0];
        let x = solve(&Host::detached(), a, vec![7.0, 3.0, 6.0], 3)
            .unwrap()
            .unwrap();
        for (got, want) in x.iter().zip([1.0, 2.0, 3.0]) {
            assert!((got - want).abs() < 1e-12, "{x:?}");
        }
        assert!(
            solve(
                &Host::detached(),
                vec![1.0, 2.0, 2.0, 4.0],
                vec![1.0, 1.0],
                2
            )
            .unwrap()
            .is_none()
        );
    }
}
