//! An implied-volatility surface: one vol per (tenor, strike) node, interpolated between.
//!
//! Interpolation, as a researcher fitting surfaces expects it:
//! - along strike, at a fixed tenor: linear in vol against log-moneyness `y = ln(K / F(T))`
//!   between the neighbouring valid nodes (never overshoots them), flat beyond the first and
//!   last valid node;
//! - along tenor, at a fixed log-moneyness: linear in total variance `w = sigma^2 T`
//!   between the neighbouring tenors that have any valid node; constant vol before the first
//!   and after the last;
//! - a node is reproduced exactly, and a missing (NaN) node is skipped.

pub mod svi;

use ndarray::{Array2, ArrayD, ArrayView1, ArrayView2, Axis, arr0};
use ndarray_stats::QuantileExt;

use crate::batch::{self, BsmArrays, Greek, ImpliedArrays};
use crate::error::{PricingError, Result, format_index};

#[derive(Clone, Debug, PartialEq)]
pub struct Surface {
    spot: f64,
    r: f64,
    /// the dividend yield: one value for every tenor, or one per tenor (a forward per
    /// expiry, as a chain's put-call parity gives it)
    q: Vec<f64>,
    strikes: Vec<f64>,
    tenors: Vec<f64>,
    /// shape (tenors, strikes)
    vols: Array2<f64>,
    /// ln(K_i / F(T_j)) per node, the smile's abscissa
    log_moneyness: Array2<f64>,
    /// per tenor, the strike indices of its valid (non-NaN) nodes
    valid: Vec<Vec<usize>>,
    /// tenors with at least one valid node
    live_tenors: Vec<usize>,
}

/// Offending nodes of an arbitrage check, as (tenor index, strike index).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArbitrageReport {
    /// total variance falls from the previous tenor at the node's log-moneyness
    pub calendar: Vec<(usize, usize)>,
    /// the node's call price lies above the chord of its neighbours (not convex in strike)
    pub butterfly: Vec<(usize, usize)>,
    /// the call price rises from the previous strike, or falls faster than the discounted
    /// strike step
    pub vertical: Vec<(usize, usize)>,
}

fn invalid(msg: String) -> PricingError {
    PricingError::InvalidArgument(msg)
}

fn check_axis(name: &str, axis: &[f64]) -> Result<()> {
    if axis.is_empty() {
        return Err(invalid(format!("{name} must not be empty")));
    }
    for (i, &v) in axis.iter().enumerate() {
        if !(v > 0.0 && v.is_finite()) {
            return Err(invalid(format!(
                "{name}[{i}] = {v:?}: {name} must be finite and > 0"
            )));
        }
        if i > 0 && v <= axis[i - 1] {
            return Err(invalid(format!(
                "{name}[{i}] = {v:?} <= {name}[{}] = {:?}: {name} must be strictly increasing",
                i - 1,
                axis[i - 1]
            )));
        }
    }
    Ok(())
}

