//! Baseline methods (being written).
