//! The kernels' contracts and CPU twins.

pub mod pairwise_wins;
pub mod stationary;