impl Surface {
    /// Validate and build. `vols` has shape `(tenors.len(), strikes.len())`; NaN marks a
    /// missing node.
    pub fn new(
        spot: f64,
        strikes: ArrayView1<f64>,
        tenors: ArrayView1<f64>,
        vols: ArrayView2<f64>,
        r: f64,
        q: &[f64],
    ) -> Result<Surface> {
        if !(spot > 0.0 && spot.is_finite()) {
            return Err(invalid(format!(
                "spot = {spot:?}: spot must be finite and > 0"
            )));
        }
        if !r.is_finite() {
            return Err(invalid(format!("r = {r:?}: r must be finite")));
        }
        let strikes: Vec<f64> = strikes.iter().copied().collect();
        let tenors: Vec<f64> = tenors.iter().copied().collect();
        check_axis("strikes", &strikes)?;
        check_axis("tenors", &tenors)?;
        if q.len() != 1 && q.len() != tenors.len() {
            return Err(invalid(format!(
                "q has {} values: one for every tenor, or one per tenor ({})",
                q.len(),
                tenors.len()
            )));
        }
        if let Some((j, v)) = q.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(PricingError::OutOfDomain {
                name: "q",
                index: if q.len() == 1 {
                    String::new()
                } else {
                    format!("[{j}]")
                },
                value: *v,
                rule: "finite",
            });
        }
        let q = q.to_vec();
        let want = (tenors.len(), strikes.len());
        if vols.dim() != want {
            return Err(invalid(format!(
                "vols has shape ({}, {}), but (len(tenors), len(strikes)) is ({}, {})",
                vols.nrows(),
                vols.ncols(),
                want.0,
                want.1
            )));
        }
        for (flat, &v) in vols.iter().enumerate() {
            if v.is_nan() {
                continue;
            }
            if !(v > 0.0 && v.is_finite()) {
                return Err(PricingError::OutOfDomain {
                    name: "vols",
                    index: format_index(&[want.0, want.1], flat),
                    value: v,
                    rule: "finite and > 0 (NaN marks a missing node)",
                });
            }
        }
        let vols = vols.to_owned();
        let mut log_moneyness = Array2::zeros(want);
        for (j, &t) in tenors.iter().enumerate() {
            let f = forward(spot, r, q[if q.len() == 1 { 0 } else { j }], t);
            for (i, &k) in strikes.iter().enumerate() {
                log_moneyness[[j, i]] = (k / f).ln();
            }
        }
        let valid: Vec<Vec<usize>> = (0..tenors.len())
            .map(|j| {
                (0..strikes.len())
                    .filter(|&i| !vols[[j, i]].is_nan())
                    .collect()
            })
            .collect();
        let live_tenors = (0..tenors.len())
            .filter(|&j| !valid[j].is_empty())
            .collect();
        Ok(Surface {
            spot,
            r,
            q,
            strikes,
            tenors,
            vols,
            log_moneyness,
            valid,
            live_tenors,
        })
    }

    pub fn spot(&self) -> f64 {
        self.spot
    }
    pub fn r(&self) -> f64 {
        self.r
    }
    /// The dividend yield: one value, or one per tenor.
    pub fn q(&self) -> &[f64] {
        &self.q
    }
    /// The dividend yield of tenor `j`.
    pub fn q_of(&self, j: usize) -> f64 {
        self.q[if self.q.len() == 1 { 0 } else { j }]
    }
    /// The dividend yield at any time: per-tenor yields interpolated linearly in the
    /// accrued dividend `q t` (the logarithm of the forward), flat beyond the first and last
    /// tenor; the tenor's own value at a tenor.
    pub fn q_at(&self, t: f64) -> f64 {
        if self.q.len() == 1 || t.is_nan() {
            return self.q[0];
        }
        let ts = &self.tenors;
        let last = ts.len() - 1;
        if t <= ts[0] {
            return self.q[0];
        }
        if t >= ts[last] {
            return self.q[last];
        }
        let pos = ts.partition_point(|&x| x < t);
        if ts[pos] == t {
            return self.q[pos];
        }
        let (t0, t1) = (ts[pos - 1], ts[pos]);
        let (a0, a1) = (self.q[pos - 1] * t0, self.q[pos] * t1);
        (a0 + (a1 - a0) * (t - t0) / (t1 - t0)) / t
    }
    pub fn strikes(&self) -> &[f64] {
        &self.strikes
    }
    pub fn tenors(&self) -> &[f64] {
        &self.tenors
    }
    pub fn vols(&self) -> ArrayView2<'_, f64> {
        self.vols.view()
    }

    /// A surface with other vols (same axes, spot and rates): validated as a new one.
    pub fn with_vols(&self, vols: ArrayView2<f64>) -> Result<Surface> {
        Surface::new(
            self.spot,
            ArrayView1::from(&self.strikes[..]),
            ArrayView1::from(&self.tenors[..]),
            vols,
            self.r,
            &self.q,
        )
    }

    /// The same vols at each strike under another spot (sticky strike).
    pub fn with_spot(&self, spot: f64) -> Result<Surface> {
        Surface::new(
            spot,
            ArrayView1::from(&self.strikes[..]),
            ArrayView1::from(&self.tenors[..]),
            self.vols.view(),
            self.r,
            &self.q,
        )
    }

    pub fn forward(&self, t: f64) -> f64 {
        forward(self.spot, self.r, self.q_at(t), t)
    }

    /// The forward of each tenor.
    pub fn forwards(&self) -> Vec<f64> {
        (0..self.tenors.len())
            .map(|j| forward(self.spot, self.r, self.q_of(j), self.tenors[j]))
            .collect()
    }

    /// `ln(K/F)` of every node, shape (tenors, strikes).
    pub fn log_moneyness(&self) -> ArrayView2<'_, f64> {
        self.log_moneyness.view()
    }

    /// The vol of tenor `j`'s smile at log-moneyness `y` (NaN when the tenor has no node).
    fn smile(&self, j: usize, y: f64) -> f64 {
        if y.is_nan() {
            return f64::NAN;
        }
        let nodes = &self.valid[j];
        let (Some(&first), Some(&last)) = (nodes.first(), nodes.last()) else {
            return f64::NAN;
        };
        let ys = self.log_moneyness.row(j);
        let vols = self.vols.row(j);
        if y <= ys[first] {
            return vols[first];
        }
        if y >= ys[last] {
            return vols[last];
        }
        // the first valid node at or beyond y
        let pos = nodes.partition_point(|&i| ys[i] < y);
        let (hi, lo) = (nodes[pos], nodes[pos - 1]);
        if ys[hi] == y {
            return vols[hi];
        }
        let w = (y - ys[lo]) / (ys[hi] - ys[lo]);
        vols[lo] + (vols[hi] - vols[lo]) * w
    }

    /// Interpolated vol at strike `k` and time `t` (see the module notes).
    pub fn vol_at(&self, k: f64, t: f64) -> f64 {
        if k.is_nan() || t.is_nan() || self.live_tenors.is_empty() {
            return f64::NAN;
        }
        let y = (k / self.forward(t)).ln();
        let live = &self.live_tenors;
        let first = live[0];
        let last = live[live.len() - 1];
        if t <= self.tenors[first] {
            return self.smile(first, y);
        }
        if t >= self.tenors[last] {
            return self.smile(last, y);
        }
        let pos = live.partition_point(|&j| self.tenors[j] < t);
        let (j1, j0) = (live[pos], live[pos - 1]);
        if self.tenors[j1] == t {
            return self.smile(j1, y);
        }
        let (t0, t1) = (self.tenors[j0], self.tenors[j1]);
        let (v0, v1) = (self.smile(j0, y), self.smile(j1, y));
        let (w0, w1) = (v0 * v0 * t0, v1 * v1 * t1);
        let w = w0 + (w1 - w0) * (t - t0) / (t1 - t0);
        (w / t).sqrt()
    }

    /// The nodes as broadcast engine inputs (shape `(tenors, strikes)`): spot, r and q from
    /// `consts` (`node_consts`), strikes along the last axis, tenors down, the node vols (or
    /// `vols`), the kind from `call` (+1 call, -1 put; a scalar or a grid).
    fn node_arrays<'a>(
        &'a self,
        consts: &'a [ArrayD<f64>; 3],
        vols: ArrayView2<'a, f64>,
        call: ndarray::ArrayViewD<'a, f64>,
    ) -> BsmArrays<'a> {
        BsmArrays {
            s: consts[0].view(),
            k: ArrayView1::from(&self.strikes[..])
                .insert_axis(Axis(0))
                .into_dyn(),
            r: consts[1].view(),
            q: consts[2].view(),
            sigma: vols.into_dyn(),
            t: ArrayView1::from(&self.tenors[..])
                .insert_axis(Axis(1))
                .into_dyn(),
            call,
        }
    }

    fn node_consts(&self) -> [ArrayD<f64>; 3] {
        [
            arr0(self.spot).into_dyn(),
            arr0(self.r).into_dyn(),
            if self.q.len() == 1 {
                arr0(self.q[0]).into_dyn()
            } else {
                // one per tenor, down the grid's first axis
                ndarray::Array1::from(self.q.clone())
                    .insert_axis(Axis(1))
                    .into_dyn()
            },
        ]
    }

    fn shape(&self) -> [usize; 2] {
        [self.tenors.len(), self.strikes.len()]
    }

    /// A grid of the surface's shape filled by `fill` (a batch call on the nodes). The nodes'
    /// inputs were validated when the surface was built and NaN vols give NaN, so `fill`
    /// cannot fail; were it to, the grid is NaN rather than a panic.
    fn node_grid(&self, fill: impl FnOnce(&[usize], &mut [f64]) -> Result<()>) -> Array2<f64> {
        let shape = self.shape();
        let mut out = vec![0.0; shape[0] * shape[1]];
        if fill(&shape, &mut out).is_err() {
            out.fill(f64::NAN);
        }
        Array2::from_shape_vec(shape, out).unwrap_or_else(|_| Array2::from_elem(shape, f64::NAN))
    }

    /// Price of each node's option (`call` +-1 per node or for all), NaN at missing nodes,
    /// by the vector kernels on the pool (bit for bit `bsm_price` node by node).
    fn node_prices(&self, call: ndarray::ArrayViewD<f64>) -> Array2<f64> {
        let consts = self.node_consts();
        let arrays = self.node_arrays(&consts, self.vols.view(), call);
        self.node_grid(|shape, out| {
            batch::price_into(&arrays, shape, out, true, batch::Check::InPass)
        })
    }

    /// Calendar, butterfly and vertical-spread violations, node by node.
    pub fn check_arbitrage(&self) -> ArbitrageReport {
        let mut report = ArbitrageReport::default();
        // rounding allowances: relative for variances, for prices a tiny fraction of their
        // level: spot, or the discounted forward S e^{-qt} (the calls' bound) where that is
        // larger (with q = -0.3 and t = 50 call prices are 3e6 spot, their roundings far
        // above a fraction of spot: a flat surface showed 138 butterflies)
        let var_tol = 1e-12;
        for pair in self.live_tenors.windows(2) {
            let (j0, j1) = (pair[0], pair[1]);
            for &i in &self.valid[j1] {
                let y = self.log_moneyness[[j1, i]];
                let v0 = self.smile(j0, y);
                let w0 = v0 * v0 * self.tenors[j0];
                let v1 = self.vols[[j1, i]];
                let w1 = v1 * v1 * self.tenors[j1];
                if w1 < w0 * (1.0 - var_tol) {
                    report.calendar.push((j1, i));
                }
            }
        }
        let all_calls = self.node_prices(arr0(1.0).into_dyn().view());
        for j in 0..self.tenors.len() {
            let nodes = &self.valid[j];
            let calls: Vec<f64> = nodes.iter().map(|&i| all_calls[[j, i]]).collect();
            let discount = (-self.r * self.tenors[j]).exp();
            let level = self.spot * (-self.q_of(j) * self.tenors[j]).exp().max(1.0);
            let price_tol = 1e-11 * level;
            for m in 1..nodes.len() {
                let (a, b) = (nodes[m - 1], nodes[m]);
                let (ca, cb) = (calls[m - 1], calls[m]);
                let step = discount * (self.strikes[b] - self.strikes[a]);
                if cb > ca + price_tol || ca - cb > step + price_tol {
                    report.vertical.push((j, b));
                }
            }
            for m in 1..nodes.len().saturating_sub(1) {
                let (a, i, b) = (nodes[m - 1], nodes[m], nodes[m + 1]);
                let (ka, ki, kb) = (self.strikes[a], self.strikes[i], self.strikes[b]);
                let chord = ((kb - ki) * calls[m - 1] + (ki - ka) * calls[m + 1]) / (kb - ka);
                if calls[m] > chord + price_tol {
                    report.butterfly.push((j, i));
                }
            }
        }
        report
    }
}

