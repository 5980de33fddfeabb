//! The plugin host: loads ranking-method plugins and runs their methods without letting them
//! take the server down.
//!
//! - [`load`] opens one library, finds `podium_plugin_v1`, checks the ABI version (equal major,
//!   host minor ≥ plugin minor), validates the descriptor and copies it into owned values. Each
//!   failure is its own [`LoadError`] variant, shown per file by `GET /v1/plugins`.
//! - [`PluginHost`] is the registry: every library in the plugin directory, loaded or not, and
//!   the methods of those that loaded (ids unique across plugins). It can rescan at run time.
//! - [`dataset`] is the host-owned columnar data and its borrowed ABI view.
//! - [`run`] validates parameters against the method's JSON Schema, runs the call on its own
//!   thread with a deadline and cooperative cancellation, abandons (and eventually quarantines)
//!   calls that never return, and copies results out of host-owned buffers. Since ABI 1.1 it
//!   offers the compute kernels ([`compute`], `podium-gpu`) as callbacks, so a plugin gets
//!   the GPU without linking wgpu.
//!
//! Plugins are trusted code in the sense that the administrator installs them; the host
//! defends against bugs (panics, hangs, malformed descriptors), not against malice — a plugin
//! runs in the server's address space.

pub mod dataset;
pub mod load;
pub mod run;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use podium_gpu::{Compute, Policy};

pub use dataset::{Dataset, Facts, Tables};
pub use load::{LoadError, MethodInfo, Plugin};
pub use run::{Progress, RunError, RunOptions, RunOutput, run_method};

/// The process's kernels, offered to every call: `PODIUM_COMPUTE` read once (`cpu`, `gpu` or
/// `auto`, the default). An invalid value is logged and treated as `auto` here; the server
/// refuses it at start-up ([`Policy::from_env`]).
pub fn compute() -> Arc<Compute> {
    static COMPUTE: OnceLock<Arc<Compute>> = OnceLock::new();
    Arc::clone(COMPUTE.get_or_init(|| {
        let policy = Policy::from_env().unwrap_or_else(|e| {
            tracing::warn!("{e}; using auto");
            Policy::Auto
        });
        Arc::new(Compute::new(policy))
    }))
}

/// One file of the plugin directory and what became of it.
#[derive(Debug, Clone)]
pub struct PluginEntry {
    /// The file.
    pub path: PathBuf,
    /// The loaded plugin, or why it did not load.
    pub outcome: Result<Arc<Plugin>, LoadError>,
}

/// A method ready to run: its plugin (kept loaded by the `Arc`) and its index there.
#[derive(Debug, Clone)]
pub struct MethodHandle {
    /// The plugin providing it.
    pub plugin: Arc<Plugin>,
    /// Index into `plugin.methods`.
    pub index: usize,
}

impl MethodHandle {
    /// The method's description.
    pub fn info(&self) -> &MethodInfo {
        &self.plugin.methods[self.index]
    }
}

/// Every plugin the server knows.
#[derive(Debug, Default)]
pub struct PluginHost {
    dir: Option<PathBuf>,
    entries: RwLock<Vec<PluginEntry>>,
}

/// Whether `path` looks like a shared library of this platform.
fn is_library(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(std::env::consts::DLL_SUFFIX))
}

/// Lists the libraries directly inside `dir`, sorted by name (subfolders are not searched).
pub fn libraries_in(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && is_library(p))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
}

/// Loads `paths` in order; a method id already taken makes the later plugin fail.
fn load_all(paths: &[PathBuf]) -> Vec<PluginEntry> {
    let mut entries: Vec<PluginEntry> = Vec::with_capacity(paths.len());
    for path in paths {
        let outcome = load::load(path).and_then(|plugin| {
            for method in &plugin.methods {
                let taken = entries.iter().find_map(|e| {
                    e.outcome
                        .as_ref()
                        .ok()
                        .filter(|p| p.methods.iter().any(|m| m.id == method.id))
                });
                if let Some(other) = taken {
                    return Err(LoadError::DuplicateMethod {
                        id: method.id.clone(),
                        other: other.name.clone(),
                    });
                }
            }
            Ok(Arc::new(plugin))
        });
        match &outcome {
            Ok(plugin) => tracing::info!(
                plugin = plugin.name,
                version = plugin.version,
                methods = plugin.methods.len(),
                path = %path.display(),
                "plugin loaded"
            ),
            Err(err) => tracing::warn!(path = %path.display(), %err, "plugin not loaded"),
        }
        entries.push(PluginEntry {
            path: path.clone(),
            outcome,
        });
    }
    entries
}

impl PluginHost {
    /// Loads every library in `dir`.
    pub fn scan(dir: &Path) -> PluginHost {
        PluginHost {
            dir: Some(dir.to_path_buf()),
            entries: RwLock::new(load_all(&libraries_in(dir))),
        }
    }

    /// Loads exactly these files (tests, explicit configuration).
    pub fn from_paths(paths: &[PathBuf]) -> PluginHost {
        PluginHost {
            dir: None,
            entries: RwLock::new(load_all(paths)),
        }
    }

    /// The directory scanned, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Loads the directory again (new, changed and removed files). Calls in flight keep the
    /// plugin they started with.
    pub fn rescan(&self) {
        let Some(dir) = &self.dir else { return };
        let entries = load_all(&libraries_in(dir));
        if let Ok(mut slot) = self.entries.write() {
            *slot = entries;
        }
    }

    /// Every file and its outcome.
    pub fn entries(&self) -> Vec<PluginEntry> {
        self.entries.read().map(|e| e.clone()).unwrap_or_default()
    }

    /// Every method of every loaded plugin, in load order.
    pub fn methods(&self) -> Vec<MethodHandle> {
        self.entries()
            .into_iter()
            .filter_map(|e| e.outcome.ok())
            .flat_map(|plugin| {
                (0..plugin.methods.len()).map(move |index| MethodHandle {
                    plugin: Arc::clone(&plugin),
                    index,
                })
            })
            .collect()
    }

    /// The method with this id.
    pub fn method(&self, id: &str) -> Option<MethodHandle> {
        self.methods().into_iter().find(|m| m.info().id == id)
    }
}
