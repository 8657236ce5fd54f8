//! The cross-entropy method: a diagonal Gaussian over the constants, refitted each round to
//! the best-scoring candidates. Small, derivative-free and robust to noisy returns, which is
//! what tuning a handful of policy constants from rollouts needs.

use rand_chacha::ChaCha12Rng;
use rand_core::{RngCore, SeedableRng};

/// The search distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct Cem {
    mean: Vec<f64>,
    std: Vec<f64>,
}

/// Fraction of a round's candidates the distribution is refitted to.
const ELITE_FRACTION: f64 = 0.25;
/// Extra spread added after each refit, decaying, so the search does not collapse early.
const EXTRA_STD_FRACTION: f64 = 0.05;
/// Weight of the elites' spread in the new spread (the rest keeps the old one): the
/// distribution narrows at most by half a round, so the mean can still travel far.
const STD_SMOOTHING: f64 = 0.5;

impl Cem {
    /// Starts at `initial`, with a spread of half each value's magnitude (at least 1).
    pub fn new(initial: &[f64]) -> Cem {
        Cem {
            mean: initial.to_vec(),
            std: initial.iter().map(|v| (v.abs() * 0.5).max(1.0)).collect(),
        }
    }

    /// The current mean: the best guess so far.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// `count` candidates for round `round`, reproducible from `seed`.
    pub fn sample(&self, seed: u64, round: u32, count: usize) -> Vec<Vec<f64>> {
        let mut rng = ChaCha12Rng::seed_from_u64(seed ^ (u64::from(round) << 32) ^ 0x5eed_cafe);
        (0..count)
            .map(|_| {
                self.mean
                    .iter()
                    .zip(&self.std)
                    .map(|(m, s)| m + s * standard_normal(&mut rng))
                    .collect()
            })
            .collect()
    }

    /// Refits to the best-scoring candidates; candidates with no score (crashed) never count.
    pub fn update(&mut self, round: u32, scored: &[(Vec<f64>, Option<f64>)]) {
        let mut ranked: Vec<(&Vec<f64>, f64)> = scored
            .iter()
            .filter_map(|(params, score)| score.map(|s| (params, s)))
            .filter(|(params, s)| s.is_finite() && params.len() == self.mean.len())
            .collect();
        if ranked.is_empty() || self.mean.is_empty() {
            return;
        }
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let elites =
            ((scored.len() as f64 * ELITE_FRACTION).ceil() as usize).clamp(1, ranked.len());
        let elite = &ranked[..elites];
        let extra = EXTRA_STD_FRACTION / f64::from(round.max(1));
        for i in 0..self.mean.len() {
            let mean = elite.iter().map(|(p, _)| p[i]).sum::<f64>() / elites as f64;
            let variance = elite
                .iter()
                .map(|(p, _)| (p[i] - mean).powi(2))
                .sum::<f64>()
                / elites as f64;
            self.std[i] = STD_SMOOTHING * variance.sqrt()
                + (1.0 - STD_SMOOTHING) * self.std[i]
                + extra * mean.abs().max(1.0);
            self.mean[i] = mean;
        }
    }
}

/// One standard normal draw (Box-Muller).
fn standard_normal(rng: &mut ChaCha12Rng) -> f64 {
    let uniform = |rng: &mut ChaCha12Rng| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let u1 = 1.0 - uniform(rng); // (0, 1]: ln stays finite
    let u2 = uniform(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_peak_of_a_quadratic() {
        let target = [3.0, -2.0, 0.5];
        let mut cem = Cem::new(&[0.0, 0.0, 0.0]);
        for round in 1..=40 {
            let candidates = cem.sample(9, round, 32);
            let scored: Vec<_> = candidates
                .into_iter()
                .map(|p| {
                    let score = -p
                        .iter()
                        .zip(&target)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>();
                    (p, Some(score))
                })
                .collect();
            cem.update(round, &scored);
        }
        for (m, t) in cem.mean().iter().zip(&target) {
            assert!((m - t).abs() < 0.1, "{:?}", cem.mean());
        }
    }

    #[test]
    fn sampling_is_reproducible_and_crashes_never_become_elites() {
        let cem = Cem::new(&[1.0, 2.0]);
        assert_eq!(cem.sample(1, 3, 4), cem.sample(1, 3, 4));
        assert_ne!(cem.sample(1, 3, 4), cem.sample(1, 4, 4));
        let mut refit = cem.clone();
        refit.update(
            1,
            &[(vec![100.0, 100.0], None), (vec![1.5, 2.5], Some(1.0))],
        );
        assert_eq!(refit.mean(), &[1.5, 2.5]);
    }
}
