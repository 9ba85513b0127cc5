//! Criterion benchmarks of the Rust kernels on CSI-300-like contracts (no Python):
//! the scalar chunk kernel, the dispatched vector kernels (the widest the CPU has) and each
//! width on its own, for prices, greeks and implied volatility.
//! Run with `cargo bench` (or `make bench-rust`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

#[cfg(target_arch = "x86_64")]
use pricer_rs::batch::Greek;
use pricer_rs::black::{Contract, bsm_price, bsm_price_chunk};

const N: usize = 4096;

/// Spots 2-2000, strikes within 50 % of spot, vols 5-90 %, 1 day to 2 years, r = 2 %.
fn columns(prices: bool) -> [Vec<f64>; 7] {
    let mut state: u64 = 300;
    let mut rnd = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut cols: [Vec<f64>; 7] = Default::default();
    for _ in 0..N {
        let s = (2f64.ln() + rnd() * (2000f64.ln() - 2f64.ln())).exp();
        let k = s * (0.5 + rnd());
        let sigma = 0.05 + 0.85 * rnd();
        let t = 1.0 / 365.0 + rnd() * (2.0 - 1.0 / 365.0);
        let first = if prices {
            bsm_price(&Contract {
                s,
                k,
                r: 0.02,
                q: 0.0,
                sigma,
                t,
                is_call: true,
            })
        } else {
            s
        };
        let row = [
            first,
            if prices { s } else { k },
            if prices { k } else { 0.02 },
            if prices { 0.02 } else { 0.0 },
            if prices { 0.0 } else { sigma },
            t,
            1.0,
        ];
        for (c, v) in cols.iter_mut().zip(row) {
            c.push(v);
        }
    }
    cols
}

/// `kernel` over `out` in calls of 256 rows, as the engine makes them.
#[cfg(target_arch = "x86_64")]
fn in_engine_chunks(views: &[&[f64]; 7], out: &mut [f64], kernel: fn(&[&[f64]; 7], &mut [f64])) {
    for (at, piece) in out.chunks_mut(256).enumerate() {
        let cols: [&[f64]; 7] =
            std::array::from_fn(|j| &views[j][256 * at..256 * at + piece.len()]);
        kernel(black_box(&cols), piece);
    }
}

