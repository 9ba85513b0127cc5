//! What a raw SVI slice fit takes and gives (options, inputs, status, result) and the
//! collection of a slice's usable nodes: shared by the raw fit (`fit`) and SSVI (`ssvi`),
//! which `fit` calls as its last resort, so it lives below both (they imported each other).

use super::SviParams;

/// What the least squares compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Objective {
    /// `residual_i = weight_i * (sqrt(w(k_i)/t) - vol_i)`: the market quotes' own units, so
    /// `weight_i = 1/vol_error_i` gives a maximum-likelihood fit and meaningful covariance.
    #[default]
    ImpliedVol,
    /// `residual_i = weight_i * (w(k_i) - vol_i^2 t)`: Zeliade's objective (weights in
    /// total-variance units).
    TotalVariance,
}

/// Options of [`super::fit_svi_slice`] / [`super::fit_svi_many`] (and, for `objective` and `max_iter`,
/// [`super::fit_ssvi`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitOptions {
    pub objective: Objective,
    /// enforce no butterfly arbitrage (`g >= 0`) and Lee's wing bound `b (1 + |rho|) <= 2`
    pub arbitrage_free: bool,
    /// Levenberg-Marquardt iterations per round
    pub max_iter: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        // arbitrage_free = true matches the Python default `surf.fit_svi(arbitrage_free=True)`
        FitOptions {
            objective: Objective::ImpliedVol,
            arbitrage_free: true,
            max_iter: 1000,
        }
    }
}

/// Outcome of a fit. `code()` is stable (for the bindings); `as_str()` a short text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FitStatus {
    /// converged (and, if requested, free of butterfly arbitrage)
    Ok,
    /// Levenberg-Marquardt hit `max_iter`; params are the last iterate
    NotConverged,
    /// arbitrage-free fit requested but no candidate passed `butterfly_arbitrage()`;
    /// params are the best penalised fit
    ArbitrageUnresolved,
    /// fewer than 5 usable nodes (or fewer than 5 distinct k among them); params NaN
    TooFewNodes,
    /// no usable node at all (all vols NaN or all weights NaN/<= 0); params NaN
    AllMissing,
    /// `t` not finite and > 0, slice lengths differ, a usable node with non-finite `k`,
    /// a vol that is infinite or <= 0, or a weight of +inf; params NaN
    InvalidInput,
    /// arbitrage-free fit requested, the penalised raw SVI fit kept some butterfly
    /// arbitrage, and the slice was fitted as an SSVI slice instead (Gatheral & Jacquier's
    /// power law with their sufficient conditions: free of butterfly arbitrage by
    /// construction, confirmed by the scan); params are its raw SVI form. Not a stationary
    /// point of the raw SVI objective: no sensitivity
    SsviSlice,
}

impl FitStatus {
    pub fn code(self) -> i32 {
        match self {
            FitStatus::Ok => 0,
            FitStatus::NotConverged => 1,
            FitStatus::ArbitrageUnresolved => 2,
            FitStatus::TooFewNodes => 3,
            FitStatus::AllMissing => 4,
            FitStatus::InvalidInput => 5,
            FitStatus::SsviSlice => 6,
        }
    }
    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            0 => FitStatus::Ok,
            1 => FitStatus::NotConverged,
            2 => FitStatus::ArbitrageUnresolved,
            3 => FitStatus::TooFewNodes,
            4 => FitStatus::AllMissing,
            5 => FitStatus::InvalidInput,
            6 => FitStatus::SsviSlice,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            FitStatus::Ok => "ok",
            FitStatus::NotConverged => "not converged",
            FitStatus::ArbitrageUnresolved => "butterfly arbitrage unresolved",
            FitStatus::TooFewNodes => "too few nodes",
            FitStatus::AllMissing => "all nodes missing",
            FitStatus::InvalidInput => "invalid input",
            FitStatus::SsviSlice => "fitted as an arbitrage-free SSVI slice",
        }
    }
    /// true when `params` hold a fit (Ok, NotConverged, ArbitrageUnresolved, SsviSlice)
    pub fn has_params(self) -> bool {
        matches!(
            self,
            FitStatus::Ok
                | FitStatus::NotConverged
                | FitStatus::ArbitrageUnresolved
                | FitStatus::SsviSlice
        )
    }
}

impl std::fmt::Display for FitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One smile's market data. A node is skipped when its vol is NaN or its weight is NaN or
/// `<= 0`. `weight: None` means all weights 1.
#[derive(Clone, Copy, Debug)]
pub struct SliceInput<'a> {
    /// log-moneyness `ln(K/F)`
    pub k: &'a [f64],
    /// implied vols
    pub vol: &'a [f64],
    /// per-node weights (`1 / quote error` in the objective's units)
    pub weight: Option<&'a [f64]>,
    /// tenor in years
    pub t: f64,
}