/// Per-tenor statistics of a grid of node values (vols, or vol errors).
#[derive(Clone, Debug, PartialEq)]
pub struct Description {
    pub tenor: Vec<f64>,
    pub forward: Vec<f64>,
    /// the grid's smile at the forward (log-moneyness 0), interpolated
    pub atm: Vec<f64>,
    /// d value / d log-moneyness at the forward, from the interpolant
    pub skew: Vec<f64>,
    pub min: Vec<f64>,
    pub max: Vec<f64>,
    pub mean: Vec<f64>,
    /// one row per tenor, one column per requested quantile
    pub quantiles: Array2<f64>,
    pub missing: Vec<usize>,
}

/// The `q` quantile of sorted values by the linear method (numpy's default), in plain f64.
fn linear_quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lower = pos.floor() as usize;
    let higher = (lower + 1).min(sorted.len() - 1);
    let fraction = pos - lower as f64;
    if fraction == 0.0 {
        return sorted[lower]; // on a value: no interpolation (and no inf - inf)
    }
    let (a, b) = (sorted[lower], sorted[higher]);
    let diff = b - a;
    if fraction >= 0.5 && diff.is_finite() {
        b - diff * (1.0 - fraction) // numpy's lerp from the nearer end, bit for bit
    } else {
        a + diff * fraction
    }
}

