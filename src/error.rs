//! The one error type of the core. The binding layer maps each variant to a Python
//! exception in a single `From<PricingError> for PyErr`.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum PricingError {
    /// A value outside an argument's domain, e.g. `sigma[1234] = -0.2: sigma must be > 0`.
    /// `index` is empty for a scalar, `[i]` for 1-D and `[i, j, ...]` for N-D arguments.
    #[error("{name}{index} = {value:?}: {name} must be {rule}")]
    OutOfDomain {
        name: &'static str,
        index: String,
        value: f64,
        rule: &'static str,
    },
    /// Argument shapes that do not broadcast together (numpy's rules).
    #[error("shapes {shapes} cannot be broadcast together ({names})")]
    Shape { shapes: String, names: String },
    /// An argument of the right type with an unusable value (a bad `kind` string, a bad
    /// thread count, a bad `which` name, a 1-D requirement, ...).
    #[error("{0}")]
    InvalidArgument(String),
}

pub type Result<T> = std::result::Result<T, PricingError>;

/// Format a C-order flat position of an array with `shape` the way numpy users write it.
pub fn format_index(shape: &[usize], flat: usize) -> String {
    if shape.is_empty() {
        return String::new();
    }
    let mut rest = flat;
    let mut idx = vec![0usize; shape.len()];
    for (d, &n) in shape.iter().enumerate().rev() {
        let n = n.max(1);
        idx[d] = rest % n;
        rest /= n;
    }
    let parts: Vec<String> = idx.iter().map(|i| i.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_argument_index_and_value() {
        let e = PricingError::OutOfDomain {
            name: "sigma",
            index: format_index(&[5000], 1234),
            value: -0.2,
            rule: "> 0",
        };
        assert_eq!(e.to_string(), "sigma[1234] = -0.2: sigma must be > 0");
        assert_eq!(format_index(&[3, 4], 7), "[1, 3]");
        assert_eq!(format_index(&[], 0), "");
    }
}
