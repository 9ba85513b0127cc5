//! The types every layer shares: one contract's inputs, its price and greeks, and the names
//! of those outputs. Below the formulas (`black`, `fast`, `extreme`) and the kernels that
//! use them, so that none of those imports another for a type.

/// One European option's inputs. `is_call` selects the payoff.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Contract {
    pub s: f64,
    pub k: f64,
    pub r: f64,
    pub q: f64,
    pub sigma: f64,
    pub t: f64,
    pub is_call: bool,
}

impl Contract {
    /// Contract `i` of the kernels' column layout: s, k, r, q, sigma, t, and 1.0 (call) or
    /// -1.0 (put).
    #[inline(always)]
    pub fn from_columns(columns: &[&[f64]; 7], i: usize) -> Contract {
        let call = columns[6][i];
        Contract {
            // a NaN kind (a masked entry of a masked kind array) gives NaN, as any NaN input
            s: if call.is_nan() {
                f64::NAN
            } else {
                columns[0][i]
            },
            k: columns[1][i],
            r: columns[2][i],
            q: columns[3][i],
            sigma: columns[4][i],
            t: columns[5][i],
            is_call: call > 0.0,
        }
    }
}

/// Price and every greek of one contract, per unit of each input (see DESIGN.md).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GreekValues {
    pub price: f64,
    pub delta: f64,
    pub gamma: f64,
    pub vega: f64,
    pub theta: f64,
    pub rho: f64,
    pub epsilon: f64,
    pub vanna: f64,
    pub volga: f64,
    pub charm: f64,
}

impl GreekValues {
    /// The fields in the order of `Greek::ALL` (price first).
    pub const fn from_array(
        [
            price,
            delta,
            gamma,
            vega,
            theta,
            rho,
            epsilon,
            vanna,
            volga,
            charm,
        ]: [f64; 10],
    ) -> GreekValues {
        GreekValues {
            price,
            delta,
            gamma,
            vega,
            theta,
            rho,
            epsilon,
            vanna,
            volga,
            charm,
        }
    }

    pub const NAN: GreekValues = GreekValues::from_array([f64::NAN; 10]);
}

/// The greeks a `Greeks` result can hold, in the order of its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Greek {
    Price,
    Delta,
    Gamma,
    Vega,
    Theta,
    Rho,
    Epsilon,
    Vanna,
    Volga,
    Charm,
}

impl Greek {
    pub const ALL: [Greek; 10] = [
        Greek::Price,
        Greek::Delta,
        Greek::Gamma,
        Greek::Vega,
        Greek::Theta,
        Greek::Rho,
        Greek::Epsilon,
        Greek::Vanna,
        Greek::Volga,
        Greek::Charm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Greek::Price => "price",
            Greek::Delta => "delta",
            Greek::Gamma => "gamma",
            Greek::Vega => "vega",
            Greek::Theta => "theta",
            Greek::Rho => "rho",
            Greek::Epsilon => "epsilon",
            Greek::Vanna => "vanna",
            Greek::Volga => "volga",
            Greek::Charm => "charm",
        }
    }

    pub fn from_name(name: &str) -> crate::error::Result<Greek> {
        Greek::ALL
            .iter()
            .copied()
            .find(|g| g.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Greek::ALL.iter().map(|g| g.name()).collect();
                crate::error::PricingError::InvalidArgument(format!(
                    "which: unknown greek '{name}'; choose from {}",
                    names.join(", ")
                ))
            })
    }

    pub fn pick(self, g: &GreekValues) -> f64 {
        match self {
            Greek::Price => g.price,
            Greek::Delta => g.delta,
            Greek::Gamma => g.gamma,
            Greek::Vega => g.vega,
            Greek::Theta => g.theta,
            Greek::Rho => g.rho,
            Greek::Epsilon => g.epsilon,
            Greek::Vanna => g.vanna,
            Greek::Volga => g.volga,
            Greek::Charm => g.charm,
        }
    }
}