/// Value and slope at `y` of the piecewise-linear line through `(ys[i], values[i])` for the
/// node indices `nodes` (increasing ys), flat beyond its ends. At a node the slope is the
/// mean of the two neighbouring segments'. NaN when there is no node.
fn line_at(ys: ArrayView1<f64>, values: ArrayView1<f64>, nodes: &[usize], y: f64) -> (f64, f64) {
    let (Some(&first), Some(&last)) = (nodes.first(), nodes.last()) else {
        return (f64::NAN, f64::NAN);
    };
    if y.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if y < ys[first] || nodes.len() == 1 {
        return (values[first], 0.0);
    }
    if y > ys[last] {
        return (values[last], 0.0);
    }
    let slope = |a: usize, b: usize| (values[b] - values[a]) / (ys[b] - ys[a]);
    let pos = nodes.partition_point(|&i| ys[i] < y);
    let hi = nodes[pos];
    if ys[hi] == y {
        let left = if pos > 0 {
            Some(slope(nodes[pos - 1], hi))
        } else {
            None
        };
        let right = if pos + 1 < nodes.len() {
            Some(slope(hi, nodes[pos + 1]))
        } else {
            None
        };
        let s = match (left, right) {
            (Some(l), Some(r)) => 0.5 * (l + r),
            (Some(v), None) | (None, Some(v)) => v,
            (None, None) => 0.0,
        };
        return (values[hi], s);
    }
    let lo = nodes[pos - 1];
    let w = (y - ys[lo]) / (ys[hi] - ys[lo]);
    (values[lo] + (values[hi] - values[lo]) * w, slope(lo, hi))
}

