//! Where each form of the price holds: the thresholds that send a contract from the exact
//! kernel's common path (`lanes/lane_exact.rs`, whose one-lane instance is the scalar
//! code's) to `black`'s guarded paths. Below both, so that neither imports the other.

/// Below this total volatility `sigma sqrt(t)` the time value is under 1e-290 of the price
/// and `h = x/s` would overflow: the option is priced at its intrinsic value.
pub(crate) const VANISHING_TOTAL_VOL: f64 = 1e-290;

/// The price is `scale * value` only while both factors stay well inside the double range:
/// `scale = sqrt(S K) e^{-(r+q)t/2}` within `2^-900 .. 2^900` ...
pub(crate) const FAR_SCALE: [f64; 2] = [
    f64::from_bits((1023 - 900) << 52),
    f64::from_bits((1023 + 900) << 52),
];
/// ... an in-the-money `|x|` at most this (`2 sinh(|x|/2)` overflows near 1,420) ...
pub(crate) const FAR_LOG_MONEYNESS: f64 = 1400.0;
/// ... and an out-of-the-money gaussian exponent `-(h^2 + tau^2)/2` above this (below it
/// the factor is scaled for the greeks, and the price would round into the subnormal
/// range, or to 0, before the scale brings it back). Beyond these `price_far` answers.
pub(crate) const FAR_EXPONENT: f64 = -700.0;

/// Where the gaussian factor is kept scaled (`Setup::gaussian_factor_scaled`: an exponent
/// at or below `FAR_EXPONENT`, `unscale = 2^-1000`), the closed forms of `bsm_greeks_exact`
/// still hold every product in the normal range, and round once at the final `* unscale`,
/// when spot, strike, time, vol and total vol lie in `MODERATE` (a product of four such
/// factors stays within `2^+-240`), the scale in `MODERATE_SCALE`, `|d1|`, `|d2|` and the
/// charm numerator under `MODERATE[1]` (and the legs as everywhere, `leg_in_range`). Where
/// the scaled factor itself is 0, every greek built on it is below
/// `2^100 2^-2075 2^240`, 0 as well. Such contracts (a deep in-the-money option with a day
/// to run, a vol of 1e-5) went to `greeks_far`, 14-30 times a common one.
pub(crate) const MODERATE: [f64; 2] = [
    f64::from_bits((1023 - 60) << 52),
    f64::from_bits((1023 + 60) << 52),
];
pub(crate) const MODERATE_SCALE: [f64; 2] = [
    f64::from_bits((1023 - 100) << 52),
    f64::from_bits((1023 + 100) << 52),
];

/// `leg_in_range`'s bound on the factors of a subnormal or vanished `Phi`: 2^50.
pub(crate) const LEG_FACTOR: f64 = f64::from_bits((1023 + 50) << 52);
