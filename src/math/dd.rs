//! Double-double ("dd") arithmetic: a value carried as an unevaluated sum `hi + lo` with
//! `|lo| <= ulp(hi) / 2`, giving about 106 bits of precision from f64 operations.
//!
//! The pricer needs it only in a few places: the log-moneyness `x = ln(F/K)` and the
//! standardised distances `d1`, `d2`, `h = x/s` feed `exp(-d^2/2)`, whose relative error is
//! `d^2` times the absolute error of `d`. Carrying those intermediates in dd keeps deep
//! out-of-the-money tails (|d| up to ~38) accurate to a few ulps instead of ~d^2 ulps.
//! The error-free transformations follow Dekker (1971) and Knuth (TAOCP vol. 2, 4.2.2).

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dd {
    pub hi: f64,
    pub lo: f64,
}

/// The double-double arithmetic's lane source (`lanes/lane_dd.rs`) on one lane: the
/// operators below are it, so the vector kernels (which include the same file) form every
/// double-double operation as the scalar code does, by construction.
mod lane {
    // the lane layer's functions the arithmetic does not use
    #![allow(dead_code, unused_macros, unused_imports)]
    include!("../lanes/one_lane_layer.rs");
    include!("../lanes/lane_dd.rs");
}

use lane::{VDd, splat};

#[inline(always)]
fn one(v: lane::V) -> f64 {
    lane::to_array(v)[0]
}

#[inline(always)]
fn to_lane(a: Dd) -> VDd {
    lane::dd(splat(a.hi), splat(a.lo))
}

#[inline(always)]
fn from_lane(a: VDd) -> Dd {
    Dd {
        hi: one(a.hi),
        lo: one(a.lo),
    }
}

/// `a + b` exactly, as `(sum, error)` (Knuth's branch-free TwoSum).
#[inline(always)]
pub fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let (s, e) = lane::two_sum(splat(a), splat(b));
    (one(s), one(e))
}

/// `a * b` exactly, as `(product, error)`, using one fused multiply-add.
#[inline(always)]
pub fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let (p, e) = lane::two_prod(splat(a), splat(b));
    (one(p), one(e))
}

impl Dd {
    pub const fn new(hi: f64, lo: f64) -> Self {
        Dd { hi, lo }
    }

    #[inline(always)]
    pub fn from_f64(x: f64) -> Self {
        Dd { hi: x, lo: 0.0 }
    }

    /// The exact sum of two doubles.
    #[inline(always)]
    pub fn sum(a: f64, b: f64) -> Self {
        from_lane(lane::dd_sum(splat(a), splat(b)))
    }

    /// The exact product of two doubles.
    #[inline(always)]
    pub fn product(a: f64, b: f64) -> Self {
        from_lane(lane::dd_product(splat(a), splat(b)))
    }

    /// `a / b` correct to about 2^-104 relative: the quotient plus the exact remainder's share.
    #[inline(always)]
    pub fn quotient(a: f64, b: f64) -> Self {
        from_lane(lane::dd_quotient(splat(a), splat(b)))
    }

    #[inline(always)]
    pub fn add_f64(self, b: f64) -> Dd {
        from_lane(lane::dd_add_f64(to_lane(self), splat(b)))
    }

    #[inline(always)]
    pub fn mul_f64(self, b: f64) -> Dd {
        from_lane(lane::dd_mul_f64(to_lane(self), splat(b)))
    }

    #[inline(always)]
    pub fn div_f64(self, b: f64) -> Dd {
        self / Dd::from_f64(b)
    }

    #[inline(always)]
    pub fn sqr(self) -> Dd {
        self * self
    }

    /// Square root to about 2^-104 relative (one Newton correction of the rounded root).
    #[inline(always)]
    pub fn sqrt(self) -> Dd {
        if self.hi <= 0.0 {
            return Dd::from_f64(self.hi.sqrt());
        }
        from_lane(lane::dd_sqrt(to_lane(self)))
    }

    #[inline(always)]
    pub fn to_f64(self) -> f64 {
        one(lane::dd_to_f64(to_lane(self)))
    }
}

impl std::ops::Add for Dd {
    type Output = Dd;
    #[inline(always)]
    fn add(self, o: Dd) -> Dd {
        from_lane(lane::dd_add(to_lane(self), to_lane(o)))
    }
}

impl std::ops::Neg for Dd {
    type Output = Dd;
    #[inline(always)]
    fn neg(self) -> Dd {
        from_lane(lane::dd_neg(to_lane(self)))
    }
}

impl std::ops::Sub for Dd {
    type Output = Dd;
    #[inline(always)]
    fn sub(self, o: Dd) -> Dd {
        self + (-o)
    }
}

impl std::ops::Mul for Dd {
    type Output = Dd;
    #[inline(always)]
    fn mul(self, o: Dd) -> Dd {
        from_lane(lane::dd_mul(to_lane(self), to_lane(o)))
    }
}

impl std::ops::Div for Dd {
    type Output = Dd;
    #[inline(always)]
    fn div(self, o: Dd) -> Dd {
        from_lane(lane::dd_div(to_lane(self), to_lane(o)))
    }
}

/// ln 2 as a double-double (hi is the correctly rounded double).
pub const LN_2: Dd = Dd::new(std::f64::consts::LN_2, 2.319_046_813_846_299_6e-17);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_prod_is_exact() {
        let a = 1.0 + f64::EPSILON;
        let b = 1.0 - f64::EPSILON;
        let (p, e) = two_prod(a, b);
        // (1+e)(1-e) = 1 - e^2 exactly
        assert_eq!(p, 1.0);
        assert_eq!(e, -f64::EPSILON * f64::EPSILON);
    }

    #[test]
    fn quotient_recovers_the_remainder() {
        let q = Dd::quotient(1.0, 3.0);
        // 3 * q must reproduce 1 to dd precision
        let back = q.mul_f64(3.0);
        assert!((back.hi - 1.0 + back.lo).abs() < 1e-31);
    }
}