impl Surface {
    /// The statistics of `grid` (shape of the surface) per tenor: extrema (ndarray-stats),
    /// mean and quantiles (numpy's linear method) over its non-NaN nodes, and its
    /// smile's value and slope at the forward. A tenor with no valid node gets NaN.
    pub fn describe_grid(&self, grid: ArrayView2<f64>, quantiles: &[f64]) -> Result<Description> {
        for &q in quantiles {
            if !(0.0..=1.0).contains(&q) {
                return Err(invalid(format!("quantiles: {q:?} is not in [0, 1]")));
            }
        }
        let (nt, nk) = (self.tenors.len(), self.strikes.len());
        if grid.dim() != (nt, nk) {
            return Err(invalid(format!(
                "grid has shape {:?}, the surface ({nt}, {nk})",
                grid.dim()
            )));
        }
        // each row's valid values sorted once, every quantile read off them: ndarray-stats'
        // quantile_axis_skipnan_mut selects by a quickselect that recurses once per value
        // equal to its pivot (rust-ndarray/ndarray-stats#86), so a flat smile took quadratic
        // time (a 40,000-strike one ~1 s) and from ~50,000 equal values overflowed the stack
        let mut table = Array2::from_elem((nt, quantiles.len()), f64::NAN);
        let mut valid = Vec::with_capacity(nk);
        for (j, row) in grid.rows().into_iter().enumerate() {
            valid.clear();
            valid.extend(row.iter().copied().filter(|v| !v.is_nan()));
            valid.sort_unstable_by(f64::total_cmp);
            for (c, &q) in quantiles.iter().enumerate() {
                table[[j, c]] = linear_quantile(&valid, q);
            }
        }
        let mut d = Description {
            tenor: self.tenors.clone(),
            forward: self.tenors.iter().map(|&t| self.forward(t)).collect(),
            atm: Vec::with_capacity(nt),
            skew: Vec::with_capacity(nt),
            min: Vec::with_capacity(nt),
            max: Vec::with_capacity(nt),
            mean: Vec::with_capacity(nt),
            quantiles: table,
            missing: Vec::with_capacity(nt),
        };
        for (j, row) in grid.rows().into_iter().enumerate() {
            let nodes: Vec<usize> = (0..nk).filter(|&i| !row[i].is_nan()).collect();
            let (atm, skew) = line_at(self.log_moneyness.row(j), row, &nodes, 0.0);
            d.atm.push(atm);
            d.skew.push(skew);
            d.missing.push(nk - nodes.len());
            if nodes.is_empty() {
                d.min.push(f64::NAN);
                d.max.push(f64::NAN);
                d.mean.push(f64::NAN);
            } else {
                d.min.push(*row.min_skipnan());
                d.max.push(*row.max_skipnan());
                d.mean
                    .push(nodes.iter().map(|&i| row[i]).sum::<f64>() / nodes.len() as f64);
            }
        }
        Ok(d)
    }

