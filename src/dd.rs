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

/// `a + b` exactly, as `(sum, error)` (Knuth's branch-free TwoSum).
#[inline(always)]
pub fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `a * b` exactly, as `(product, error)`, using one fused multiply-add.
#[inline(always)]
pub fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

impl Dd {
    pub const fn new(hi: f64, lo: f64) -> Self {
        Dd { hi, lo }
    }

    #[inline(always)]
    pub fn from_f64(x: f64) -> Self {
        Dd { hi: x, lo: 0.0 }
    }

    #[inline(always)]
    fn renormalise(hi: f64, lo: f64) -> Self {
        let s = hi + lo;
        Dd {
            hi: s,
            lo: lo - (s - hi),
        }
    }

    /// The exact sum of two doubles.
    #[inline(always)]
    pub fn sum(a: f64, b: f64) -> Self {
        let (hi, lo) = two_sum(a, b);
        Dd { hi, lo }
    }

    /// The exact product of two doubles.
    #[inline(always)]
    pub fn product(a: f64, b: f64) -> Self {
        let (hi, lo) = two_prod(a, b);
        Dd { hi, lo }
    }

    /// `a / b` correct to about 2^-104 relative: the quotient plus the exact remainder's share.
    #[inline(always)]
    pub fn quotient(a: f64, b: f64) -> Self {
        let q = a / b;
        let rem = (-q).mul_add(b, a);
        Dd::renormalise(q, rem / b)
    }

    #[inline(always)]
    pub fn add_f64(self, b: f64) -> Dd {
        let (s, e) = two_sum(self.hi, b);
        Dd::renormalise(s, e + self.lo)
    }

    #[inline(always)]
    pub fn mul_f64(self, b: f64) -> Dd {
        let (p, e) = two_prod(self.hi, b);
        Dd::renormalise(p, self.lo.mul_add(b, e))
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
        let r = self.hi.sqrt();
        let rem = self - Dd::product(r, r);
        Dd::renormalise(r, rem.hi / (2.0 * r))
    }

    #[inline(always)]
    pub fn to_f64(self) -> f64 {
        self.hi + self.lo
    }
}

impl std::ops::Add for Dd {
    type Output = Dd;
    #[inline(always)]
    fn add(self, o: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, o.hi);
        Dd::renormalise(s, e + self.lo + o.lo)
    }
}

impl std::ops::Neg for Dd {
    type Output = Dd;
    #[inline(always)]
    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
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
        let (p, e) = two_prod(self.hi, o.hi);
        Dd::renormalise(p, e + (self.hi * o.lo + self.lo * o.hi))
    }
}

impl std::ops::Div for Dd {
    type Output = Dd;
    #[inline(always)]
    fn div(self, o: Dd) -> Dd {
        let q = self.hi / o.hi;
        // remainder self - q*o, carried to double precision
        let r = self - o.mul_f64(q);
        Dd::renormalise(q, r.hi / o.hi)
    }
}

/// ln 2 as a double-double (hi is the correctly rounded double).
pub const LN_2: Dd = Dd::new(std::f64::consts::LN_2, 2.319_046_813_846_299_6e-17);

/// Natural logarithm of a positive double-double, correct to about 2^-60 relative: eight bits
/// beyond a double, which is what the callers need (the low part only corrects the rounding
/// of the high part).
///
/// `ln(2^e m) = e ln 2 + 2 atanh(u)` with `u = (m - 1)/(m + 1)` and `m` in `[1/sqrt2, sqrt2)`,
/// so `|u| < 0.172`. The leading term `2u` is carried in dd; the tail `2(u^3/3 + u^5/5 + ...)`
/// is below 1 % of it, so its plain-double rounding stays near 2^-61 of the result.
pub fn ln_dd(v: Dd) -> Dd {
    let x = v.hi;
    if x.is_nan() || x <= 0.0 || x.is_infinite() {
        return Dd::from_f64(x.ln());
    }
    let (mut m, mut e) = frexp(x);
    // frexp gives m in [0.5, 1): move it to [1/sqrt2, sqrt2)
    if m < std::f64::consts::FRAC_1_SQRT_2 {
        m *= 2.0;
        e -= 1;
    }
    let scale = m / x; // a power of two: exact
    let mv = Dd::new(m, v.lo * scale);
    let u = mv.add_f64(-1.0) / mv.add_f64(1.0);
    let u2 = u.hi * u.hi;
    // 2 atanh(u) = 2u + 2u * (u^2/3 + u^4/5 + ...); 13 terms reach 0.172^26 < 2^-66.
    let mut tail = 0.0;
    let mut k = 27.0;
    while k > 1.0 {
        tail = (tail + 1.0 / k) * u2;
        k -= 2.0;
    }
    let two_u = u.mul_f64(2.0);
    let atanh_part = two_u.add_f64(two_u.hi * tail);
    LN_2.mul_f64(e as f64) + atanh_part
}

/// `exp` of a double-double to about 1 ulp of a double: `exp(hi) * (1 + lo)`, with `lo` tiny.
#[inline(always)]
pub fn exp_dd(v: Dd) -> f64 {
    let base = pxfm::f_exp(v.hi);
    base + base * v.lo
}

/// Split a finite positive double into `m * 2^e` with `m` in `[0.5, 1)`.
fn frexp(x: f64) -> (f64, i32) {
    let bits = x.to_bits();
    let exp_field = ((bits >> 52) & 0x7ff) as i32;
    if exp_field == 0 {
        // subnormal: scale into the normal range first
        let (m, e) = frexp(x * f64::from_bits(0x4350_0000_0000_0000)); // 2^54
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp_field - 1022)
}

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

    #[test]
    fn ln_dd_matches_known_values() {
        // ln(2) is exact to dd precision through the constant
        let l2 = ln_dd(Dd::from_f64(2.0));
        assert_eq!(l2.hi, LN_2.hi);
        assert!((l2.lo - LN_2.lo).abs() < 1e-19);
        // ln(10) = 2.302585092994045684017991454684364...
        let l10 = ln_dd(Dd::from_f64(10.0));
        assert_eq!(l10.hi, std::f64::consts::LN_10);
        assert!(
            (l10.lo - (-2.170_756_223_382_249_5e-16)).abs() < 1e-18,
            "{:e}",
            l10.lo
        );
        // ln(1 + 2^-40) = 2^-40 - 2^-81 + ...
        let tiny = 2f64.powi(-40);
        let l = ln_dd(Dd::from_f64(1.0 + tiny));
        assert!((l.hi - tiny).abs() <= tiny * 1e-12);
        assert!(((l.hi - tiny) + l.lo + 2f64.powi(-81)).abs() < 2f64.powi(-100));
    }

    #[test]
    fn frexp_handles_subnormals() {
        let (m, e) = frexp(f64::MIN_POSITIVE / 8.0);
        assert_eq!(m, 0.5);
        assert_eq!(e, -1024);
    }
}