/// The butterfly penalty in force at the end of an arbitrage-free fit (kept so that the
/// sensitivity can differentiate the same objective).
#[derive(Clone, Debug, PartialEq)]
pub struct ArbitragePenalty {
    pub lambda: f64,
    pub eps: f64,
    pub grid: Vec<f64>,
}

/// Result of fitting one slice.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceFit {
    /// NaN fields when not fitted (see `status.has_params()`)
    pub params: SviParams,
    pub status: FitStatus,
    /// weighted RMSE in vol units: `sqrt(sum c_i^2 e_i^2 / sum c_i^2)`, `e_i` = fitted -
    /// observed vol, `c_i` the weights (plain RMSE for equal weights), whatever the objective
    pub rmse: f64,
    /// per input node, in vol units, fitted - observed; NaN for skipped nodes
    pub residuals: Vec<f64>,
    /// usable nodes
    pub n_used: usize,
    /// Levenberg-Marquardt iterations (all rounds)
    pub iterations: usize,
    /// `Some` when the fit was arbitrage-free and its last round had a butterfly penalty
    pub penalty: Option<ArbitragePenalty>,
}

impl SliceFit {
    pub(crate) fn failed(n: usize, status: FitStatus, n_used: usize) -> Self {
        SliceFit {
            params: SviParams::nan(),
            status,
            rmse: f64::NAN,
            residuals: vec![f64::NAN; n],
            n_used,
            iterations: 0,
            penalty: None,
        }
    }
}

pub(crate) const SIGMA_MIN: f64 = 1e-6;
pub(crate) const RHO_MAX: f64 = 1.0 - 1e-6;
/// Lee's bound on the wing slopes of total variance
pub(crate) const WING_MAX: f64 = 2.0;
const MIN_NODES: usize = 5;

/// The usable nodes of a slice.
#[derive(Clone, Debug)]
pub(crate) struct Nodes {
    pub k: Vec<f64>,
    pub v: Vec<f64>,
    pub c: Vec<f64>,
    /// input index of each usable node
    pub idx: Vec<usize>,
    pub t: f64,
    pub kmin: f64,
    pub kmax: f64,
}

/// Validate and collect the usable nodes (see [`FitStatus`] for the rules).
pub(crate) fn collect_nodes(input: &SliceInput) -> Result<Nodes, (FitStatus, usize)> {
    collect_nodes_min(input, MIN_NODES)
}

/// As [`collect_nodes`] with `min_nodes` usable (and distinct-k) nodes required.
pub(crate) fn collect_nodes_min(
    input: &SliceInput,
    min_nodes: usize,
) -> Result<Nodes, (FitStatus, usize)> {
    let n = input.k.len();
    if input.vol.len() != n || input.weight.is_some_and(|w| w.len() != n) {
        return Err((FitStatus::InvalidInput, 0));
    }
    if !(input.t > 0.0 && input.t.is_finite()) {
        return Err((FitStatus::InvalidInput, 0));
    }
    let mut nodes = Nodes {
        k: Vec::with_capacity(n),
        v: Vec::with_capacity(n),
        c: Vec::with_capacity(n),
        idx: Vec::with_capacity(n),
        t: input.t,
        kmin: f64::INFINITY,
        kmax: f64::NEG_INFINITY,
    };
    for i in 0..n {
        let v = input.vol[i];
        let c = input.weight.map_or(1.0, |w| w[i]);
        if v.is_nan() || c.is_nan() || c <= 0.0 {
            continue;
        }
        let k = input.k[i];
        if !k.is_finite() || !(v > 0.0) || !v.is_finite() || !c.is_finite() {
            return Err((FitStatus::InvalidInput, 0));
        }
        nodes.k.push(k);
        nodes.v.push(v);
        nodes.c.push(c);
        nodes.idx.push(i);
        nodes.kmin = nodes.kmin.min(k);
        nodes.kmax = nodes.kmax.max(k);
    }
    let used = nodes.k.len();
    if used == 0 {
        return Err((FitStatus::AllMissing, 0));
    }
    let mut ks = nodes.k.clone();
    ks.sort_by(|a, b| a.total_cmp(b));
    ks.dedup();
    if used < min_nodes || ks.len() < min_nodes {
        return Err((FitStatus::TooFewNodes, used));
    }
    Ok(nodes)
}