fn kernels(c: &mut Criterion) {
    let cols = columns(false);
    let views: [&[f64]; 7] = std::array::from_fn(|j| &cols[j][..]);
    let mut out = vec![0.0; N];
    let mut group = c.benchmark_group("csi300");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("price, scalar chunk kernel", |b| {
        b.iter(|| bsm_price_chunk(black_box(&views), &mut out))
    });
    #[cfg(target_arch = "x86_64")]
    group.bench_function("price, dispatched kernel", |b| {
        b.iter(|| pricer_rs::dispatch::price_chunk(black_box(&views), &mut out))
    });
    // per-point latency: each price waits for the one before (as a Python loop of
    // `price_call` does, more or less), through the multiversioned per-point entry
    group.bench_function("price, scalar one by one (dependent)", |b| {
        b.iter(|| {
            let mut carry = 0.0;
            let rows = views[0].iter().zip(views[1]).zip(views[4]).zip(views[5]);
            for (((&s, &k), &sigma), &t) in rows {
                let c = Contract {
                    s: s + carry,
                    k,
                    r: 0.02,
                    q: 0.0,
                    sigma,
                    t,
                    is_call: true,
                };
                carry = 0.0 * pricer_rs::batch::price_one(black_box(&c));
            }
            carry
        })
    });
    #[cfg(target_arch = "x86_64")]
    let mut bufs = vec![vec![0.0; N]; 10];
    #[cfg(target_arch = "x86_64")]
    group.bench_function("price + 9 greeks, dispatched kernel", |b| {
        b.iter(|| {
            let mut outs: Vec<&mut [f64]> = bufs.iter_mut().map(|v| &mut v[..]).collect();
            pricer_rs::dispatch::greeks_chunk(black_box(&views), &Greek::ALL, &mut outs)
        })
    });
    // as the engine calls them: chunks of 256 rows (per-call costs such as the kernels'
    // stack scratch count 16 times more than in one 4,096-row call)
    #[cfg(target_arch = "x86_64")]
    group.bench_function("price, dispatched, 256 per call", |b| {
        b.iter(|| in_engine_chunks(&views, &mut out, pricer_rs::dispatch::price_chunk))
    });
    #[cfg(target_arch = "x86_64")]
    group.bench_function("price + 9 greeks, dispatched, 256 per call", |b| {
        b.iter(|| {
            for at in 0..N / 256 {
                let cols: [&[f64]; 7] =
                    std::array::from_fn(|j| &views[j][256 * at..256 * (at + 1)]);
                let mut outs: Vec<&mut [f64]> = bufs
                    .iter_mut()
                    .map(|v| &mut v[256 * at..256 * (at + 1)])
                    .collect();
                pricer_rs::dispatch::greeks_chunk(black_box(&cols), &Greek::ALL, &mut outs)
            }
        })
    });
    let priced = columns(true);
    let pviews: [&[f64]; 7] = std::array::from_fn(|j| &priced[j][..]);
    #[cfg(target_arch = "x86_64")]
    group.bench_function("implied vol, dispatched kernel", |b| {
        b.iter(|| pricer_rs::dispatch::implied_chunk(black_box(&pviews), &mut out))
    });
    // the kernels by width (the dispatched ones above are the widest the CPU has, and
    // sixteen lanes for implied vols: `simd_x4`, `simd8_x2`)
    #[cfg(target_arch = "x86_64")]
    if pricer_rs::simd::available() {
        // SAFETY (all below): the CPU has the kernels' features (checked).
        group.bench_function("price, AVX2 four lanes", |b| {
            b.iter(|| unsafe { pricer_rs::simd::price_chunk_avx2(black_box(&views), &mut out) })
        });
        group.bench_function("price + 9 greeks, AVX2 four lanes", |b| {
            b.iter(|| {
                let mut outs: Vec<&mut [f64]> = bufs.iter_mut().map(|v| &mut v[..]).collect();
                unsafe {
                    pricer_rs::simd::greeks_chunk_avx2(black_box(&views), &Greek::ALL, &mut outs)
                }
            })
        });
        group.bench_function("implied vol, AVX2 four lanes", |b| {
            b.iter(|| unsafe { pricer_rs::simd::implied_chunk_avx2(black_box(&pviews), &mut out) })
        });
        group.bench_function("implied vol, AVX2 x4 (sixteen lanes)", |b| {
            b.iter(|| unsafe {
                pricer_rs::simd_x4::implied_chunk_avx2x4(black_box(&pviews), &mut out)
            })
        });
    }
    #[cfg(target_arch = "x86_64")]
    if pricer_rs::simd8::available() {
        // SAFETY (both below): the CPU has the kernels' features (checked).
        group.bench_function("implied vol, AVX-512 eight lanes", |b| {
            b.iter(|| unsafe {
                pricer_rs::simd8::implied_chunk_avx512(black_box(&pviews), &mut out)
            })
        });
        group.bench_function("implied vol, AVX-512 x2 (sixteen lanes)", |b| {
            b.iter(|| unsafe {
                pricer_rs::simd8_x2::implied_chunk_avx512x2(black_box(&pviews), &mut out)
            })
        });
    }
    // as the engine calls it: chunks of 256 (each leaves its own remainder of problems)
    #[cfg(target_arch = "x86_64")]
    group.bench_function("implied vol, dispatched, 256 per call", |b| {
        b.iter(|| in_engine_chunks(&pviews, &mut out, pricer_rs::dispatch::implied_chunk))
    });
    group.bench_function("implied vol, scalar", |b| {
        b.iter(|| {
            for (i, v) in out.iter_mut().enumerate() {
                *v = pricer_rs::implied::implied_vol(
                    pviews[0][i],
                    pviews[1][i],
                    pviews[2][i],
                    0.02,
                    0.0,
                    pviews[5][i],
                    true,
                );
            }
        })
    });
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
