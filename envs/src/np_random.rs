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
            let result = MIX_MULT_L
                .wrapping_mul(x)
                .wrapping_sub(MIX_MULT_R.wrapping_mul(y));
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
            for slot in pool.iter_mut() {
                let hashed = hashmix(word);
                *slot = mix(*slot, hashed);
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

/// numpy's `PCG64` bit generator (PCG XSL-RR 128/64), with its buffered 32-bit output:
/// numpy serves `next_uint32` from the two halves of one 64-bit output, so a 32-bit draw
/// after another one costs no new output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pcg64 {
    state: u128,
    increment: u128,
    /// The high half of the last 64-bit output, when the low half was served as a 32-bit draw.
    buffered_u32: Option<u32>,
}

impl Pcg64 {
    /// `PCG64(SeedSequence(seed))`.
    pub fn from_seed(seed: u128) -> Pcg64 {
        let words = SeedSequence::new(seed).generate_state_u64(4);
        let initial_state = (u128::from(words[0]) << 64) | u128::from(words[1]);
        let sequence = (u128::from(words[2]) << 64) | u128::from(words[3]);
        let mut generator = Pcg64 {
            state: 0,
            increment: (sequence << 1) | 1,
            buffered_u32: None,
        };
        generator.step();
        generator.state = generator.state.wrapping_add(initial_state);
        generator.step();
        generator
    }

    fn step(&mut self) {
        self.state = self
            .state
            .wrapping_mul(PCG_MULTIPLIER)
            .wrapping_add(self.increment);
    }

    /// The next raw 64-bit output (`bit_generator.random_raw()`).
    pub fn next_u64(&mut self) -> u64 {
        self.step();
        let folded = ((self.state >> 64) as u64) ^ (self.state as u64);
        folded.rotate_right((self.state >> 122) as u32)
    }

    /// The next 32-bit output (numpy's `next_uint32`): the low half of a fresh 64-bit output,
    /// then its high half.
    pub fn next_u32(&mut self) -> u32 {
        if let Some(high) = self.buffered_u32.take() {
            return high;
        }
        let next = self.next_u64();
        self.buffered_u32 = Some((next >> 32) as u32);
        next as u32
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
        NpRandom {
            bits: Pcg64::from_seed(u128::from(seed)),
        }
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
        low.iter()
            .zip(high)
            .map(|(&lo, &hi)| self.uniform(lo, hi))
            .collect()
    }

    /// Gymnasium's `categorical_sample(probs, np_random)`:
    /// `np.argmax(np.cumsum(probs) > np_random.random())`, i.e. the first index whose
    /// cumulative probability (summed left to right, as `cumsum` does) exceeds one `random()`
    /// draw, and 0 when none does (what `argmax` of all-false gives).
    pub fn categorical(&mut self, probabilities: &[f64]) -> usize {
        self.categorical_from(probabilities.iter().copied())
    }

    /// [`NpRandom::categorical`] over probabilities given one by one.
    pub fn categorical_from(&mut self, probabilities: impl IntoIterator<Item = f64>) -> usize {
        let draw = self.random();
        let mut cumulative = 0.0;
        for (index, p) in probabilities.into_iter().enumerate() {
            cumulative += p;
            if cumulative > draw {
                return index;
            }
        }
        0
    }

    /// `integers(low, high)`: an `int64` in `[low, high)`, drawn as numpy's `Generator` does
    /// (Lemire's bounded method on 32-bit draws when the range fits in 32 bits, else on
    /// 64-bit draws). `high <= low` gives `low` and draws nothing (numpy raises instead).
    pub fn integers(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        // numpy works with the inclusive range `high - 1 - low`, as an unsigned number.
        let range = (high as u64).wrapping_sub(low as u64).wrapping_sub(1);
        let offset = if range == 0 {
            0
        } else if range == u64::from(u32::MAX) {
            u64::from(self.bits.next_u32())
        } else if range < u64::from(u32::MAX) {
            u64::from(self.bounded_lemire_u32(range as u32))
        } else if range == u64::MAX {
            self.bits.next_u64()
        } else {
            self.bounded_lemire_u64(range)
        };
        (low as u64).wrapping_add(offset) as i64
    }

