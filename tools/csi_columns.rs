//! The CSI-like contracts the kernel tools time (`lane_ratio`, `kernel_ns`), as the kernels'
//! columns: spot 2..300, strike within 30 % of it, r 2 %, q 0..`q_max`, vol 10-60 %, a day
//! to two years, calls and puts alike; xorshift from `seed`, so every run prices the same.

pub fn csi_columns(n: usize, seed: u64, q_max: f64) -> [Vec<f64>; 7] {
    let mut state = seed;
    let mut uniform = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut cols: [Vec<f64>; 7] = Default::default();
    for _ in 0..n {
        let s = 2.0 + 298.0 * uniform();
        cols[0].push(s);
        cols[1].push(s * (0.7 + 0.6 * uniform()));
        cols[2].push(0.02);
        cols[3].push(q_max * uniform());
        cols[4].push(0.1 + 0.5 * uniform());
        cols[5].push(1.0 / 365.0 + 2.0 * uniform());
        cols[6].push(if uniform() < 0.5 { 1.0 } else { -1.0 });
    }
    cols
}
