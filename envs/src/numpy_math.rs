//! Scalar arithmetic as numpy and CPython do it, where that differs from the obvious Rust.
//! Gymnasium's envs step with numpy scalars; matching their results bit for bit needs the
//! same operations, not just the same formulas.

use std::hint::black_box;

/// A float64 value as a float32 observation holds it (`np.array(..., dtype=np.float32)`).
pub(crate) fn round_f32(x: f64) -> f64 {
    f64::from(x as f32)
}

/// `x ** 2` of a numpy float64 scalar (or a Python float): C's `pow(x, 2.0)`, which glibc
/// does not always round like `x * x`.
///
/// glibc's `pow` is within 0.54 ulp of the exact result, so wherever the exact square lies
/// within 0.45 ulp of the rounded product `x * x`, `pow` can only return that product (any
/// other double is more than 0.55 ulp away). The product's exact error comes from Dekker's
/// two-product (plain arithmetic: `mul_add` would be a libm call on baseline x86-64); only
/// near-halfway squares (about one in ten) pay for the `pow` call, whose exponent goes
/// through `black_box` so that LLVM does not rewrite it as a multiplication.
pub(crate) fn pow2(x: f64) -> f64 {
    let product = x * x;
    // Far from the subnormals and from overflow, so that the split and the error are exact.
    if (1e-280..1e280).contains(&product) {
        let error = square_error(x, product);
        let mut ulp = f64::from_bits(product.to_bits() & EXPONENT_BITS) * f64::EPSILON;
        if product.to_bits() & MANTISSA_BITS == 0 && error < 0.0 {
            // Below a power of two the doubles are twice as dense.
            ulp *= 0.5;
        }
        if error.abs() < 0.45 * ulp {
            return product;
        }
    }
    x.powf(black_box(2.0))
}

/// `x * x - product` exactly, for `product = x * x` rounded (Dekker: `x` split into two
/// 26-bit halves by Veltkamp's method, whose partial products are exact).
fn square_error(x: f64, product: f64) -> f64 {
    const SPLITTER: f64 = 134_217_729.0; // 2^27 + 1
    let scaled = SPLITTER * x;
    let high = scaled - (scaled - x);
    let low = x - high;
    ((high * high - product) + 2.0 * high * low) + low * low
}

const EXPONENT_BITS: u64 = 0x7ff0_0000_0000_0000;
const MANTISSA_BITS: u64 = 0x000f_ffff_ffff_ffff;

/// `x ** 2` of a numpy float32 scalar: C's `powf(x, 2.0f)` (not `x * x`, see [`pow2`]).
pub(crate) fn pow2_f32(x: f32) -> f32 {
    x.powf(black_box(2.0))
}

/// `np.sum` of a float64 array: numpy's pairwise summation (eight running sums over blocks of
/// up to 128 elements, added as a tree), which rounds differently from a left-to-right sum.
#[cfg_attr(not(feature = "mujoco"), allow(dead_code))] // used by the MuJoCo envs
pub(crate) fn np_sum(values: &[f64]) -> f64 {
    pairwise_sum(values, 0.0)
}

/// `np.sum` of a float32 array, accumulated in float32 as numpy does.
#[cfg_attr(not(feature = "mujoco"), allow(dead_code))] // used by the MuJoCo envs
pub(crate) fn np_sum_f32(values: &[f32]) -> f32 {
    pairwise_sum(values, 0.0)
}

#[cfg_attr(not(feature = "mujoco"), allow(dead_code))] // used by the MuJoCo envs
fn pairwise_sum<T: Copy + std::ops::Add<Output = T>>(values: &[T], zero: T) -> T {
    const BLOCK: usize = 128;
    let n = values.len();
    if n < 8 {
        values.iter().fold(zero, |sum, &v| sum + v)
    } else if n <= BLOCK {
        let mut partial = [zero; 8];
        partial.copy_from_slice(&values[..8]);
        let whole = n - n % 8;
        for chunk in values[8..whole].chunks_exact(8) {
            for (sum, &v) in partial.iter_mut().zip(chunk) {
                *sum = *sum + v;
            }
        }
        let [r0, r1, r2, r3, r4, r5, r6, r7] = partial;
        let tree = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
        values[whole..].iter().fold(tree, |sum, &v| sum + v)
    } else {
        // numpy splits at half the length rounded down to a multiple of 8.
        let half = (n / 2) / 8 * 8;
        pairwise_sum(&values[..half], zero) + pairwise_sum(&values[half..], zero)
    }
}

/// Which of the two functions [`sincos_f32`] computes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trig {
    Sin,
    Cos,
}

