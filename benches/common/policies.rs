//! The policies every benchmark measures, shared by the criterion bench and the comparison
//! example so both time the same code (and `scripts/bench_cpython.py` mirrors them).

#![allow(dead_code)]

/// LIN: a linear 4-float policy.
pub const LINEAR: &str = "def act(obs):\n    th, th_dot, x, x_dot = obs[2], obs[3], obs[0], obs[1]\n    return 1 if th + 0.5 * th_dot + 0.01 * x + 0.1 * x_dot > 0 else 0\n";

/// LIN, unpacking the observation itself (`x, x_dot, th, th_dot = obs`), as models also write
/// it: no tuple is built on either side, so this ratio does not depend on the guest compiling
/// LIN's parallel assignment without its tuple.
pub const LINEAR_UNPACK: &str = "def act(obs):\n    x, x_dot, th, th_dot = obs\n    return 1 if th + 0.5 * th_dot + 0.01 * x + 0.1 * x_dot > 0 else 0\n";

/// ZIP: the same decision, looping over the observation.
pub const LOOPING: &str = "W = (0.01, 0.1, 1.0, 0.5)\ndef act(obs):\n    return 1 if sum(w * o for w, o in zip(W, obs)) > 0 else 0\n";

/// A CartPole observation mid-episode.
pub const OBS: [f64; 4] = [0.012, -0.18, 0.031, 0.27];
