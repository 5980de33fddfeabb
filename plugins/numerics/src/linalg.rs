//! The little dense linear algebra the fits need: Cholesky factorisation, solve and inverse of
//! a symmetric positive-definite matrix (Newton steps, covariances), one linear solve with
//! partial pivoting (stationary distributions, whose systems are not symmetric), and the
//! sandwich product `A B A` of robust covariances.
//!
//! Why it is shaped so: matrices are row-major `Vec<f64>` of m × m with m the number of fitted
//! parameters, a few hundred to a few thousand, where an O(m³) factorisation is milliseconds to
//! about a second — small enough for plain loops, no BLAS. Information matrices are symmetric
//! positive definite whenever the estimate exists, so Cholesky is the simplest exact tool, and
//! a pivot that is not positive (or not clearly positive, relative to the diagonal, when the
//! caller asks) is reported as singular instead of producing garbage. An O(m³) loop can be the
//! longest part of a call, so cancellation is polled every [`POLL_COLUMNS`] columns.

use podium_plugin_api::sdk::{Host, MethodError};

/// Columns between two cancellation polls in the O(m³) loops.
pub const POLL_COLUMNS: usize = 32;

/// Factorises the symmetric matrix `a` (`n × n`, row-major; only the lower triangle `i ≥ j`
/// is read) in place into `L` with `a = L Lᵀ` (lower triangle; the strict upper triangle is
/// zeroed). `Ok(false)` when a pivot is not finite or not above `relative_floor` times the
/// largest diagonal entry (0 accepts any positive pivot), i.e. the matrix is singular or
/// indefinite to that tolerance.
pub fn cholesky(
    host: &Host<'_>,
    a: &mut [f64],
    n: usize,
    relative_floor: f64,
) -> Result<bool, MethodError> {
    let scale = (0..n).map(|i| a[i * n + i].abs()).fold(0.0, f64::max);
    let floor = scale * relative_floor;
    for j in 0..n {
        if j % POLL_COLUMNS == 0 {
            host.check_cancelled()?;
        }
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        // NaN fails the first test too.
        if d.is_nan() || d <= floor || !d.is_finite() {
            return Ok(false);
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            let (ri, rj) = (i * n, j * n);
            for k in 0..j {
                s -= a[ri + k] * a[rj + k];
            }
            a[ri + j] = s / d;
        }
        for i in 0..j {
            a[i * n + j] = 0.0;
        }
    }
    Ok(true)
}

/// Solves `L Lᵀ x = b` in place, `l` from [`cholesky`].
pub fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// The inverse (full, row-major, exactly symmetric) of the matrix whose Cholesky factor is
/// `l` (from [`cholesky`]): `L⁻¹` by forward substitution, then `L⁻ᵀ L⁻¹`, about a third of
/// the work of solving for each column.
pub fn cholesky_inverse(host: &Host<'_>, l: &[f64], m: usize) -> Result<Vec<f64>, MethodError> {
    // L⁻¹ by forward substitution, column by column (lower triangular).
    let mut inv_l = vec![0.0; m * m];
    for col in 0..m {
        if col % POLL_COLUMNS == 0 {
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
        if i % POLL_COLUMNS == 0 {
            host.check_cancelled()?;
        }
        for j in 0..=i {
            let value: f64 = (i..m).map(|k| inv_l[k * m + i] * inv_l[k * m + j]).sum();
            inverse[i * m + j] = value;
            inverse[j * m + i] = value;
        }
    }
    Ok(inverse)
}

/// The inverse of the symmetric positive-definite `a` (m × m, row-major), by Cholesky.
/// `None` when `a` is not positive definite (to rounding: any positive pivot is accepted).
pub fn spd_inverse(host: &Host<'_>, a: &[f64], m: usize) -> Result<Option<Vec<f64>>, MethodError> {
    let mut l = a.to_vec();
    if !cholesky(host, &mut l, m, 0.0)? {
        return Ok(None);
    }
    cholesky_inverse(host, &l, m).map(Some)
}

/// Solves `a x = b` (m × m, row-major) by Gaussian elimination with partial pivoting;
/// `None` when `a` is singular (to rounding).
pub fn lu_solve(
    host: &Host<'_>,
    mut a: Vec<f64>,
    mut b: Vec<f64>,
    m: usize,
) -> Result<Option<Vec<f64>>, MethodError> {
    for col in 0..m {
        if col % POLL_COLUMNS == 0 {
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
        let x = lu_solve(&Host::detached(), a, vec![7.0, 3.0, 6.0], 3)
            .unwrap()
            .unwrap();
        for (got, want) in x.iter().zip([1.0, 2.0, 3.0]) {
            assert!((got - want).abs() < 1e-12, "{x:?}");
        }
        assert!(
            lu_solve(
                &Host::detached(),
                vec![1.0, 2.0, 2.0, 4.0],
                vec![1.0, 1.0],
                2
            )
            .unwrap()
            .is_none()
        );
    }

    #[test]
    fn solves_and_inverts() {
        // A = [[4, 2], [2, 3]]: det 8, inverse [[3, −2], [−2, 4]] / 8.
        let host = Host::detached();
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        assert!(cholesky(&host, &mut a, 2, 1e-13).unwrap());
        let mut b = vec![2.0, 1.0];
        cholesky_solve(&a, 2, &mut b);
        assert!((b[0] - 0.5).abs() < 1e-12 && b[1].abs() < 1e-12);
        let inv = cholesky_inverse(&host, &a, 2).unwrap();
        for (x, e) in inv.iter().zip([3.0 / 8.0, -0.25, -0.25, 0.5]) {
            assert!((x - e).abs() < 1e-12);
        }
        let mut singular = vec![1.0, 1.0, 1.0, 1.0];
        assert!(!cholesky(&host, &mut singular, 2, 1e-13).unwrap());
    }

    #[test]
    fn the_relative_floor_rejects_nearly_singular_pivots() {
        let host = Host::detached();
        // The second pivot is 1e-15: positive, but not relative to a diagonal of 1.
        let nearly = [1.0, 1.0, 1.0, 1.0 + 1e-15];
        assert!(!cholesky(&host, &mut nearly.to_vec(), 2, 1e-13).unwrap());
        assert!(cholesky(&host, &mut nearly.to_vec(), 2, 0.0).unwrap());
    }
}