/// `np.sin` of a float32 value. numpy computes float32 sine with its own vectorized
/// algorithm (Cody-Waite reduction, minimax polynomials, fused multiply-adds), which is not
/// always the correctly rounded result that `(x as f64).sin() as f32` gives.
pub(crate) fn np_sin_f32(x: f32) -> f32 {
    sincos_f32(x, Trig::Sin)
}

/// `np.cos` of a float32 value; see [`np_sin_f32`].
pub(crate) fn np_cos_f32(x: f32) -> f32 {
    sincos_f32(x, Trig::Cos)
}

/// numpy's `simd_sincos_f32` (`loops_trigonometric.dispatch.cpp`) for one lane, as built for
/// CPUs with FMA (every x86-64-v3 and Arm64 machine).
fn sincos_f32(x: f32, op: Trig) -> f32 {
    if x.is_nan() {
        return f32::NAN;
    }
    // Beyond these bounds (71476.0625f and 117435.992f in numpy) numpy falls back to libm.
    let max_cody = f32::from_bits(if op == Trig::Cos {
        0x478b_9a08
    } else {
        0x47e5_5dff
    });
    if x.abs() > max_cody {
        return match op {
            Trig::Sin => x.sin(),
            Trig::Cos => x.cos(),
        };
    }
    const TWO_OVER_PI: f32 = f32::from_bits(0x3f22_f983); // 0x1.45f306p-1
    const PIO2_HIGH: f32 = -f32::from_bits(0x3fc9_0fd8); // -0x1.921fb0p+0
    const PIO2_MED: f32 = -f32::from_bits(0x34a8_885a); // -0x1.5110b4p-22
    const PIO2_LOW: f32 = -f32::from_bits(0x27c2_34c4); // -0x1.846988p-48
    const RINT_MAGIC: f32 = f32::from_bits(0x4b40_0000); // 0x1.8p+23

    // Round x * 2/pi to the nearest integer with the add-and-subtract trick.
    let quadrant = (x * TWO_OVER_PI + RINT_MAGIC) - RINT_MAGIC;
    let mut reduced = quadrant.mul_add(PIO2_HIGH, x);
    reduced = quadrant.mul_add(PIO2_MED, reduced);
    reduced = quadrant.mul_add(PIO2_LOW, reduced);
    let reduced2 = reduced * reduced;

    let mut cos = f32::from_bits(0x37cc_730b).mul_add(reduced2, -f32::from_bits(0x3ab6_036e)); // 0x1.98e616p-16, -0x1.6c06dcp-10
    cos = cos.mul_add(reduced2, f32::from_bits(0x3d2a_aa9e)); // 0x1.55553cp-5
    cos = cos.mul_add(reduced2, -0.5);
    cos = cos.mul_add(reduced2, 1.0);

    let mut sin = f32::from_bits(0x363e_9dde).mul_add(reduced2, -f32::from_bits(0x3950_35dd)); // 0x1.7d3bbcp-19, -0x1.a06bbap-13
    sin = sin.mul_add(reduced2, f32::from_bits(0x3c08_88cd)); // 0x1.11119ap-7
    sin = sin.mul_add(reduced2, -f32::from_bits(0x3e2a_aaab)); // 0x1.555556p-3
    // A fused multiply-add with +0 rather than a product: it differs for a -0 product.
    sin = sin.mul_add(reduced2, 0.0);
    sin = sin.mul_add(reduced, reduced);

    let mut quadrant = quadrant as i32;
    if op == Trig::Cos {
        quadrant = quadrant.wrapping_add(1);
    }
    let value = if quadrant & 1 == 0 { sin } else { cos };
    if quadrant & 2 == 2 {
        0.0 - value
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `np.sin(np.float32(x))` and `np.cos(np.float32(x))` printed by numpy 2.4 (x86-64 with
    // FMA), chosen where numpy's result is not the correctly rounded one, plus a spread of
    // quadrants.
    #[test]
    fn float32_sin_cos_match_numpy() {
        let cases: &[(u32, u32, u32)] = &[
            (0x3d8c8c12, 0x3d8c6fd6, 0x3f7f65bc),
            (0x3dbab5f1, 0x3dba73c2, 0x3f7eefd6),
            (0x3da6daec, 0x3da6abaf, 0x3f7f269d),
            (0xbdcbe560, 0xbdcb8f30, 0x3f7ebb79),
            (0xbdc898ad, 0xbdc8469b, 0x3f7ec5e3),
            (0xbd7b8ded, 0xbd7b6573, 0x3f7f8472),
            (0x3dbd19d4, 0x3dbcd512, 0x3f7ee8d4),
            (0x3db76f99, 0x3db730d6, 0x3f7ef94c),
            (0xbdbb6978, 0xbdbb2689, 0x3f7eedca),
            (0xbd9e82dc, 0xbd9e5a5b, 0x3f7f3bce),
            (0x3dca94d3, 0x3dca404b, 0x3f7ebfa4),
            (0x3d88380a, 0x3d881e55, 0x3f7f6f16),
            (0x3dbb1d26, 0x3dbada89, 0x3f7eeea9),
            (0xbdc0017f, 0xbdbfb985, 0x3f7ee031),
            (0xbdaecd81, 0xbdae9730, 0x3f7f116d),
            (0xbdbdcb1a, 0xbdbd8596, 0x3f7ee6c8),
            (0xc15fc803, 0xbf7d17e4, 0x3e19defa),
            (0xc052a530, 0x3e18c2d0, 0xbf7d22a6),
            (0xc0b4432f, 0x3f1aecac, 0x3f4bccc7),
            (0xc1949195, 0x3e8cbdd5, 0x3f762359),
            (0xc2234595, 0xbcba6100, 0xbf7fef09),
            (0x423dbacf, 0xbe9b7a6b, 0xbf73e93f),
            (0xc1e012f0, 0xbe8623fc, 0xbf770ecf),
            (0xc2015402, 0xbf4b11cd, 0x3f1be16f),
            (0x41b3101f, 0xbec378de, 0xbf6c9bd1),
            (0xc1650bca, 0xbf7bf210, 0xbe35861e),
            (0x4197f2ef, 0x3e130303, 0x3f7d5918),
            (0x422b617f, 0xbf684c35, 0x3ed729bf),
            (0x4190cfeb, 0xbf2e217e, 0x3f3ba7b8),
            (0x418dc97c, 0xbf671c2b, 0x3edc382f),
            (0xbe584e81, 0xbe56b39c, 0x3f7a4f49),
            (0xc1c060f5, 0x3f626de9, 0x3eeee0f0),
            (0x00000000, 0x00000000, 0x3f800000),
            (0x80000000, 0x80000000, 0x3f800000),
            (0x3fc90fdb, 0x3f800000, 0xb33bbd2e),
            (0x40490fdb, 0xb3bbbd2e, 0xbf800000),
            (0xc0490fdb, 0x33bbbd2e, 0xbf800000),
            (0x0da24260, 0x0da24260, 0x3f800000),
            (0x47c35000, 0x3d126d55, 0xbf7fd61c),
            (0xc788b800, 0x3f52cf31, 0x3f113e1d),
        ];
        for &(x, sin, cos) in cases {
            let x = f32::from_bits(x);
            assert_eq!(np_sin_f32(x).to_bits(), sin, "sin({x:e})");
            assert_eq!(np_cos_f32(x).to_bits(), cos, "cos({x:e})");
        }
    }

    #[test]
    fn nan_and_large_arguments() {
        assert!(np_sin_f32(f32::NAN).is_nan());
        assert_eq!(np_cos_f32(1.0e6), 1.0e6f32.cos());
    }

    #[test]
    fn np_sum_adds_in_numpys_pairwise_order() {
        // Eight running sums, then a tree: differs from a left-to-right sum in the last bit.
        let values: Vec<f64> = (0..84)
            .map(|i| 1.0 / f64::from(i + 1) * if i % 3 == 0 { 1e8 } else { 1e-3 })
            .collect();
        let pairwise = np_sum(&values);
        let mut partial = [0.0; 8];
        for (i, v) in values[..80].iter().enumerate() {
            partial[i % 8] += v;
        }
        let tree = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
            + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        assert_eq!(pairwise, values[80..].iter().fold(tree, |s, v| s + v));
        // Fewer than 8 values: left to right from zero.
        assert_eq!(np_sum_f32(&[0.1, 0.2, 0.3]), (0.0f32 + 0.1) + 0.2 + 0.3);
    }

    #[test]
    fn pow2_returns_what_pow_returns() {
        let pow = |x: f64| x.powf(black_box(2.0));
        let mut rng = crate::NpRandom::from_seed(5);
        let mut values: Vec<f64> = (0..200_000)
            .map(|_| (rng.random() - 0.5) * 10f64.powi((rng.next_u64() % 40) as i32 - 20))
            .collect();
        // Squares that are exact, exactly halfway, or just beside halfway: 27-bit and
        // 28-bit integers, scaled, whose squares need 53 to 56 bits.
        for k in 0..20_000u64 {
            for base in [(1u64 << 27) - k, (1 << 26) + k, (1 << 28) - k] {
                let scale = 2f64.powi((rng.next_u64() % 80) as i32 - 40);
                values.push(base as f64 * scale);
                values.push(-(base as f64) * scale * 3.0);
            }
        }
        values.extend([
            0.0,
            -0.0,
            1e-300,
            1e-160,
            1e160,
            1e200,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]);
        for x in values {
            assert_eq!(pow2(x).to_bits(), pow(x).to_bits(), "{x:e} ** 2");
        }
        assert!(pow2(f64::NAN).is_nan());
    }
}
