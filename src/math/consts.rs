//! The constants the elementary functions and their lane forms share (`elementary`,
//! `normal` and `lane1`, which instantiates `lanes/lane_math.rs`): here, below all three, so
//! that `lane1` imports neither of the modules that call it.

use crate::dd::Dd;

pub(crate) const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split so that `n * LN2_HI` is exact for |n| < 2^11.
pub(crate) const LN2_HI: f64 = 0.693_147_180_559_890_3;
pub(crate) const LN2_LO: f64 = 5.497_923_018_708_371e-14;
/// 1/sqrt(pi)
pub const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;
/// 1/sqrt(2) as a double-double
pub(crate) const FRAC_1_SQRT_2: Dd =
    Dd::new(std::f64::consts::FRAC_1_SQRT_2, -4.833_646_656_726_457e-17);

/// `2/(2k+3)` for k = 0 to 9, the coefficients of `R / z`, in pairs for Estrin's scheme.
pub(crate) const ATANH_PAIRS: [[f64; 2]; 5] = [
    [2.0 / 3.0, 2.0 / 5.0],
    [2.0 / 7.0, 2.0 / 9.0],
    [2.0 / 11.0, 2.0 / 13.0],
    [2.0 / 15.0, 2.0 / 17.0],
    [2.0 / 19.0, 2.0 / 21.0],
];
