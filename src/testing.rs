//! Helpers shared by the unit tests.

/// Uniform doubles in [0, 1) from a xorshift generator: reproducible, dependency-free.
pub fn xorshift(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One CSI-300-like contract's `(s, k, sigma, t)`: spots 2-2000 (log-uniform), strikes
/// within 50 % of spot, vols 5-90 %, 1 day to about 2 years.
pub fn csi_like(rnd: &mut impl FnMut() -> f64) -> (f64, f64, f64, f64) {
    let s = (2f64.ln() + rnd() * (2000f64.ln() - 2f64.ln())).exp();
    let k = s * (0.5 + rnd());
    let sigma = 0.05 + 0.85 * rnd();
    let t = 1.0 / 365.0 + rnd() * 2.0;
    (s, k, sigma, t)
}
