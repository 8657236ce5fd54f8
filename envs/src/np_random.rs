//! numpy's default generator, bit for bit: `Generator(PCG64(SeedSequence(seed)))`, which is
//! what Gymnasium's `np_random` is. Reproducing it is what lets `reset(seed)` give exactly
//! Gymnasium's initial state and stochastic transitions draw the same numbers.

const INIT_A: u32 = 0x43b0_d7e5;
const MULT_A: u32 = 0x931e_8875;
const INIT_B: u32 = 0x8b51_f9dd;
const MULT_B: u32 = 0x58f3_8ded;
const MIX_MULT_L: u32 = 0xca01_f9dd;
const MIX_MULT_R: u32 = 0x4973_f715;
const XSHIFT: u32 = 16;
const POOL_SIZE: usize = 4;
const PCG_MULTIPLIER: u128 = 0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645;

/// numpy's `SeedSequence` for a non-negative integer entropy and no spawn key.
#[derive(Clone, Debug)]
pub struct SeedSequence {
    pool: [u32; POOL_SIZE],
}

impl SeedSequence {
    /// `SeedSequence(entropy)`.
    pub fn new(entropy: u128) -> SeedSequence {
        // The integer as little-endian 32-bit words; zero is one word.
        let mut words = Vec::new();
        let mut rest = entropy;
        loop {
            words.push(rest as u32);
            rest >>= 32;
            if rest == 0 {
                break;
            }
        }
        let mut hash_const = INIT_A;
        let mut hashmix = |value: u32| {
            let mut value = value ^ hash_const;
            hash_const = hash_const.wrapping_mul(MULT_A);
            value = value.wrapping_mul(hash_const);
            value ^ (value >> XSHIFT)
        };
        let mix = |x: u32, y: u32| {
            let result = MIX_MULT_L.wrapping_mul(x).wrapping_sub(MIX_MULT_R.wrapping_mul(y));
            result ^ (result >> XSHIFT)
        };
        let mut pool = [0u32; POOL_SIZE];
        for (i, slot) in pool.iter_mut().enumerate() {
            *slot = hashmix(words.get(i).copied().unwrap_or(0));
        }
        for src in 0..POOL_SIZE {
            for dst in 0..POOL_SIZE {
                if src != dst {
                    let hashed = hashmix(pool[src]);
                    pool[dst] = mix(pool[dst], hashed);
                }
            }
        }
        for &word in words.iter().skip(POOL_SIZE) {
            for dst in 0..POOL_SIZE {
                let hashed = hashmix(word);
                pool[dst] = mix(pool[dst], hashed);
            }
        }
        SeedSequence { pool }
    }

    /// `generate_state(n_words, np.uint32)`.
    pub fn generate_state_u32(&self, n_words: usize) -> Vec<u32> {
        let mut hash_const = INIT_B;
        (0..n_words)
            .map(|i| {
                let mut value = self.pool[i % POOL_SIZE] ^ hash_const;
                hash_const = hash_const.wrapping_mul(MULT_B);
                value = value.wrapping_mul(hash_const);
                value ^ (value >> XSHIFT)
            })
            .collect()
    }

    /// `generate_state(n_words, np.uint64)`: pairs of 32-bit words, little-endian.
    pub fn generate_state_u64(&self, n_words: usize) -> Vec<u64> {
        self.generate_state_u32(n_words * 2)
            .chunks_exact(2)
            .map(|pair| u64::from(pair[0]) | (u64::from(pair[1]) << 32))
            .collect()
    }
}

/// numpy's `PCG64` bit generator (PCG XSL-RR 128/64).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pcg64 {
    state: u128,
    increment: u128,
}

impl Pcg64 {
    /// `PCG64(SeedSequence(seed))`.
    pub fn from_seed(seed: u128) -> Pcg64 {
        let words = SeedSequence::new(seed).generate_state_u64(4);
        let initial_state = (u128::from(words[0]) << 64) | u128::from(words[1]);
        let sequence = (u128::from(words[2]) << 64) | u128::from(words[3]);
        let mut generator = Pcg64 { state: 0, increment: (sequence << 1) | 1 };
        generator.step();
        generator.state = generator.state.wrapping_add(initial_state);
        generator.step();
        generator
    }

    fn step(&mut self) {
        self.state = self.state.wrapping_mul(PCG_MULTIPLIER).wrapping_add(self.increment);
    }

    /// The next raw 64-bit output (`bit_generator.random_raw()`).
    pub fn next_u64(&mut self) -> u64 {
        self.step();
        let folded = ((self.state >> 64) as u64) ^ (self.state as u64);
        folded.rotate_right((self.state >> 122) as u32)
    }
}

/// numpy's `Generator` over [`Pcg64`], with the sampling methods Gymnasium's envs call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpRandom {
    bits: Pcg64,
}

impl NpRandom {
    /// `np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))`, i.e. Gymnasium's
    /// `np_random` after `reset(seed=seed)`.
    pub fn from_seed(seed: u64) -> NpRandom {
        NpRandom { bits: Pcg64::from_seed(u128::from(seed)) }
    }

    /// The next raw 64-bit output.
    pub fn next_u64(&mut self) -> u64 {
        self.bits.next_u64()
    }

    /// `random()`: a double in `[0, 1)` with 53 random bits.
    pub fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `uniform(low, high)`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.random()
    }

    /// `uniform(low, high, size=n)` with per-element bounds.
    pub fn uniform_each(&mut self, low: &[f64], high: &[f64]) -> Vec<f64> {
        low.iter().zip(high).map(|(&lo, &hi)| self.uniform(lo, hi)).collect()
    }

    /// Gymnasium's `categorical_sample(probs, np_random)`: the first index whose cumulative
    /// probability exceeds one `random()` draw.
    pub fn categorical(&mut self, probabilities: &[f64]) -> usize {
        let draw = self.random();
        let mut cumulative = 0.0;
        for (index, p) in probabilities.iter().enumerate() {
            cumulative += p;
            if cumulative > draw {
                return index;
            }
        }
        probabilities.len().saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values printed by numpy 2.x:
    // `Generator(PCG64(SeedSequence(seed))).bit_generator.random_raw(3)`.
    #[test]
    fn raw_outputs_match_numpy() {
        let cases: [(u128, [u64; 3]); 4] = [
            (0, [11749869230777074271, 4976686463289251617, 755828109848996024]),
            (1, [9441442522235856127, 17532960557476522086, 2659275481604167885]),
            (42, [14276969152011380360, 8095878257575067585, 15838336090824644132]),
            ((1 << 40) + 5, [87427594128977387, 6872972437549564694, 10832470946844950135]),
        ];
        for (seed, expected) in cases {
            let mut generator = Pcg64::from_seed(seed);
            let got = [generator.next_u64(), generator.next_u64(), generator.next_u64()];
            assert_eq!(got, expected, "seed {seed}");
        }
    }

    #[test]
    fn uniform_matches_numpy() {
        // `Generator(PCG64(SeedSequence(42))).uniform(-0.05, 0.05, size=(4,))`
        let expected = [0.027395604855596334, -0.006112156024794771, 0.03585979199113824, 0.019736802905936393];
        let mut generator = NpRandom::from_seed(42);
        let got = generator.uniform_each(&[-0.05; 4], &[0.05; 4]);
        assert_eq!(got, expected);
    }
}