    /// First-order implied-vol uncertainty `price_error / vega` per node (NaN at missing
    /// nodes; vega is the same for calls and puts), vega by the vector kernels on the pool.
    pub fn vol_error_first_order(&self, price_error: ArrayView2<f64>) -> Array2<f64> {
        let consts = self.node_consts();
        let call = arr0(1.0).into_dyn();
        let arrays = self.node_arrays(&consts, self.vols.view(), call.view());
        let vega = self.node_grid(|shape, out| {
            batch::greeks_into(
                &arrays,
                shape,
                &[Greek::Vega],
                &mut [out],
                true,
                batch::Check::InPass,
            )
        });
        &price_error / &vega
    }

    /// Half the width of the vols that reproduce each node's price moved down and up by its
    /// error (NaN where either moved price is unattainable). `is_call` per node. Prices and
    /// both inversions by the vector kernels on the pool.
    pub fn vol_error_exact(
        &self,
        price_error: ArrayView2<f64>,
        is_call: ArrayView2<bool>,
    ) -> Array2<f64> {
        let call = is_call.mapv(|c| if c { 1.0 } else { -1.0 }).into_dyn();
        let prices = self.node_prices(call.view());
        let consts = self.node_consts();
        let nodes = self.node_arrays(&consts, self.vols.view(), call.view());
        let invert = |moved: Array2<f64>| {
            let arrays = ImpliedArrays {
                price: moved.view().into_dyn(),
                s: nodes.s.clone(),
                k: nodes.k.clone(),
                r: nodes.r.clone(),
                q: nodes.q.clone(),
                t: nodes.t.clone(),
                call: nodes.call.clone(),
            };
            self.node_grid(|shape, out| batch::implied_vol_into(&arrays, shape, out, true))
        };
        let up = invert(&prices + &price_error);
        let down = invert(&prices - &price_error);
        ndarray::Zip::from(&up)
            .and(&down)
            .map_collect(|&u, &d| 0.5 * (u - d).abs())
    }
}

