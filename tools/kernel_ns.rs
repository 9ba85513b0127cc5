//! The price kernel alone, per width the machine has, against the naive closed form timed in
//! the same run: 4,096 CSI-like calls and puts (in the cache), one core, the best of seven
//! runs of 200 passes. `make bench` runs it and hands its last line to `benches/compare.py`,
//! which also reports the share of a 5 M call spent outside the kernel.
//! Usage: `cargo run --release --example kernel_ns`.

use std::hint::black_box;
use std::time::Instant;

#[path = "csi_columns.rs"]
mod csi_columns;
use csi_columns::csi_columns;

const N: usize = 4096;

/// A chunk kernel as the engine calls it: input columns, output slice.
type Kernel<'a> = dyn FnMut(&[&[f64]; 7], &mut [f64]) + 'a;
const PASSES: usize = 200;

unsafe extern "C" {
    /// The C library's complementary error function (libm; Rust's std has none).
    safe fn erfc(x: f64) -> f64;
}

/// What a user writes first: `S e^{-qt} N(d1) - K e^{-rt} N(d2)` with std's `ln`, `exp`,
/// `sqrt` and libm's `erfc` for `N`.
fn naive(inputs: &[&[f64]; 7], out: &mut [f64]) {
    for (m, slot) in out.iter_mut().enumerate() {
        let [s, k, r, q, sigma, t, call] = std::array::from_fn(|j| inputs[j][m]);
        let v = sigma * t.sqrt();
        let d1 = ((s / k).ln() + (r - q + 0.5 * sigma * sigma) * t) / v;
        let d2 = d1 - v;
        let n = |d: f64| 0.5 * erfc(-d * std::f64::consts::FRAC_1_SQRT_2);
        let (se, ke) = (s * (-q * t).exp(), k * (-r * t).exp());
        *slot = if call > 0.0 {
            se * n(d1) - ke * n(d2)
        } else {
            ke * n(-d2) - se * n(-d1)
        };
    }
}

fn main() {
    let cols = csi_columns(N, 0x9e37_79b9_7f4a_7c15, 0.03);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let ns = |kernel: &mut Kernel| {
        let mut out = vec![0.0; N];
        let best = (0..7)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..PASSES {
                    kernel(black_box(&views), &mut out);
                }
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        black_box(&out);
        best * 1e9 / (N * PASSES) as f64
    };
    let naive_ns = ns(&mut naive);
    let mut rows = vec![(
        "scalar (one lane)".to_string(),
        ns(&mut |x, o| pricer_rs::batch::price_chunk_one_lane(x, o)),
    )];
    #[cfg(target_arch = "x86_64")]
    {
        if pricer_rs::simd::available() {
            // SAFETY: the CPU has AVX2 and FMA (checked)
            let avx2 = ns(&mut |x, o| unsafe { pricer_rs::simd::price_chunk_avx2(x, o) });
            rows.push(("AVX2 (four lanes)".to_string(), avx2));
        }
        if pricer_rs::simd8::available() {
            // SAFETY: the CPU has AVX-512F/DQ, AVX2 and FMA (checked)
            let avx512 = ns(&mut |x, o| unsafe { pricer_rs::simd8::price_chunk_avx512(x, o) });
            rows.push(("AVX-512 (eight lanes)".to_string(), avx512));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    rows.push((
        "two lanes (simd_lanes: NEON on aarch64)".to_string(),
        ns(&mut |x, o| pricer_rs::simd_lanes::price_chunk(x, o)),
    ));
    let dispatched = ns(&mut |x, o| pricer_rs::batch::price_chunk(x, o));
    println!(
        "price kernel alone: {N} CSI-like calls and puts in cache, one core, best of 7 x {PASSES} passes"
    );
    println!(
        "  {:<44}{naive_ns:8.2} ns per option",
        "naive closed form (std ln/exp, libm erfc)"
    );
    for (label, v) in &rows {
        println!("  {label:<44}{v:8.2} ns   {:5.2}x naive", naive_ns / v);
    }
    let label = "dispatched (what a call runs)";
    println!(
        "  {label:<44}{dispatched:8.2} ns   {:5.2}x naive",
        naive_ns / dispatched
    );
    // for benches/compare.py
    println!("kernel-ns dispatched={dispatched:.4} naive={naive_ns:.4}");
}
