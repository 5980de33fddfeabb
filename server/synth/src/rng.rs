//! SplitMix64: a tiny, fast, well-mixed 64-bit generator (Steele, Lea and Flood, 2014; the
//! seeding generator of xoshiro). Not cryptographic; ample for simulations.

/// A SplitMix64 pseudo-random generator. The same seed gives the same sequence everywhere.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
    /// The second Box–Muller output, kept for the next [`SplitMix64::next_normal`].
    spare_normal: Option<f64>,
}

/// SplitMix64's output function: a bijection of 64-bit words with full avalanche.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    /// Stream `stream` of `seed`: independent-looking sequences for parallel or per-part use.
    /// The start goes through the mixer, because SplitMix64 walks the Weyl sequence
    /// `state + k·γ`: starting states that differ by multiples of γ (`seed ^ stream·γ`, say)
    /// would be shifted copies of one sequence.
    pub fn stream(seed: u64, stream: u64) -> SplitMix64 {
        SplitMix64::new(mix64(
            seed.wrapping_add(mix64(stream.wrapping_add(GOLDEN_GAMMA))),
        ))
    }

    /// A generator started from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 {
            state: seed,
            spare_normal: None,
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// A uniform number in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform number in `[low, high)`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next_f64()
    }

    /// A uniform integer in `0..bound` (`bound > 0`), without modulo bias (Lemire's method).
    ///
    /// # Panics
    /// When `bound` is 0.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "below(0)");
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(bound);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// A standard normal number (Box–Muller; the two outputs of one transform are used in
    /// turn).
    pub fn next_normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        // 1 − U lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        let radius = (-2.0 * u1.ln()).sqrt();
        let angle = std::f64::consts::TAU * u2;
        self.spare_normal = Some(radius * angle.sin());
        radius * angle.cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_not_shifted_copies_of_each_other() {
        let mut zero = SplitMix64::stream(0, 0);
        zero.next_u64();
        let ahead: Vec<u64> = (0..8).map(|_| zero.next_u64()).collect();
        let mut one = SplitMix64::stream(0, 1);
        let one: Vec<u64> = (0..8).map(|_| one.next_u64()).collect();
        assert!(ahead.iter().all(|v| !one.contains(v)));
        let mut again = SplitMix64::stream(0, 1);
        assert_eq!(again.next_u64(), one[0]);
    }

    #[test]
    fn known_first_outputs() {
        // The reference implementation's outputs for seed 1234567 (Vigna's splitmix64.c).
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
        assert_eq!(rng.next_u64(), 3203168211198807973);
        assert_eq!(rng.next_u64(), 9817491932198370423);
    }

    #[test]
    fn uniforms_and_normals_have_the_right_moments() {
        let mut rng = SplitMix64::new(7);
        let n = 200_000;
        let (mut sum, mut sum_sq, mut low, mut high) = (0.0, 0.0, 1.0_f64, 0.0_f64);
        for _ in 0..n {
            let u = rng.next_f64();
            low = low.min(u);
            high = high.max(u);
            sum += u;
        }
        assert!(low >= 0.0 && high < 1.0);
        assert!((sum / n as f64 - 0.5).abs() < 0.005);
        sum = 0.0;
        for _ in 0..n {
            let z = rng.next_normal();
            sum += z;
            sum_sq += z * z;
        }
        let mean = sum / n as f64;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((sum_sq / n as f64 - 1.0).abs() < 0.02);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[rng.below(3) as usize] += 1;
        }
        assert!(
            counts.iter().all(|c| (9_500..10_500).contains(c)),
            "{counts:?}"
        );
    }
}
