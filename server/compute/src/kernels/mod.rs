//! The kernels' contracts and CPU twins.

pub mod bradley_terry;
pub mod pairwise_wins;
pub mod stationary;