fn forward(spot: f64, r: f64, q: f64, t: f64) -> f64 {
    spot * ((r - q) * t).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, array};

    fn flat(vol: f64) -> Surface {
        let strikes = Array1::linspace(80.0, 120.0, 9);
        let tenors = array![0.25, 0.5, 1.0, 2.0];
        let vols = Array2::from_elem((4, 9), vol);
        Surface::new(
            100.0,
            strikes.view(),
            tenors.view(),
            vols.view(),
            0.02,
            &[0.01],
        )
        .unwrap()
    }

    #[test]
    fn nodes_are_reproduced_exactly() {
        let strikes = Array1::linspace(80.0, 120.0, 9);
        let tenors = array![0.25, 0.5, 1.0, 2.0];
        let vols =
            Array2::from_shape_fn((4, 9), |(j, i)| 0.15 + 0.01 * i as f64 + 0.003 * j as f64);
        let s = Surface::new(
            100.0,
            strikes.view(),
            tenors.view(),
            vols.view(),
            0.02,
            &[0.01],
        )
        .unwrap();
        for (j, &t) in tenors.iter().enumerate() {
            for (i, &k) in strikes.iter().enumerate() {
                assert_eq!(s.vol_at(k, t), vols[[j, i]]);
            }
        }
    }

    #[test]
    fn flat_surface_is_flat_everywhere() {
        let s = flat(0.2);
        for &(k, t) in &[(50.0, 0.1), (99.0, 0.3), (130.0, 1.5), (100.0, 5.0)] {
            assert!((s.vol_at(k, t) - 0.2).abs() < 1e-15, "{k} {t}");
        }
    }

    #[test]
    fn missing_nodes_are_skipped() {
        let mut s = flat(0.2);
        let mut vols = s.vols.clone();
        vols[[1, 4]] = f64::NAN;
        vols[[1, 3]] = 0.3;
        vols[[1, 5]] = 0.3;
        s = s.with_vols(vols.view()).unwrap();
        // at the missing node: linear between its valid neighbours, both 0.3
        assert!((s.vol_at(100.0, 0.5) - 0.3).abs() < 1e-15);
    }

    #[test]
    fn validation_messages() {
        let strikes = array![100.0, 90.0];
        let tenors = array![1.0];
        let vols = array![[0.2, 0.2]];
        let e = Surface::new(
            100.0,
            strikes.view(),
            tenors.view(),
            vols.view(),
            0.0,
            &[0.0],
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("strikes must be strictly increasing"),
            "{e}"
        );
        let strikes = array![90.0, 100.0];
        let vols = array![[0.2, -0.1]];
        let e = Surface::new(
            100.0,
            strikes.view(),
            tenors.view(),
            vols.view(),
            0.0,
            &[0.0],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "vols[0, 1] = -0.1: vols must be finite and > 0 (NaN marks a missing node)"
        );
    }

    #[test]
    fn describe_skips_missing_nodes_and_empty_tenors() {
        let mut vols =
            Array2::from_shape_fn((4, 9), |(j, i)| 0.15 + 0.01 * i as f64 + 0.001 * j as f64);
        vols[[0, 2]] = f64::NAN;
        vols.row_mut(3).fill(f64::NAN);
        let s = flat(0.2).with_vols(vols.view()).unwrap();
        let d = s.describe_grid(vols.view(), &[0.0, 0.5, 1.0]).unwrap();
        assert_eq!(d.missing, vec![1, 0, 0, 9]);
        assert_eq!(d.min[1], vols[[1, 0]]);
        assert_eq!(d.max[1], vols[[1, 8]]);
        assert!((d.mean[1] - vols[[1, 4]]).abs() < 1e-15);
        assert_eq!(d.quantiles[[1, 1]], vols[[1, 4]]);
        assert!(d.min[3].is_nan() && d.mean[3].is_nan() && d.quantiles[[3, 0]].is_nan());
        // a smile linear in strike: the skew is its slope in log-moneyness, positive
        assert!(d.skew[1] > 0.0 && d.atm[1] > 0.15);
        assert!(s.describe_grid(vols.view(), &[1.5]).is_err());
    }

    #[test]
    fn infinite_values_do_not_panic_the_quantiles() {
        // a vol error of +inf where vega underflowed must not panic ndarray-stats; on an
        // infinite value itself the quantile is that value (numpy's lerp gives NaN there)
        let s = flat(0.2);
        let mut grid = Array2::from_elem((4, 9), 0.01);
        grid[[0, 8]] = f64::INFINITY;
        grid[[1, 7]] = f64::INFINITY;
        grid[[1, 8]] = f64::INFINITY;
        let d = s.describe_grid(grid.view(), &[0.0, 0.5, 1.0]).unwrap();
        assert_eq!(d.quantiles[[0, 2]], f64::INFINITY);
        assert_eq!(d.quantiles[[1, 2]], f64::INFINITY);
        assert_eq!(d.quantiles[[0, 1]], 0.01);
        assert_eq!(d.max[0], f64::INFINITY);
        assert_eq!(d.quantiles[[2, 1]], 0.01);
    }

    #[test]
    fn many_equal_values_neither_overflow_the_stack_nor_take_quadratic_time() {
        // ndarray-stats' quickselect recursed once per equal value: a flat 60,000-strike
        // smile crashed the process on an 8 MB stack, 2,000 on a 256 KB one
        let n = 100_000;
        let strikes: Vec<f64> = (1..=n).map(|i| i as f64).collect();
        let surface = Surface::new(
            50_000.0,
            ArrayView1::from(&strikes[..]),
            ArrayView1::from(&[0.5][..]),
            Array2::from_elem((1, n), 0.2).view(),
            0.0,
            &[0.0],
        )
        .unwrap();
        let d = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let mut grid = Array2::from_elem((1, n), 0.2);
                grid[[0, 7]] = 0.1; // two values: quantiles interpolate between them
                surface.describe_grid(grid.view(), &[0.0, 1e-5, 0.5, 1.0])
            })
            .unwrap()
            .join()
            .unwrap()
            .unwrap();
        let want = [0.1, 0.1 + 0.1 * (1e-5 * (n - 1) as f64), 0.2, 0.2];
        for (got, want) in d.quantiles.row(0).iter().zip(want) {
            assert!((got - want).abs() <= 1e-15, "{got} {want}");
        }
    }

    #[test]
    fn nan_queries_give_nan() {
        let s = flat(0.2);
        assert!(s.vol_at(-1.0, 1.0).is_nan());
        assert!(s.vol_at(f64::NAN, 1.0).is_nan());
    }

    #[test]
    fn clean_surface_has_no_arbitrage() {
        assert_eq!(flat(0.2).check_arbitrage(), ArbitrageReport::default());
    }
}
