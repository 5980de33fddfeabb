//! Dense symmetric positive-definite algebra for the Bradley–Terry Newton steps: Cholesky
//! factorisation, solves and the inverse.
//!
//! Why it is shaped so: the systems are small (one unknown per model plus one per style key,
//! hundreds at most on real leaderboards) and always symmetric positive definite when the
//! estimate exists, so a plain row-major Cholesky is the simplest exact tool; a pivot that is
//! not clearly positive is reported (the design is singular) instead of producing garbage.
//! Cancellation is polled every [`POLL_COLUMNS`] columns, since an O(p³) loop can be the
//! longest part of a call.

use podium_plugin_api::sdk::MethodError;

/// Columns between two cancellation polls in the O(p³) loops.
pub const POLL_COLUMNS: usize = 32;

/// Factorises the symmetric matrix `a` (`n × n`, row-major; only the lower triangle `i ≥ j`
/// is read) in place into `L` with `a = L Lᵀ` (lower triangle; the strict upper triangle is
/// zeroed). `Ok(false)` when a pivot is not positive (relative to the largest diagonal entry),
/// i.e. the matrix is singular or indefinite.
pub fn cholesky(
    a: &mut [f64],
    n: usize,
    check: &mut dyn FnMut() -> Result<(), MethodError>,
) -> Result<bool, MethodError> {
    let scale = (0..n).map(|i| a[i * n + i].abs()).fold(0.0, f64::max);
    let floor = scale * 1e-13;
    for j in 0..n {
        if j % POLL_COLUMNS == 0 {
            check()?;
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
pub fn solve(l: &[f64], n: usize, b: &mut [f64]) {
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

/// The inverse (full, row-major) of the matrix whose Cholesky factor is `l`.
pub fn inverse(
    l: &[f64],
    n: usize,
    check: &mut dyn FnMut() -> Result<(), MethodError>,
) -> Result<Vec<f64>, MethodError> {
    let mut inv = vec![0.0; n * n];
    let mut column = vec![0.0; n];
    for j in 0..n {
        if j % POLL_COLUMNS == 0 {
            check()?;
        }
        column.iter_mut().for_each(|x| *x = 0.0);
        column[j] = 1.0;
        solve(l, n, &mut column);
        for i in 0..n {
            inv[i * n + j] = column[i];
        }
    }
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_and_inverts() {
        // A = [[4, 2], [2, 3]]: det 8, inverse [[3, −2], [−2, 4]] / 8.
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        assert!(cholesky(&mut a, 2, &mut || Ok(())).unwrap());
        let mut b = vec![2.0, 1.0];
        solve(&a, 2, &mut b);
        assert!((b[0] - 0.5).abs() < 1e-12 && b[1].abs() < 1e-12);
        let inv = inverse(&a, 2, &mut || Ok(())).unwrap();
        for (x, e) in inv.iter().zip([3.0 / 8.0, -0.25, -0.25, 0.5]) {
            assert!((x - e).abs() < 1e-12);
        }
        let mut singular = vec![1.0, 1.0, 1.0, 1.0];
        assert!(!cholesky(&mut singular, 2, &mut || Ok(())).unwrap());
    }
}
