//! Plugin host (being written).