    /// numpy's `buffered_bounded_lemire_uint32`: a value in `0..=range`.
    fn bounded_lemire_u32(&mut self, range: u32) -> u32 {
        let exclusive = range + 1;
        let mut product = u64::from(self.bits.next_u32()) * u64::from(exclusive);
        let mut leftover = product as u32;
        if leftover < exclusive {
            let threshold = (u32::MAX - range) % exclusive;
            while leftover < threshold {
                product = u64::from(self.bits.next_u32()) * u64::from(exclusive);
                leftover = product as u32;
            }
        }
        (product >> 32) as u32
    }

    /// numpy's `bounded_lemire_uint64`: a value in `0..=range`.
    fn bounded_lemire_u64(&mut self, range: u64) -> u64 {
        let exclusive = range + 1;
        let mut product = u128::from(self.bits.next_u64()) * u128::from(exclusive);
        let mut leftover = product as u64;
        if leftover < exclusive {
            let threshold = (u64::MAX - range) % exclusive;
            while leftover < threshold {
                product = u128::from(self.bits.next_u64()) * u128::from(exclusive);
                leftover = product as u64;
            }
        }
        (product >> 64) as u64
    }

    /// numpy's `random_interval(max)`: a value in `0..=max` by masked rejection sampling, the
    /// draw `shuffle` uses.
    fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = u64::MAX >> max.leading_zeros();
        if max <= u64::from(u32::MAX) {
            loop {
                let value = u64::from(self.bits.next_u32()) & mask;
                if value <= max {
                    return value;
                }
            }
        }
        loop {
            let value = self.bits.next_u64() & mask;
            if value <= max {
                return value;
            }
        }
    }

    /// `standard_normal()`: numpy `Generator`'s 256-layer ziggurat on 64-bit draws (8 bits
    /// pick the layer, 1 the sign, 52 the magnitude), with its tail and wedge fallbacks.
    ///
    /// The layer tables are computed here from the ziggurat's defining constants, in float64,
    /// by the recipe that reproduces numpy's shipped tables bit for bit, so draws equal
    /// numpy's exactly.
    pub fn standard_normal(&mut self) -> f64 {
        let tables = ziggurat_tables();
        loop {
            let bits = self.next_u64();
            let layer = (bits & 0xff) as usize;
            let bits = bits >> 8;
            let negative = bits & 1 == 1;
            let magnitude = (bits >> 1) & 0x000f_ffff_ffff_ffff;
            let x = magnitude as f64 * tables.width[layer];
            let x = if negative { -x } else { x };
            if magnitude < tables.edge[layer] {
                return x;
            }
            if layer == 0 {
                // The tail beyond R, by Marsaglia's method (1 - U avoids log(0)).
                loop {
                    let xx = -ZIGGURAT_INV_R * (-self.random()).ln_1p();
                    let yy = -(-self.random()).ln_1p();
                    if yy + yy > xx * xx {
                        return if (magnitude >> 8) & 1 == 1 {
                            -(ZIGGURAT_R + xx)
                        } else {
                            ZIGGURAT_R + xx
                        };
                    }
                }
            }
            let below = tables.height[layer];
            let above = tables.height[layer - 1];
            if (above - below) * self.random() + below < (-0.5 * x * x).exp() {
                return x;
            }
        }
    }

    /// `standard_normal(size=n)`.
    pub fn standard_normal_n(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.standard_normal()).collect()
    }

    /// `shuffle(x)` of a list or a 1-D array: Fisher-Yates from the end, as numpy does.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }
}

/// The ziggurat's rightmost layer edge R, its inverse, and the area V of each layer:
/// Marsaglia and Tsang's 3.6541528853610088, 0.27366123732975828 and 0.0049286732339746519
/// (numpy's constants), written as the shortest decimals of the same doubles.
const ZIGGURAT_R: f64 = 3.654_152_885_361_009;
const ZIGGURAT_INV_R: f64 = 0.273_661_237_329_758_3;
const ZIGGURAT_LAYER_AREA: f64 = 0.004_928_673_233_974_652;

/// The 256 layers of the normal ziggurat: `edge[i]`, the 52-bit magnitude below which a draw
/// in layer `i` is inside the density at once; `width[i]`, the magnitude-to-x scale;
/// `height[i]`, the density at the layer's right edge.
struct ZigguratTables {
    edge: [u64; 256],
    width: [f64; 256],
    height: [f64; 256],
}

