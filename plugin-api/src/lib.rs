//! Podium's plugin boundary: the stable C ABI ([`abi`]) and the Rust SDK for plugin authors
//! ([`sdk`]).
//!
//! A ranking method lives in a shared library that exports one symbol, `podium_plugin_v1`,
//! returning a static descriptor (ABI version, plugin name and version, methods with their
//! JSON Schemas and entry points). The host hands each call a borrowed, read-only columnar view
//! of the selected data and host-owned result buffers; nothing allocated on one side is freed on
//! the other. Plugins can be written in Rust with the SDK (`export_plugin!`) or in C against the
//! committed header `include/podium_plugin.h`, generated from [`abi`] by cbindgen.
//!
//! The ABI is versioned and append-only: see the rules at the top of [`abi`] and the plugin
//! author's guide in `plugin-api/README.md`.

pub mod abi;
pub mod params;
pub mod sdk;
pub mod serve;
/// cbindgen:ignore
#[cfg(feature = "testing")]
pub mod testing;

pub use abi::{PODIUM_ABI_MAJOR, PODIUM_ABI_MINOR, PodiumStatus};
