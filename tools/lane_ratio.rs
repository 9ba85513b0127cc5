//! The speed of the two-lane vector kernels (`simd_lanes`, compiled to NEON on aarch64)
//! against the scalar chunk kernel on the same machine, as ratios: `make test-cross` runs it
//! for aarch64 under qemu, where absolute times mean nothing but the ratio of two kernels
//! emulated alike says what the vector instance saves in instructions. On x86-64 it compares
//! the dispatched AVX2/AVX-512 kernels with the same scalar chunk kernel.
//! Usage: `cargo run --release --example lane_ratio`.

use std::time::Instant;

use pricer_rs::black::bsm_price_chunk;

#[path = "csi_columns.rs"]
mod csi_columns;
use csi_columns::csi_columns;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("count") {
        return count(args.get(2).map_or("none", String::as_str));
    }
    let n = 100_000;
    let cols = csi_columns(n, 0x2545_f491_4f6c_dd1d, 0.01);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let mut out = vec![0.0; n];
    let time = |f: &mut dyn FnMut(&mut [f64])| {
        let mut out = vec![0.0; n];
        (0..5)
            .map(|_| {
                let start = Instant::now();
                f(&mut out);
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let scalar = time(&mut |o| bsm_price_chunk(&views, o));
    #[cfg(target_arch = "x86_64")]
    let vector = time(&mut |o| pricer_rs::dispatch::price_chunk(&views, o));
    #[cfg(not(target_arch = "x86_64"))]
    let vector = time(&mut |o| pricer_rs::simd_lanes::price_chunk(&views, o));
    bsm_price_chunk(&views, &mut out);
    // greeks and implied vols: the scalar code element by element against the vector kernel
    let all = pricer_rs::batch::Greek::ALL;
    let mut greek_cols = vec![vec![0.0; n]; all.len()];
    let greeks_scalar = {
        let start = Instant::now();
        for m in 0..n {
            let g =
                pricer_rs::black::bsm_greeks(&pricer_rs::black::Contract::from_columns(&views, m));
            for (col, greek) in greek_cols.iter_mut().zip(&all) {
                col[m] = greek.pick(&g);
            }
        }
        start.elapsed().as_secs_f64()
    };
    let greeks_vector = {
        let mut outs: Vec<&mut [f64]> = greek_cols.iter_mut().map(|c| &mut c[..]).collect();
        let start = Instant::now();
        #[cfg(target_arch = "x86_64")]
        pricer_rs::dispatch::greeks_chunk(&views, &all, &mut outs);
        #[cfg(not(target_arch = "x86_64"))]
        pricer_rs::simd_lanes::greeks_chunk(&views, &all, &mut outs);
        start.elapsed().as_secs_f64()
    };
    let mut iv_cols = cols.clone();
    iv_cols[0] = out.clone();
    iv_cols[1] = cols[0].clone();
    iv_cols[2] = cols[1].clone();
    iv_cols[3] = cols[2].clone();
    iv_cols[4] = cols[3].clone();
    let iv_views: [&[f64]; 7] = std::array::from_fn(|j| &iv_cols[j][..]);
    let mut vols = vec![0.0; n];
    let iv_scalar = {
        let start = Instant::now();
        for (m, v) in vols.iter_mut().enumerate() {
            let c = |j: usize| iv_views[j][m];
            *v = pricer_rs::implied::implied_vol(c(0), c(1), c(2), c(3), c(4), c(5), c(6) > 0.0);
        }
        start.elapsed().as_secs_f64()
    };
    let iv_vector = {
        let start = Instant::now();
        #[cfg(target_arch = "x86_64")]
        pricer_rs::dispatch::implied_chunk(&iv_views, &mut vols);
        #[cfg(not(target_arch = "x86_64"))]
        pricer_rs::simd_lanes::implied_chunk(&iv_views, &mut vols);
        start.elapsed().as_secs_f64()
    };
    println!(
        "{n} price + 9 greeks: scalar {:.1} ms, vector {:.1} ms: {:.2}x; implied vols: scalar {:.1} ms, vector {:.1} ms: {:.2}x",
        greeks_scalar * 1e3,
        greeks_vector * 1e3,
        greeks_scalar / greeks_vector,
        iv_scalar * 1e3,
        iv_vector * 1e3,
        iv_scalar / iv_vector
    );
    println!(
        "{n} CSI-like prices on one core: scalar chunk kernel {:.1} ms, vector kernel {:.1} ms: {:.2}x",
        scalar * 1e3,
        vector * 1e3,
        scalar / vector
    );
}

/// `lane_ratio count KERNEL`: 4,000 CSI-like contracts through one kernel, once (`none`:
/// only the inputs), for counting the instructions a run executes (`tools/lane_count.py`
/// under qemu: the count of `none` subtracted, per contract).
fn count(kernel: &str) {
    let n = 4_000;
    let cols = csi_columns(n, 0x2545_f491_4f6c_dd1d, 0.01);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let mut out = vec![0.0; n];
    let all = pricer_rs::batch::Greek::ALL;
    let mut greek_cols = vec![vec![0.0; n]; all.len()];
    let mut outs: Vec<&mut [f64]> = greek_cols.iter_mut().map(|c| &mut c[..]).collect();
    bsm_price_chunk(&views, &mut out);
    let iv_cols: Vec<Vec<f64>> = vec![
        out.clone(),
        cols[0].clone(),
        cols[1].clone(),
        cols[2].clone(),
        cols[3].clone(),
        cols[5].clone(),
        cols[6].clone(),
    ];
    let iv_views: [&[f64]; 7] = std::array::from_fn(|j| &iv_cols[j][..]);
    let mut vols = vec![0.0; n];
    match kernel {
        "price-scalar" => bsm_price_chunk(&views, &mut out),
        "greeks-scalar" => {
            for m in 0..n {
                let g = pricer_rs::black::bsm_greeks(&pricer_rs::black::Contract::from_columns(
                    &views, m,
                ));
                for (col, greek) in outs.iter_mut().zip(&all) {
                    col[m] = greek.pick(&g);
                }
            }
        }
        "implied-scalar" => {
            for (m, v) in vols.iter_mut().enumerate() {
                let c = |j: usize| iv_views[j][m];
                *v =
                    pricer_rs::implied::implied_vol(c(0), c(1), c(2), c(3), c(4), c(5), c(6) > 0.0);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        "price-vector" => pricer_rs::simd_lanes::price_chunk(&views, &mut out),
        #[cfg(not(target_arch = "x86_64"))]
        "greeks-vector" => pricer_rs::simd_lanes::greeks_chunk(&views, &all, &mut outs),
        #[cfg(not(target_arch = "x86_64"))]
        "implied-vector" => pricer_rs::simd_lanes::implied_chunk(&iv_views, &mut vols),
        _ => {}
    }
    println!(
        "{}",
        out.iter()
            .chain(&vols)
            .chain(outs.iter().flat_map(|o| o.iter()))
            .sum::<f64>()
    );
}