/// numpy ships its tables precomputed. They are Marsaglia and Tsang's recursion run in
/// float64 from layer 255 down, `x[i] = sqrt(-2 ln(V / x[i+1] + f(x[i+1])))` with
/// `f(x) = exp(-x*x/2)`, edges rounded half to even, and every `exp` and `ln` correctly
/// rounded, except one: at layer 38, `exp` lands 0.0017 ulp below a rounding midpoint and the
/// generator's libm rounded it up. Each later layer is computed from that height, so that one
/// ulp is kept (`LAYER_38_HEIGHT_ROUNDS_UP`). Checked against every entry of numpy's tables
/// and against its draws (`standard_normal_matches_numpy_bit_for_bit`).
fn ziggurat_tables() -> &'static ZigguratTables {
    const SCALE: f64 = 4_503_599_627_370_496.0; // 2^52
    const LAYER_38_HEIGHT_ROUNDS_UP: usize = 38;
    static TABLES: std::sync::OnceLock<ZigguratTables> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let density = |x: f64| (-0.5 * x * x).exp();
        let mut tables = ZigguratTables {
            edge: [0; 256],
            width: [0.0; 256],
            height: [0.0; 256],
        };
        let mut right = ZIGGURAT_R;
        tables.width[255] = right / SCALE;
        tables.height[255] = density(right);
        // Layer 0 is the base strip plus the tail: its width is V / f(R).
        tables.edge[0] =
            (right * tables.height[255] / ZIGGURAT_LAYER_AREA * SCALE).round_ties_even() as u64;
        tables.width[0] = ZIGGURAT_LAYER_AREA / tables.height[255] / SCALE;
        tables.height[0] = 1.0;
        for i in (1..255).rev() {
            let left = (-2.0 * (ZIGGURAT_LAYER_AREA / right + tables.height[i + 1]).ln()).sqrt();
            tables.edge[i + 1] = (left / right * SCALE).round_ties_even() as u64;
            tables.width[i] = left / SCALE;
            let mut height = density(left);
            if i == LAYER_38_HEIGHT_ROUNDS_UP {
                height = f64::from_bits(height.to_bits() + 1);
            }
            tables.height[i] = height;
            right = left;
        }
        // edge[1] stays 0: layer 1 (the top cap) always takes the wedge test.
        tables
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values printed by numpy 2.x:
    // `Generator(PCG64(SeedSequence(seed))).bit_generator.random_raw(3)`.
    #[test]
    fn raw_outputs_match_numpy() {
        let cases: [(u128, [u64; 3]); 4] = [
            (
                0,
                [
                    11749869230777074271,
                    4976686463289251617,
                    755828109848996024,
                ],
            ),
            (
                1,
                [
                    9441442522235856127,
                    17532960557476522086,
                    2659275481604167885,
                ],
            ),
            (
                42,
                [
                    14276969152011380360,
                    8095878257575067585,
                    15838336090824644132,
                ],
            ),
            (
                (1 << 40) + 5,
                [87427594128977387, 6872972437549564694, 10832470946844950135],
            ),
        ];
        for (seed, expected) in cases {
            let mut generator = Pcg64::from_seed(seed);
            let got = [
                generator.next_u64(),
                generator.next_u64(),
                generator.next_u64(),
            ];
            assert_eq!(got, expected, "seed {seed}");
        }
    }

    #[test]
    fn uniform_matches_numpy() {
        // `Generator(PCG64(SeedSequence(42))).uniform(-0.05, 0.05, size=(4,))`
        let expected = [
            0.027395604855596334,
            -0.006112156024794771,
            0.03585979199113824,
            0.019736802905936393,
        ];
        let mut generator = NpRandom::from_seed(42);
        let got = generator.uniform_each(&[-0.05; 4], &[0.05; 4]);
        assert_eq!(got, expected);
    }

    // Reference values printed by numpy 2.4 with `rng = np.random.default_rng(seed)`.
    #[test]
    fn integers_match_numpy() {
        // `[rng.integers(0, 10) for _ in range(8)]`, seed 42
        let mut rng = NpRandom::from_seed(42);
        let got: Vec<i64> = (0..8).map(|_| rng.integers(0, 10)).collect();
        assert_eq!(got, [0, 7, 6, 4, 4, 8, 0, 6]);

        // 32-bit draws share one 64-bit output; `random()` takes a fresh one and leaves the
        // buffered half for the next 32-bit draw. Seed 42:
        // `[integers(1, 4) x4], random(), [integers(0, 7) x3]`
        let mut rng = NpRandom::from_seed(42);
        let got: Vec<i64> = (0..4).map(|_| rng.integers(1, 4)).collect();
        assert_eq!(got, [1, 3, 2, 2]);
        assert_eq!(rng.random(), 0.8585979199113825);
        let got: Vec<i64> = (0..3).map(|_| rng.integers(0, 7)).collect();
        assert_eq!(got, [0, 4, 1]);

        // 64-bit ranges, negative bounds, the full 32-bit range, seed 7:
        // `[integers(0, 2**40) x3], [integers(-5, 5) x3], integers(0, 2**32), integers(0, 2**63-1)`
        let mut rng = NpRandom::from_seed(7);
        let got: Vec<i64> = (0..3).map(|_| rng.integers(0, 1 << 40)).collect();
        assert_eq!(got, [687299734001, 986497006767, 852875435924]);
        let got: Vec<i64> = (0..3).map(|_| rng.integers(-5, 5)).collect();
        assert_eq!(got, [3, -3, -5]);
        assert_eq!(rng.integers(0, 1 << 32), 1289204377);
        assert_eq!(rng.integers(0, i64::MAX), 8057108420966028185);

        // Almost the whole int64 range, seed 0: `[integers(-2**63, 2**63-1) x2]`
        let mut rng = NpRandom::from_seed(0);
        let got: Vec<i64> = (0..2).map(|_| rng.integers(i64::MIN, i64::MAX)).collect();
        assert_eq!(got, [2526497193922298462, -4246685573565524192]);
        assert_eq!(rng.integers(3, 3), 3);
    }

    #[test]
    fn shuffle_matches_numpy() {
        // `L = list(range(10)); rng.shuffle(L); rng.integers(0, 100)`, seed 3
        let mut rng = NpRandom::from_seed(3);
        let mut items: Vec<u32> = (0..10).collect();
        rng.shuffle(&mut items);
        assert_eq!(items, [9, 6, 0, 2, 1, 4, 7, 5, 3, 8]);
        assert_eq!(rng.integers(0, 100), 43);
    }

    #[test]
    fn categorical_is_argmax_of_the_cumulative_sum() {
        let mut a = NpRandom::from_seed(5);
        let mut b = a.clone();
        let draw = b.random();
        let index = a.categorical(&[0.25, 0.25, 0.5]);
        let expected = if draw < 0.25 {
            0
        } else if draw < 0.5 {
            1
        } else {
            2
        };
        assert_eq!(index, expected);
        // No cumulative probability exceeds the draw: argmax of all-false is 0.
        assert_eq!(a.categorical(&[0.0, 0.0]), 0);
    }

    // numpy 2.4: `Generator(PCG64(SeedSequence(7))).standard_normal(4)`, and for a million
    // draws the XOR of their bit patterns,
    // `np.bitwise_xor.reduce(draws.view(np.uint64))`, which any one differing bit changes.
    // A million draws cross every layer, the wedges and the tail (some 250 beyond R).
    #[test]
    fn standard_normal_matches_numpy_bit_for_bit() {
        let expected: [f64; 4] = [
            0.001_230_153_357_482_574_2,
            0.298_745_537_508_469_9,
            -0.274_137_855_362_217_6,
            -0.890_591_838_757_274_2,
        ];
        let mut rng = NpRandom::from_seed(7);
        for (i, want) in expected.into_iter().enumerate() {
            assert_eq!(rng.standard_normal().to_bits(), want.to_bits(), "draw {i}");
        }
        for (seed, want_xor) in [
            (7, 0x01c8_e795_a6f8_5f0a_u64),
            (2024, 0x0034_cc04_d931_9306),
        ] {
            let mut rng = NpRandom::from_seed(seed);
            let xor = (0..1_000_000).fold(0, |acc, _| acc ^ rng.standard_normal().to_bits());
            assert_eq!(xor, want_xor, "seed {seed}: XOR of a million draws");
        }
    }

    #[test]
    fn standard_normal_has_unit_variance() {
        let mut rng = NpRandom::from_seed(3);
        let draws = rng.standard_normal_n(200_000);
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let variance =
            draws.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.01, "variance {variance}");
        // The tail beyond R (about 1 draw in 3,900) is reached.
        assert!(draws.iter().any(|x| x.abs() > ZIGGURAT_R));
    }
}
