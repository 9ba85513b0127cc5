//! The mathematics below everything else: double-double arithmetic, the elementary
//! functions (exp, ln and their double-double and log-domain forms), the normal
//! distribution (erfcx, Phi and its inverse), and the generated tables they read.

pub(crate) mod consts;
pub mod dd;
pub mod elementary;
pub(crate) mod lane1;
pub mod normal;
pub(crate) mod tables;
