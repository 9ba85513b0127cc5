//! The bits of every price, greek and implied vol the array kernels give for a fixed set of
//! contracts, one line each: `make test-cross` runs it natively (x86_64: the dispatched
//! vector kernels) and for aarch64 under qemu (the scalar code; its two-lane kernels,
//! `simd_lanes`, are compared with it by the proptests) and compares the two outputs byte for
//! byte, since README promises every path the same bits.
//!
//! The contracts: the 3,000 rows of the shared reference CSV (the path is the one argument;
//! realistic and extreme), then 20,000 pseudo-random ones spanning the domain (fixed seed).
//! Usage: `cargo run --example kernel_digest -- ../shared/reference/bsm_reference.csv`.

use ndarray::{ArrayD, IxDyn};
use pricer_rs::batch::{
    BsmArrays, Check, Greek, ImpliedArrays, greeks_into, implied_vol_into, price_into,
};
use pricer_rs::black::Contract;

fn reference_rows(path: &str) -> Vec<Contract> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let x = |i: usize| {
                f[i].parse::<f64>()
                    .unwrap_or_else(|e| panic!("{line}: {e}"))
            };
            Contract {
                s: x(1),
                k: x(2),
                r: x(3),
                q: x(4),
                sigma: x(5),
                t: x(6),
                is_call: f[0] == "call",
            }
        })
        .collect()
}

/// xorshift64*: the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Log-uniform on [lo, hi].
    fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp()
    }
}

fn random_rows(n: usize) -> Vec<Contract> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..n)
        .map(|i| {
            let s = rng.log_uniform(1e-3, 1e5);
            Contract {
                s,
                k: s * rng.log_uniform(0.05, 20.0),
                r: 0.3 * rng.unit() - 0.1,
                q: 0.2 * rng.unit() - 0.05,
                sigma: rng.log_uniform(1e-4, 8.0),
                t: rng.log_uniform(1e-4, 50.0),
                is_call: i % 2 == 0,
            }
        })
        .collect()
}

fn column(cs: &[Contract], f: impl Fn(&Contract) -> f64) -> ArrayD<f64> {
    ArrayD::from_shape_vec(IxDyn(&[cs.len()]), cs.iter().map(f).collect()).expect("1-D")
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/reference/bsm_reference.csv".to_string());
    let mut cs = reference_rows(&path);
    cs.extend(random_rows(20_000));
    let n = cs.len();
    let shape = [n];

    let (s, k, r, q) = (
        column(&cs, |c| c.s),
        column(&cs, |c| c.k),
        column(&cs, |c| c.r),
        column(&cs, |c| c.q),
    );
    let (sigma, t) = (column(&cs, |c| c.sigma), column(&cs, |c| c.t));
    let call = column(&cs, |c| if c.is_call { 1.0 } else { -1.0 });
    let arrays = BsmArrays {
        s: s.view(),
        k: k.view(),
        r: r.view(),
        q: q.view(),
        sigma: sigma.view(),
        t: t.view(),
        call: call.view(),
    };

    let mut prices = vec![0.0; n];
    price_into(&arrays, &shape, &mut prices, false, Check::First).expect("prices");
    let mut greek_cols = vec![vec![0.0; n]; Greek::ALL.len()];
    {
        let mut outs: Vec<&mut [f64]> = greek_cols.iter_mut().map(|c| &mut c[..]).collect();
        greeks_into(&arrays, &shape, &Greek::ALL, &mut outs, false, Check::First).expect("greeks");
    }
    let given = ArrayD::from_shape_vec(IxDyn(&[n]), prices.clone()).expect("1-D");
    let implied = ImpliedArrays {
        price: given.view(),
        s: s.view(),
        k: k.view(),
        r: r.view(),
        q: q.view(),
        t: t.view(),
        call: call.view(),
    };
    let mut vols = vec![0.0; n];
    implied_vol_into(&implied, &shape, &mut vols, false).expect("implied vols");

    let mut out = String::with_capacity(n * 220);
    for i in 0..n {
        out.push_str(&format!("{i} {:016x}", prices[i].to_bits()));
        for g in &greek_cols {
            out.push_str(&format!(" {:016x}", g[i].to_bits()));
        }
        out.push_str(&format!(" {:016x}\n", vols[i].to_bits()));
    }
    print!("{out}");
    eprintln!(
        "kernel_digest: {n} contracts ({} reference rows), price + {} greeks + implied vol each",
        n - 20_000,
        Greek::ALL.len() - 1
    );
}
